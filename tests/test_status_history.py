"""`pantau status`: recent runs per region and source, and source health, from crawl_runs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.cli.status import ago, duration
from crawler.storage.history import History, health_state

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# (source, region, status, started minute, finished minute, reason, pages, new)
RUNS: list[tuple[str, str, str, int | None, int | None, str | None, int, int]] = [
    ("forum-a", "62", "failed", 0, 5, "no posts: HTTP 500 (old)", 3, 0),
    ("forum-a", "62", "succeeded", 10, 20, None, 40, 25),
    ("forum-a", "62", "failed", 30, 31, "no posts: HTTP 503 (http://a/)", 1, 0),
    ("forum-a", "62", "timeout", 40, 100, "soft time limit reached; spider stopped", 9, 4),
    ("forum-a", "62", "revoked", 110, 111, "revoked (terminated)", 2, 0),
    ("forum-a", "62", "failed", 120, 121, "no page fetched from http://a/", 0, 0),
    ("forum-b", "62.71", "failed", 0, 2, "no posts: DNS lookup failed", 0, 0),
    ("forum-b", "62.71", "failed", 60, 62, "no posts: connection refused", 0, 0),
    ("forum-c", "63", "succeeded", 0, 7, None, 70, 70),
    ("forum-c", "63", "running", 50, None, None, 12, 0),
    ("forum-d", "62", "queued", None, None, None, 0, 0),
]


@pytest.fixture(scope="module")
def history_db(database: str) -> str:
    """The module's own database with the runs above (the tests only read it)."""
    with psycopg.connect(database) as conn:
        for source, region, status, started, finished, reason, pages, new in RUNS:
            conn.execute(
                "INSERT INTO crawl_runs (source, region, status, queued_at, started_at,"
                " finished_at, reason, pages, posts_new, items, errors)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (source, region, status, _at(started if started is not None else 130),
                 _at(started) if started is not None else None,
                 _at(finished) if finished is not None else None, reason, pages, new, new,
                 1 if status in ("failed", "timeout") else 0))
    return database


def _health(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["source"]: row for row in rows}


def test_health_streaks_last_success_and_last_error(history_db: str) -> None:
    with psycopg.connect(history_db) as conn:
        health = _health(History(conn).health())
    a, b, c, d = (health[name] for name in ("forum-a", "forum-b", "forum-c", "forum-d"))
    # failed, timeout, (revoked: neither counts nor ends the streak), failed: 3 since success
    assert a["consecutive_failures"] == 3
    assert a["last_success_at"] == _at(20)
    assert a["last_error"] == "no page fetched from http://a/" and a["last_error_at"] == _at(121)
    assert (a["last_status"], a["health"], a["runs"], a["active"]) == ("failed", "failing", 6, 0)
    assert (b["consecutive_failures"], b["last_success_at"], b["health"]) == \
        (2, None, "never succeeded")
    assert (c["consecutive_failures"], c["health"], c["active"], c["last_status"]) == \
        (0, "ok", 1, "running")
    assert c["last_error"] is None
    assert (d["health"], d["last_status"], d["active"]) == ("new", "queued", 1)
    with psycopg.connect(history_db) as conn:
        in_62 = History(conn).health(region="62")
    assert [row["source"] for row in in_62] == ["forum-a", "forum-d", "forum-b"]


