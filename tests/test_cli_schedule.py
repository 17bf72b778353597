"""`pantau schedule list|sync` and `pantau beat`: output, and mistakes as one line and a hint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import redis

from tests.test_cli import pantau, unreachable

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_MARK = "**Worked example: Pilkada"


@pytest.fixture(scope="module")
def pilkada(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example of docs/sources.md, as a file: the docs show what the code does."""
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(.*?)```", text[text.index(EXAMPLE_MARK):], re.S)
    assert match is not None
    path = tmp_path_factory.mktemp("pilkada") / "sources.yaml"
    path.write_text(match.group(1), encoding="utf-8")
    return path


def offline(tmp_path: Path) -> dict[str, str]:
    """No Redis configured and no embedded one running: the list comes from the file alone."""
    return {"PANTAU_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"}


def test_list_shows_next_runs_and_the_active_window(pilkada: Path, tmp_path: Path) -> None:
    before = pantau("schedule", "list", "--config", str(pilkada), "--at", "2024-11-23T10:00",
                    "--count", "4", "--json", env=offline(tmp_path))
    assert before.returncode == 0, before.stderr
    rows = {row["source"]: row for row in json.loads(before.stdout)}
    forum = rows["forum-kalteng"]
    assert (forum["region"], forum["zone"], forum["rule"], forum["window"]) == (
        "62", "Asia/Jakarta", "every 6h", None)
    assert forum["next_runs"] == ["2024-11-23T18:00:00+07:00", "2024-11-24T00:00:00+07:00",
                                  "2024-11-24T00:15:00+07:00", "2024-11-24T00:30:00+07:00"]
    assert forum["windows"] == [{"name": "pilkada", "rule": "every 15m",
                                 "start": "2024-11-24T00:00:00+07:00",
                                 "end": "2024-12-05T00:00:00+07:00"}]
    assert rows["berita-kalteng"]["rule"] == "cron 0 */2 * * *"
    assert rows["berita-kalteng"]["next_runs"][:3] == [
        "2024-11-23T18:00:00+07:00", "2024-11-23T20:00:00+07:00", "2024-11-23T22:00:00+07:00"]
    assert (rows["arsip-lama"]["rule"], rows["arsip-lama"]["next_runs"]) == ("manual", [])
    assert forum["redis"] is None

    dead_redis = {**offline(tmp_path), "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0"}
    during = pantau("schedule", "list", "--config", str(pilkada), "--at",
                    "2024-12-04T23:50:00+07:00", env=dead_redis)
    assert during.returncode == 0, during.stderr
    line = next(li for li in during.stdout.splitlines() if "forum-kalteng" in li)
    assert "12-04 23:50" not in line and "12-05 00:00, 12-05 06:00, 12-05 12:00" in line
    assert "pilkada until 12-05 00:00" in line
    assert "no Redis reachable" in during.stdout  # the file's schedule is shown all the same
    assert "Redis state not shown" in during.stderr


def test_sync_then_list_reads_the_beat_state(pilkada: Path, tmp_path: Path,
                                             redis_url: str) -> None:
    env = {**offline(tmp_path), "PANTAU_REDIS_URL": redis_url}
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        result = pantau("schedule", "sync", "--config", str(pilkada), env=env)
        assert result.returncode == 0, result.stderr
        assert "added: forum-kalteng, berita-kalteng" in result.stdout
        assert "2 added, 0 changed, 0 removed, 0 unchanged" in result.stdout
        assert client.exists("pantau:beat:source:forum-kalteng")
        listed = pantau("schedule", "list", "--config", str(pilkada), "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        state = {row["source"]: row["redis"] for row in json.loads(listed.stdout)}
        assert state["forum-kalteng"]["due_at"] and state["forum-kalteng"]["skipped"] == {}
        assert state["arsip-lama"] == {"skipped": {}, "running": None}
    finally:
        for key in client.scan_iter(match="pantau:beat:*"):
            client.delete(key)
        client.close()


def test_no_sources_file_is_one_line_with_a_hint(tmp_path: Path) -> None:
    for args in (("schedule", "list"), ("schedule", "sync"), ("beat",)):
        result = pantau(*args, env=unreachable(tmp_path))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines == ["error: no sources file to schedule from",
                         "hint: pass --config FILE or set PANTAU_CONFIG"]


def test_beat_refuses_a_bad_file_before_connecting(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: K\n    schedule: {every: 15 min}\n",
                    encoding="utf-8")
    result = pantau("beat", "--config", str(path), env=unreachable(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"error: {path}: region 62: field 'schedule.every': not a duration '15 min' (use a "
        "number and a unit, e.g. 90s, 15m, 6h, 3d, 2w)")


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: K\n    schedule: {every: 1h}\n"
                    "    sources: [{name: f, engine: phpbb, url: 'http://127.0.0.1:9/'}]\n",
                    encoding="utf-8")
    return path


def test_beat_without_redis_is_one_line(good_file: Path, tmp_path: Path) -> None:
    result = pantau("beat", "--config", str(good_file), env=unreachable(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: cannot reach Redis at redis://127.0.0.1:1/0")
    assert lines[1] == "hint: is Redis running? check PANTAU_REDIS_URL"
