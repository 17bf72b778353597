"""The run lock: one run per source; an overlapping slot is skipped with a logged reason."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import redis

import tasks.runlock
from crawler.schedule.runlock import LOCK_PREFIX, SKIP_PREFIX, Holder, RunLock, skips
from crawler.storage.db import connect
from crawler.storage.runs import RunStore
from tasks.runlock import claim_run, release_if_done


@pytest.fixture
def client(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    """The session's Redis db, also as the tasks' client; this test's keys removed after."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    monkeypatch.setattr(tasks.runlock, "_client", client)
    yield client
    client.close()


@pytest.fixture
def name(client: redis.Redis) -> Iterator[str]:
    source = f"forum-{uuid.uuid4().hex[:8]}"
    yield source
    client.delete(LOCK_PREFIX + source, SKIP_PREFIX + source)


@pytest.fixture
def store(database: str) -> Iterator[RunStore]:
    with connect(database) as conn:
        yield RunStore(conn)


def rows(database: str, source: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        return conn.execute("SELECT id, status, task_id, reason FROM crawl_runs WHERE source = %s"
                            " ORDER BY id", [source]).fetchall()


def test_lock_primitives(client: redis.Redis, name: str) -> None:
    lock = RunLock(client, name, ttl=60)
    first, second = Holder(7, "task-a"), Holder(8, "task-b")
    assert lock.holder() is None
    assert lock.acquire(first) and lock.holder() == first
    assert 55 < client.ttl(lock.key) <= 60
    assert lock.acquire(first), "taking it again is fine"
    assert not lock.acquire(second), "held by another"
    assert not lock.acquire(second, replacing=Holder(6, "task-z")), "only the named holder"
    assert not lock.release(second) and lock.holder() == first
    client.expire(lock.key, 5)
    assert lock.refresh(first) and client.ttl(lock.key) > 5
    assert not lock.refresh(second)
    assert lock.acquire(second, replacing=first) and lock.holder() == second  # a takeover
    assert lock.release(second) and lock.holder() is None
    client.set(lock.key, "garbage")
    assert lock.holder() is None
    with pytest.raises(ValueError, match="ttl"):
        RunLock(client, name, ttl=0)


def test_overlapping_slot_is_skipped_without_a_run_row(
        database: str, store: RunStore, client: redis.Redis, name: str,
        caplog: pytest.LogCaptureFixture) -> None:
    source = {"name": name, "region": "62"}
    first = claim_run(f"{name}-task-1", source, None, store)
    assert first.skipped is None and first.run_id > 0
    assert RunLock(client, name, 60).holder() == Holder(first.run_id, f"{name}-task-1")
    store.start(first.run_id, f"{name}-task-1", "host", 1)
    with caplog.at_level(logging.WARNING, logger="tasks.runlock"):
        second = claim_run(f"{name}-task-2", source, None, store)
    assert second.skipped == {"source": name, "region": "62", "run_id": None,
                              "status": "skipped",
                              "reason": f"run {first.run_id} of {name} is still running"}
    assert second.run_id == 0
    assert [r[:3] for r in rows(database, name)] == [(first.run_id, "running", f"{name}-task-1")]
    (record,) = [r for r in caplog.records if "skipped slot" in r.getMessage()]
    assert record.getMessage() == (f"skipped slot: source={name} region=62 reason='run "
                                   f"{first.run_id} of {name} is still running'")
    counted = skips(client, name)
    assert counted["count"] == 1 and counted["last_reason"].startswith(f"run {first.run_id}")
    claim_run(f"{name}-task-3", source, None, store)
    assert skips(client, name)["count"] == 2


def test_a_run_row_waiting_for_its_task_ends_failed_with_the_reason(
        database: str, store: RunStore, name: str) -> None:
    source = {"name": name, "region": "62"}
    running = claim_run(f"{name}-task-1", source, None, store)
    store.start(running.run_id, f"{name}-task-1", "host", 1)
    cli_run = store.create(name, "62", task_id=f"{name}-task-cli")  # `pantau crawl NAME` meanwhile
    claim = claim_run(f"{name}-task-cli", source, cli_run, store)
    assert claim.skipped is not None and claim.run_id == cli_run
    row = store.get(cli_run)
    assert row is not None and row["status"] == "failed"
    assert row["reason"] == f"skipped: run {running.run_id} of {name} is still running"


def test_finished_holder_is_taken_over_and_a_redelivery_keeps_its_run(
        database: str, store: RunStore, client: redis.Redis, name: str) -> None:
    source = {"name": name, "region": "62"}
    old = claim_run(f"{name}-task-1", source, None, store)
    store.finish(old.run_id, "timeout", reason="hard time limit", counts={}, error_reasons=[])
    new = claim_run(f"{name}-task-2", source, None, store)  # the killed run never released its lock
    assert new.skipped is None and new.run_id != old.run_id
    again = claim_run(f"{name}-task-2", source, None, store)  # redelivered after a lost worker
    assert again == new
    assert [r[0] for r in rows(database, name)] == [old.run_id, new.run_id]
    assert RunLock(client, name, 60).holder() == Holder(new.run_id, f"{name}-task-2")


def test_release_waits_for_the_end_of_the_run(database: str, store: RunStore,
                                             client: redis.Redis, name: str) -> None:
    source = {"name": name, "region": "62"}
    lock = RunLock(client, name, 60)
    run = claim_run(f"{name}-task-1", source, None, store)
    store.start(run.run_id, f"{name}-task-1", "host", 1)
    # a sharded run: the discovery task ended, its shards still run
    assert not release_if_done(name, f"{name}-task-1", "SUCCESS", store)
    assert lock.holder() == Holder(run.run_id, f"{name}-task-1")
    assert not release_if_done(name, f"{name}-task-1", "RETRY", store)
    store.finish(run.run_id, "succeeded", counts={}, error_reasons=[])
    assert release_if_done(name, "shard-task-9", "SUCCESS", store)  # the last shard
    assert lock.holder() is None
    assert not release_if_done(name, f"{name}-task-1", "SUCCESS", store)


def test_a_starting_holder_is_respected(store: RunStore, client: redis.Redis, name: str) -> None:
    """Run 0: another task took the lock and is creating its run row right now."""
    lock = RunLock(client, name, 60)
    lock.acquire(Holder(0, f"{name}-task-starting"))
    claim = claim_run(f"{name}-task-2", {"name": name, "region": "62"}, None, store)
    assert claim.skipped is not None
    assert claim.skipped["reason"] == f"task {name}-task-starting of {name} is still running"
    assert not release_if_done(name, f"{name}-task-2", "SUCCESS", store)
    assert release_if_done(name, f"{name}-task-starting", "FAILURE", store)


def test_an_expired_slot_is_counted_and_a_revoked_holder_frees_the_lock(
        client: redis.Redis, name: str, caplog: pytest.LogCaptureFixture) -> None:
    """Worker main process: the task_revoked receiver (Celery's Context as the request)."""
    from types import SimpleNamespace

    from celery.app.task import Context

    crawl_source = SimpleNamespace(name="pantau.crawl_source")  # what the receiver reads
    crawl_shard = SimpleNamespace(name="pantau.crawl_shard")
    lock = RunLock(client, name, 60)
    lock.acquire(Holder(5, f"{name}-holder"))
    source = {"name": name, "region": "62"}
    other = Context({"id": f"{name}-late", "args": [source], "kwargs": {}})
    with caplog.at_level(logging.WARNING, logger="tasks.runlock"):
        tasks.runlock._release_revoked(sender=crawl_source, request=other, expired=True)
    assert skips(client, name)["last_reason"] == tasks.runlock.EXPIRED_REASON
    assert f"skipped slot: source={name} region=62 reason='slot expired" in caplog.text
    assert lock.holder() == Holder(5, f"{name}-holder"), "another task's lock stays"
    holder = Context({"id": f"{name}-holder", "args": [source, 5, 0], "kwargs": {}})
    tasks.runlock._release_revoked(sender=crawl_shard, request=holder, terminated=True)
    assert skips(client, name)["count"] == 1, "a terminated shard is no skipped slot"
    assert lock.holder() is None


def test_a_holder_from_another_database_is_gone(store: RunStore, client: redis.Redis,
                                                name: str) -> None:
    """Run ids repeat across databases (tests, a reset): the row must be the holder's own."""
    alive = store.create(f"{name}-other", "62", task_id=f"{name}-other-task")
    RunLock(client, name, 60).acquire(Holder(alive, f"{name}-from-elsewhere"))
    claim = claim_run(f"{name}-task-1", {"name": name, "region": "62"}, None, store)
    assert claim.skipped is None
    assert RunLock(client, name, 60).holder() == Holder(claim.run_id, f"{name}-task-1")