def test_recent_runs_per_source_newest_first_by_region(history_db: str) -> None:
    with psycopg.connect(history_db) as conn:
        history = History(conn)
        runs = history.recent_runs(per_source=2)
        only_c = history.recent_runs(per_source=5, source="forum-c")
        sub = history.recent_runs(per_source=5, region="62.71")
    assert [(r["region"], r["source"], r["status"]) for r in runs] == [
        ("62", "forum-a", "failed"), ("62", "forum-a", "revoked"),
        ("62", "forum-d", "queued"),
        ("62.71", "forum-b", "failed"), ("62.71", "forum-b", "failed"),
        ("63", "forum-c", "running"), ("63", "forum-c", "succeeded"),
    ]
    timeout_run = next(r for r in runs if r["source"] == "forum-a" and r["status"] == "revoked")
    assert timeout_run["duration_seconds"] == 60.0
    queued = next(r for r in runs if r["status"] == "queued")
    assert queued["duration_seconds"] is None
    running = next(r for r in only_c if r["status"] == "running")
    assert running["duration_seconds"] > 0  # so far
    assert [r["status"] for r in only_c] == ["running", "succeeded"]
    assert {r["source"] for r in sub} == {"forum-b"}
    with psycopg.connect(history_db) as conn, pytest.raises(ValueError, match="at least 1"):
        History(conn).recent_runs(per_source=0)


def test_health_state_words() -> None:
    assert health_state({"consecutive_failures": 0, "last_success_at": T0}) == "ok"
    assert health_state({"consecutive_failures": 2, "last_success_at": T0}) == "failing"
    assert health_state({"consecutive_failures": 1, "last_success_at": None}) == \
        "never succeeded"
    assert health_state({"consecutive_failures": 0, "last_success_at": None}) == "new"


def test_time_formats() -> None:
    now = _at(0)
    assert ago(None, lang="en") == "never"
    assert ago(now - timedelta(seconds=42), now, "en") == "42s ago"
    assert ago(now - timedelta(minutes=12, seconds=5), now, "en") == "12m ago"
    assert ago(now - timedelta(hours=3), now, "en") == "3h ago"
    assert ago(now - timedelta(days=2, hours=5), now, "en") == "2d ago"
    assert ago(now - timedelta(hours=3), now, "id") == "3h lalu"
    assert ago(None, lang="id") == "tidak pernah"
    assert duration(None) == "-"
    assert duration(42.04) == "42.0s"
    assert duration(725) == "12m05s"
    assert duration(7380) == "2h03m"


def _status(database: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PANTAU_DATABASE_URL": database,
           "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0", "PANTAU_STATE_DIR": str(tmp_path),
           "COLUMNS": "220", "PANTAU_LANG": "en"}  # the tables' English words are asserted
    return subprocess.run([sys.executable, "-m", "crawler", "status", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_cli_json_is_one_object_for_scripts(history_db: str, tmp_path: Path) -> None:
    result = _status(history_db, tmp_path, "--json", "--limit", "1", "--region", "62")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"health", "runs"}
    assert [(r["source"], r["status"]) for r in data["runs"]] == [
        ("forum-a", "failed"), ("forum-d", "queued"), ("forum-b", "failed")]
    a = _health(data["health"])["forum-a"]
    assert a["consecutive_failures"] == 3 and a["health"] == "failing"
    assert datetime.fromisoformat(a["last_success_at"]) == _at(20)
    run = data["runs"][0]
    assert {"id", "task_id", "pages", "posts_new", "posts_edited", "posts_deleted", "errors",
            "error_reasons", "duration_seconds", "reason"} <= set(run)


def test_cli_tables(history_db: str, tmp_path: Path) -> None:
    result = _status(history_db, tmp_path, "--limit", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "source health" in out
    for title in ("region 62: recent runs", "region 62.71: recent runs",
                  "region 63: recent runs"):
        assert title in out
    assert out.index("region 62: recent runs") < out.index("region 62.71: recent runs")
    health_line = next(line for line in out.splitlines() if "forum-b" in line)
    assert "never succeeded" in health_line and "connection refused" in health_line
    a_line = next(line for line in out.splitlines() if "forum-a" in line)
    assert "failing" in a_line and " 3 " in a_line
    assert "1m00s" in out  # the revoked run of forum-a took 60 s
    empty = _status(history_db, tmp_path, "--source", "nope")
    assert empty.returncode == 0
    assert "no crawl runs matching these filters yet" in empty.stdout
