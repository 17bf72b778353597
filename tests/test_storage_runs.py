"""Crawl run records and source rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from crawler.storage.db import connect
from crawler.storage.runs import RunStore
from crawler.storage.sources import upsert_source


@pytest.fixture
def conn(fresh_migrated_database: str) -> Iterator[psycopg.Connection[Any]]:
    with connect(fresh_migrated_database) as conn:
        yield conn


def test_run_lifecycle(conn: psycopg.Connection[Any]) -> None:
    runs = RunStore(conn)
    run_id = runs.create("forum-kalteng", "62")
    assert runs.get(run_id)["status"] == "queued"  # type: ignore[index]
    runs.start(run_id, "task-1", "worker-a", 4242)
    runs.progress(run_id, pages=3, items=40, errors=1)
    row = runs.get(run_id)
    assert row is not None
    assert (row["status"], row["task_id"], row["pid"]) == ("running", "task-1", 4242)
    assert row["pages"] == 3
    reasons = [{"kind": "http", "url": "http://127.0.0.1/x", "message": "503"}]
    stored = runs.finish(
        run_id, "succeeded", counts={"pages": 4, "items": 41, "posts_new": 30, "posts_edited": 2},
        error_reasons=reasons, stats={"elapsed": 1.5},
    )  # fmt: skip
    assert stored == "succeeded"
    row = runs.get(run_id)
    assert row is not None
    assert (row["pages"], row["items"], row["errors"], row["posts_new"]) == (4, 41, 1, 30)
    assert row["error_reasons"] == reasons
    assert row["stats"] == {"elapsed": 1.5}
    assert row["finished_at"] is not None
    assert runs.get(999999) is None


def test_create_with_known_task_id_is_idempotent(conn: psycopg.Connection[Any]) -> None:
    runs = RunStore(conn)
    assert runs.create("s", "62", task_id="t-1") == runs.create("s", "62", task_id="t-1")


@pytest.mark.parametrize("sticky", ["revoked", "timeout"])
def test_finish_never_lowers_a_sticky_final_status(
    conn: psycopg.Connection[Any], sticky: str
) -> None:
    runs = RunStore(conn)
    run_id = runs.create("s", "62", task_id=f"t-{sticky}")
    runs.start(run_id, f"t-{sticky}", "w", 1)
    assert runs.finish_by_task_id(f"t-{sticky}", sticky, "killed by operator") == 1
    runs.start(run_id, f"t-{sticky}", "w", 1)  # a late start does not revive it
    assert runs.finish(run_id, "succeeded", counts={"items": 7}, error_reasons=[]) == sticky
    row = runs.get(run_id)
    assert row is not None
    assert (row["status"], row["reason"], row["items"]) == (sticky, "killed by operator", 7)


def test_finish_by_task_id_only_touches_unfinished_runs(conn: psycopg.Connection[Any]) -> None:
    runs = RunStore(conn)
    done = runs.create("s", None, task_id="t-done")
    runs.finish(done, "succeeded", error_reasons=[])
    assert runs.finish_by_task_id("t-done", "failed", "worker lost") == 0
    assert runs.get(done)["status"] == "succeeded"  # type: ignore[index]
    queued = runs.create("s", None, task_id="t-queued")
    assert runs.finish_by_task_id("t-queued", "failed", "worker lost") == 1
    row = runs.get(queued)
    assert row is not None
    assert (row["status"], row["reason"]) == ("failed", "worker lost")


def test_finish_rejects_bad_input(conn: psycopg.Connection[Any]) -> None:
    runs = RunStore(conn)
    run_id = runs.create("s", None)
    with pytest.raises(ValueError, match="final status"):
        runs.finish(run_id, "running")
    with pytest.raises(ValueError, match="unknown count"):
        runs.finish(run_id, "failed", counts={"status": 1})
    with pytest.raises(LookupError):
        runs.finish(123456789, "failed")


def test_recent_newest_first_and_by_source(conn: psycopg.Connection[Any]) -> None:
    runs = RunStore(conn)
    ids = [runs.create(src, "62") for src in ("a", "b", "a")]
    assert [r["id"] for r in runs.recent()] == ids[::-1]
    assert [r["id"] for r in runs.recent(limit=5, source="a")] == [ids[2], ids[0]]
    assert len(runs.recent(limit=1)) == 1


def test_upsert_source(conn: psycopg.Connection[Any]) -> None:
    upsert_source(conn, "forum", "forum", "phpbb", "http://127.0.0.1/f", "http://127.0.0.1/f",
                  "62", {"max_pages": 5})  # fmt: skip
    upsert_source(conn, "forum", "forum", "phpbb", "http://127.0.0.1/f", "http://127.0.0.1/f",
                  "62.71", {"max_pages": 9})  # fmt: skip
    row = conn.execute("SELECT region, config FROM sources WHERE name = 'forum'").fetchone()
    assert row == ("62.71", {"max_pages": 9})
