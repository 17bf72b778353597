"""End to end: `pantau beat` sends a 2 s schedule to a real worker crawling a slow forum.

A crawl takes longer than the interval, so slots overlap: the run lock keeps the runs of the
source apart, and every slot sent is either a run or a skip counted with its reason.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from celery import Celery
from psycopg.rows import dict_row

from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer, Reply
from crawler.runner.process import kill_group
from crawler.schedule.runlock import LOCK_PREFIX, SKIP_PREFIX, skips
from tests.workers import running_worker, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NAME = "sched-e2e"
REGION = "94.73"


class SlowForum(DemoForumServer):
    """The demo forum, 0.3 s per page: a crawl of 8 pages outlasts a 2 s interval."""

    def respond(self, target: str, host: str) -> Reply:
        time.sleep(0.3)
        return super().respond(target, host)


@pytest.fixture(scope="module")
def forum() -> Iterator[SlowForum]:
    with SlowForum(build_forum(seed=62)) as server:
        yield server


@pytest.fixture
def keys(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    for key in [*client.scan_iter(match="pantau:beat:*"), LOCK_PREFIX + NAME,
                SKIP_PREFIX + NAME, f"crawl.{REGION}"]:
        client.delete(key)
    client.close()


def runs(database: str) -> list[dict[str, Any]]:
    with psycopg.connect(database, row_factory=dict_row) as conn:
        return conn.execute("SELECT id, status, reason, started_at, finished_at FROM crawl_runs"
                            " WHERE source = %s ORDER BY id", [NAME]).fetchall()


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_overlapping_slots_are_skipped_and_counted(
        tmp_path: Path, database: str, redis_url: str, client: Celery, forum: SlowForum,
        keys: redis.Redis) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"regions:\n  - code: '{REGION}'\n    name: Test\n    sources:\n"
        f"      - {{name: {NAME}, engine: phpbb, url: '{forum.url}', authors: keep,"
        " limits: {max_pages: 8}, politeness: {download_delay: 0, concurrent_requests: 1},"
        " schedule: {every: 2s}}\n", encoding="utf-8")
    env = worker_env(database, redis_url, tmp_path, PANTAU_BEAT_MAX_INTERVAL="0.5",
                     PANTAU_BEAT_LOCK_TIMEOUT="2")
    beat_log = tmp_path / "beat.log"
    with running_worker(env, tmp_path / "worker.log", client, "--region", REGION):
        with beat_log.open("wb") as log:
            beat = subprocess.Popen(
                [sys.executable, "-m", "crawler", "beat", "--config", str(config),
                 "--loglevel", "INFO"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                wait_for(lambda: sum(r["status"] == "succeeded" for r in runs(database)) >= 2
                         and skips(keys, NAME).get("count", 0) >= 2, 120,
                         "two runs and two skips")
            finally:
                kill_group(beat, grace=10)
        sent = beat_log.read_text().count(f"of source:{NAME} -> crawl.{REGION}")

        def settled() -> bool:
            done = [r for r in runs(database) if r["status"] not in ("queued", "running")]
            return (keys.llen(f"crawl.{REGION}") == 0 and len(done) == len(runs(database))
                    and len(done) + skips(keys, NAME).get("count", 0) == sent)

        wait_for(settled, 60, "every slot sent to be a run or a counted skip")
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
    rows = runs(database)
    assert all(r["status"] == "succeeded" for r in rows), rows
    spans = sorted((r["started_at"], r["finished_at"]) for r in rows)
    for (_, end), (start, _) in pairwise(spans):
        assert start >= end, f"two runs of {NAME} overlapped: {spans}"
    counted = skips(keys, NAME)
    assert counted["count"] == sent - len(rows) >= 2
    assert f"skipped slot: source={NAME} region={REGION} reason='run " in worker_log
    assert "is still running'" in worker_log
    assert keys.get(LOCK_PREFIX + NAME) is None, "the lock is released after the last run"
