"""One source crawled by several workers in shards; a killed worker's shard is redone elsewhere."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery

from crawler.demosite import DemoForumServer, build_forum
from crawler.storage.runs import RunStore
from crawler.storage.shards import ShardStore
from tests.test_crawl_task import source, stored, truth
from tests.workers import (
    EventLog,
    client_for,
    create_run,
    running_worker,
    shards_of,
    wait_run,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Short limits so that an unacknowledged shard comes back within the test.
SHORT_LIMITS = {"PANTAU_TASK_SOFT_TIME_LIMIT": "25", "PANTAU_TASK_TIME_LIMIT": "30",
                "PANTAU_VISIBILITY_TIMEOUT": "35"}


def test_shard_store_aggregates_once(fresh_migrated_database: str) -> None:
    with psycopg.connect(fresh_migrated_database) as conn:
        run_id = RunStore(conn).create("forum-a", "62")
        shards = ShardStore(conn)
        assert shards.plan(run_id, [["u1", "u2"], ["u3"], ["u4"]]) == 3
        assert shards.plan(run_id, [["other"]]) == 3  # idempotent
        assert shards.start(run_id, 0, "t0", "w1") == 1
        assert shards.start(run_id, 0, "t0b", "w2") == 2  # a redelivery
        counts = {"pages": 2, "items": 5, "posts_new": 5}
        assert not shards.finish(run_id, 0, "succeeded", reason=None, counts=counts,
                                 error_reasons=[])
        assert not shards.finish(run_id, 1, "succeeded", reason=None, counts=counts,
                                 error_reasons=[])
        assert shards.finish_by_task_id("nope", "timeout", "x") is False
        shards.start(run_id, 2, "t2", "w1")
        assert shards.finish_by_task_id("t2", "timeout", "hard time limit") is True
        run = RunStore(conn).get(run_id)
    assert run is not None
    assert run["status"] == "failed" and run["reason"] == "1 shard(s) did not succeed: 2"
    assert (run["pages"], run["items"], run["posts_new"], run["shards"]) == (4, 10, 10, 3)


@pytest.fixture
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


def _sharded(server: DemoForumServer, name: str, per_shard: int, delay: float) -> dict[str, Any]:
    return source(name, server.url, threads_per_shard=per_shard,
                  politeness={"download_delay": delay, "concurrent_requests": 2})


@contextlib.contextmanager
def two_workers(database: str, redis_url: str, client: Celery,
                tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two one-crawl-at-a-time workers, by node name prefix ("worker-a-...", "worker-b-...")."""
    env = worker_env(database, redis_url, tmp_path, **SHORT_LIMITS)
    tag = time.monotonic_ns()
    with running_worker(env, tmp_path / "a.log", client, "--concurrency", "1",
                        "--hostname", f"worker-a-{tag}@%h") as a, \
            running_worker(env, tmp_path / "b.log", client, "--concurrency", "1",
                           "--hostname", f"worker-b-{tag}@%h") as b:
        yield {f"worker-a-{tag}": a, f"worker-b-{tag}": b}


def test_sharded_crawl_spreads_over_workers_and_stores_truth(
        fresh_migrated_database: str, redis_url: str, forum: DemoForumServer,
        tmp_path: Path) -> None:
    database = fresh_migrated_database
    client = client_for(database, redis_url)
    with two_workers(database, redis_url, client, tmp_path):
        run_id = create_run(database, "forum-sharded")
        client.send_task("pantau.crawl_source",
                         args=[_sharded(forum, "forum-sharded", 8, 0), run_id],
                         queue="crawl.62")
        run = wait_run(database, run_id, timeout=240)
    assert run["status"] == "succeeded", run
    shards = shards_of(database, run_id)
    assert len(shards) == run["shards"] == 9  # 66 threads, 8 per shard
    assert {s["status"] for s in shards} == {"succeeded"}
    assert len({s["hostname"] for s in shards}) == 2, "both workers took shards"
    assert stored(database, "forum-sharded") == truth(forum)
    assert run["posts_new"] == len(forum.forum.truth())


def test_killed_worker_shard_is_redelivered_and_finished_elsewhere(
        fresh_migrated_database: str, redis_url: str, forum: DemoForumServer,
        tmp_path: Path) -> None:
    database = fresh_migrated_database
    client = client_for(database, redis_url)
    with two_workers(database, redis_url, client, tmp_path) as workers, \
            EventLog(client) as ev:
        run_id = create_run(database, "forum-redelivered")
        client.send_task("pantau.crawl_source",
                         args=[_sharded(forum, "forum-redelivered", 22, 0), run_id],
                         queue="crawl.62")
        # the first shard progress event names the worker (and spider) to kill
        deadline = time.monotonic() + 60
        victim_event = None
        while victim_event is None and time.monotonic() < deadline:
            with ev.lock:
                victim_event = next((e for e in ev.events if e["type"] == "task-progress"
                                     and "shard" in e and e.get("items", 0) > 0), None)
            time.sleep(0.1)
        assert victim_event is not None, "no shard made progress"
        name = victim_event["hostname"].split("@")[0]
        victim = workers[name]
        os.killpg(victim.pid, signal.SIGKILL)  # the worker host dies: no ack, no cleanup
        victim.wait(10)
        run = wait_run(database, run_id, timeout=240)
    assert run["status"] == "succeeded", run
    shards = shards_of(database, run_id)
    redone = [s for s in shards if s["shard_no"] == victim_event["shard"]]
    assert redone[0]["attempts"] == 2, shards
    assert not redone[0]["hostname"].startswith(name)
    assert stored(database, "forum-redelivered") == truth(forum)
    with psycopg.connect(database) as conn:
        count = conn.execute("SELECT count(*) FROM posts WHERE source = 'forum-redelivered'"
                             ).fetchone()
    assert count is not None and count[0] == len(forum.forum.truth())
