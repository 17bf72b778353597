"""Chaos, worker side: workers killed, frozen and stopped mid-crawl; nothing lost or doubled.

Two real ``pantau worker`` processes (one crawl at a time each) crawl the demo forum
(its first 32 threads: 776 posts on 95 thread pages) from their own source addresses, 127.0.0.2
and 127.0.0.3, so the forum's request log says who fetched what. Each fault fires on the
forum's handler thread right after a stated thread page was served (tests/chaos.py),
against the worker that asked for it. The limits are short so that a lost message comes
back within the test: soft/hard time limit 22/25 s (a whole crawl takes 5-12 s here),
visibility timeout 27 s (and the workers look for such messages every 2 s:
tasks.app.restore_sweep).

Every test ends with the tally "posts lost: 0, duplicates: 0" against the forum's ground
truth (full tuples), no post versions made by a redo, and no process of a dead worker left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from celery import Celery

from crawler.runner.process import kill_group
from crawler.storage.runs import COUNT_COLUMNS, RunStore
from crawler.storage.shards import ShardStore
from tests.chaos import (
    FaultForumServer,
    ProcessTree,
    log_tail,
    small_forum,
    tally,
    thread_pages,
)
from tests.sitelog import Hit
from tests.test_crawl_task import source, truth
from tests.workers import client_for, create_run, shards_of, worker_env
from tests.workers import wait_run as wait_finished

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

LIMITS = {"PANTAU_TASK_SOFT_TIME_LIMIT": "22", "PANTAU_TASK_TIME_LIMIT": "25",
          "PANTAU_VISIBILITY_TIMEOUT": "27"}
THREADS = 32  # of the demo forum of seed 62: 776 posts on 95 thread pages
PLAIN_FAULT = 30  # the thread page after which a plain crawl is hit
SHARD_FAULT = 24  # ... a sharded one (4 threads a shard: 8 shards)
PAGE_SECONDS = 0.01  # the forum's time per page: a crawl lasts a few seconds, not less
WATCHDOG_BOUND = 5.0  # a spider notices its dead task process within 0.5 s (child.py)
RUN_TIMEOUT = 120.0


@dataclass
class Worker:
    """One ``pantau worker`` process with its own source address."""

    name: str
    address: str
    proc: subprocess.Popen[bytes]
    log: Path
    tree: ProcessTree = field(init=False)

    def __post_init__(self) -> None:
        self.tree = ProcessTree(self.proc.pid)

    @property
    def nodename(self) -> str:
        return f"{self.name}@{socket.gethostname()}"


@contextlib.contextmanager
def start_worker(env: dict[str, str], name: str, address: str, log: Path,
                 client: Celery, *options: str) -> Iterator[Worker]:
    """A worker binding ``address`` (``options``: more `pantau worker` options, e.g.
    ``--browser``), ready when it answers a ping addressed to it."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "worker", "--region", "62", "--concurrency", "1",
             "--hostname", f"{name}@%h", *options],
            env={**env, "PANTAU_BIND_ADDRESS": address}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
        worker = Worker(name, address, proc, log)
        try:
            deadline = time.monotonic() + 60
            while not client.control.ping([worker.nodename], timeout=0.5):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker {name} did not start:\n{log_tail(log)}")
            yield worker
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGCONT)  # a frozen worker must be able to stop
            kill_group(proc, grace=20)
            for leftover in worker.tree.survivors():  # never leave spiders behind a failure
                with contextlib.suppress(Exception):
                    leftover.kill()


@contextlib.contextmanager
def two_workers(database: str, redis_url: str, tmp_path: Path,
                **extra: str) -> Iterator[tuple[Celery, dict[str, Worker]]]:
    """Workers A (127.0.0.2) and B (127.0.0.3), by source address."""
    client = client_for(database, redis_url)
    env = worker_env(database, redis_url, tmp_path, **LIMITS, **extra)
    tag = time.monotonic_ns()
    with start_worker(env, f"chaos-a-{tag}", "127.0.0.2", tmp_path / "a.log", client) as a, \
            start_worker(env, f"chaos-b-{tag}", "127.0.0.3", tmp_path / "b.log", client) as b:
        yield client, {a.address: a, b.address: b}


def wait_run(database: str, run_id: int, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
    return wait_finished(database, run_id, timeout)


def pages_by(hits: list[Hit], address: str, after: float = 0.0) -> set[tuple[str, ...]]:
    return {h.page for h in hits if h.client == address and h.start > after}


def assert_tally(database: str, name: str, server: FaultForumServer) -> str:
    result = tally(database, name, truth(server))
    assert (result.lost, result.duplicates, result.unexpected) == (0, 0, 0), str(result)
    assert result.stored_rows == len(server.forum.truth()), str(result)
    assert result.versions == 0, f"the redo created post versions: {result}"
    return str(result)


def assert_dead_and_reaped(victim: Worker) -> float:
    """The killed worker's spiders end by their watchdog; nothing of its tree survives."""
    victim.proc.wait(10)
    return victim.tree.wait_gone(WATCHDOG_BOUND)


def test_a_stale_attempt_records_nothing(fresh_migrated_database: str) -> None:
    """What a thawed worker may still write after its work was redelivered: nothing. A shard
    (and a plain run) is recorded by its latest attempt only, whichever ends first."""
    with psycopg.connect(fresh_migrated_database, autocommit=True) as conn:
        runs, shards = RunStore(conn), ShardStore(conn)
        run_id = runs.create("stale", "62", task_id="t1")
        shards.plan(run_id, [["u1"], ["u2"]])
        assert shards.start(run_id, 0, "t0", "a@vm") == 1
        assert shards.start(run_id, 0, "t0", "b@vm") == 2  # redelivered: same task id
        shards.progress(run_id, 0, 99, 99, 99, attempt=1)  # the frozen one, thawed
        assert not shards.finish_by_task_id("t0", "timeout", "hard limit", hostname="a@vm")
        assert not shards.finish(run_id, 0, "timeout", reason="soft", counts={},
                                 error_reasons=[], attempt=1)
        shards.progress(run_id, 0, 2, 20, 0, attempt=2)
        assert shards.get(run_id, 0)["status"] == "running"  # type: ignore[index]
        assert not shards.finish(run_id, 0, "succeeded", reason=None,
                                 counts={"pages": 2, "posts_new": 20}, error_reasons=[],
                                 attempt=2)
        assert shards.start(run_id, 1, "t1s", "a@vm") == 1
        assert shards.finish(run_id, 1, "succeeded", reason=None, counts={"posts_new": 5},
                             error_reasons=[], attempt=1)
        assert not shards.finish(run_id, 0, "failed", reason="late", counts={},
                                 error_reasons=[], attempt=1)
        shard0 = shards.get(run_id, 0)
        run = runs.get(run_id)
        assert shard0 is not None and run is not None
        assert (shard0["status"], shard0["pages"], shard0["posts_new"]) == ("succeeded", 2, 20)
        assert (run["status"], run["posts_new"]) == ("succeeded", 25)

        plain = runs.create("stale-plain", "62", task_id="t2")
        runs.start(plain, "t2", "a@vm", 100)
        runs.start(plain, "t2", "b@vm", 200)  # redelivered to worker b
        assert runs.finish_by_task_id("t2", "timeout", "hard limit", hostname="a@vm") == 0
        runs.progress(plain, 9, 9, 9, owner=("a@vm", 100))
        assert runs.finish(plain, "timeout", reason="soft", owner=("a@vm", 100)) == "running"
        assert runs.finish(plain, "succeeded", counts={"posts_new": 7},
                           owner=("b@vm", 200)) == "succeeded"
        assert runs.finish(plain, "failed", owner=("a@vm", 100)) == "succeeded"
        row = runs.get(plain)
        assert row is not None and (row["pages"], row["posts_new"]) == (0, 7)


def test_sigkill_mid_crawl_of_a_plain_run(fresh_migrated_database: str, redis_url: str,
                                          tmp_path: Path) -> None:
    """SIGKILL to the whole worker (main and pool processes: the host's worker dies) after
    thread page 30 of 95. The spider, in a session of its own, ends by its watchdog; the
    crawl message comes back after the visibility timeout and the other worker crawls the
    whole source again under the same run."""
    database, name = fresh_migrated_database, "chaos-kill-plain"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path) as (client, workers):
        total = thread_pages(server.forum)

        def kill(hit: Hit) -> None:
            victim = workers[hit.client]
            victim.tree.snapshot(scan=False)
            os.killpg(victim.proc.pid, signal.SIGKILL)

        fault = server.arm(PLAIN_FAULT, kill)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source", args=[source(name, server.url), run_id],
                         queue="crawl.62")
        hit = fault.wait(60)
        victim = workers[hit.client]
        other = next(w for w in workers.values() if w is not victim)
        killed_spiders = victim.tree.spiders()
        gone_after = assert_dead_and_reaped(victim)
        run = wait_run(database, run_id)
    assert killed_spiders, "no spider was running in the killed worker"
    assert run["status"] == "succeeded", (run, log_tail(other.log))
    assert run["hostname"] == other.nodename, run
    hits = server.thread_hits()
    assert fault.fired_at is not None
    assert not pages_by(hits, victim.address, after=fault.fired_at + gone_after + 1.0)
    # the redelivered crawl is a whole new attempt: it fetched every thread page itself
    assert len(pages_by(hits, other.address, after=fault.fired_at)) == total
    assert run["posts_new"] + run["posts_unchanged"] == len(server.forum.truth())
    print(f"plain SIGKILL at thread page {PLAIN_FAULT} of {total}: {len(killed_spiders)} spider "
          f"process(es) gone {gone_after:.1f}s after the kill; "
          f"{assert_tally(database, name, server)}")


def test_sigkill_mid_crawl_of_a_shard_with_warm_spiders(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """The same fault on a sharded run (4 threads a shard) with warm spiders: the zygote
    and its spider fork die with the worker, the shard is crawled again elsewhere."""
    database, name = fresh_migrated_database, "chaos-kill-shard"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path,
                        PANTAU_WARM_SPIDERS="true") as (client, workers):
        total = thread_pages(server.forum)

        def kill(hit: Hit) -> None:
            victim = workers[hit.client]
            victim.tree.snapshot(scan=False)
            os.killpg(victim.proc.pid, signal.SIGKILL)

        fault = server.arm(SHARD_FAULT, kill)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source",
                         args=[source(name, server.url, threads_per_shard=4), run_id],
                         queue="crawl.62")
        hit = fault.wait(90)
        victim = workers[hit.client]
        other = next(w for w in workers.values() if w is not victim)
        killed = victim.tree.spiders()
        gone_after = assert_dead_and_reaped(victim)
        run = wait_run(database, run_id)
    # the zygote and the spider it forked (same command line), both gone
    assert sum("zygote_server" in c for c in killed.values()) >= 2, killed
    assert run["status"] == "succeeded", (run, log_tail(other.log))
    shards = shards_of(database, run_id)
    redone = [s for s in shards if s["attempts"] > 1]
    assert len(redone) == 1 and redone[0]["attempts"] == 2, shards
    assert redone[0]["hostname"] == other.nodename, redone
    assert {s["status"] for s in shards} == {"succeeded"}
    hits = server.thread_hits()
    assert fault.fired_at is not None
    assert not pages_by(hits, victim.address, after=fault.fired_at + gone_after + 1.0)
    # the redone shard's thread pages were fetched again, by the other worker, after the fault
    redone_threads = {u.split("t=")[1].split("&")[0] for u in redone[0]["urls"]}
    again = {p for p in pages_by(hits, other.address, after=fault.fired_at)
             if any(part.removeprefix("t=") in redone_threads for part in p[1:]
                    if part.startswith("t="))}
    assert again, "the redone shard fetched none of its threads"
    print(f"sharded SIGKILL at thread page {SHARD_FAULT} of {total}: shard "
          f"{redone[0]['shard_no']} attempts 2 on {other.name}, {len(again)} of its pages "
          f"fetched again; {len(killed)} spider/zygote process(es) gone {gone_after:.1f}s "
          f"after the kill; {assert_tally(database, name, server)}")


def wait_idle(client: Celery, worker: Worker, timeout: float) -> float:
    """Seconds until ``worker`` answers and runs no task."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        replies = client.control.inspect([worker.nodename], timeout=1.0).active() or {}
        if replies.get(worker.nodename) == []:
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{worker.name} still busy after {timeout}s:\n{log_tail(worker.log)}")


def unacked_messages(redis_url: str) -> int:
    """Messages waiting in the crawl queue or delivered and not acknowledged (kombu's keys)."""
    db = redis.Redis.from_url(redis_url)
    return int(db.llen("crawl.62")) + int(db.hlen("unacked"))


def accounting(database: str, run_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run's final record and its shards' (what a stale attempt must not change)."""
    run = wait_run(database, run_id)
    keys = ("status", "reason", "finished_at", *COUNT_COLUMNS)
    shard_keys = ("shard_no", "status", "attempts", "hostname", "finished_at", *COUNT_COLUMNS)
    return ({k: run[k] for k in keys},
            [{k: s[k] for k in shard_keys} for s in shards_of(database, run_id)])


def test_frozen_worker_shard_is_redone_and_the_thawed_worker_doubles_nothing(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGSTOP to every process of a worker (a frozen host: main, pool and spider processes)
    after thread page 24 of 95 of a sharded run. Its shard comes back after the visibility
    timeout and the other worker finishes the run. Then SIGCONT: the thawed worker finds its
    task past its time limits and its shard finished by another attempt; it must change
    neither the posts nor the run's and shards' accounting."""
    database, name = fresh_migrated_database, "chaos-freeze"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path) as (client, workers):
        total = thread_pages(server.forum)

        def freeze(hit: Hit) -> None:
            workers[hit.client].tree.signal(signal.SIGSTOP)

        fault = server.arm(SHARD_FAULT, freeze)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source",
                         args=[source(name, server.url, threads_per_shard=4), run_id],
                         queue="crawl.62")
        hit = fault.wait(90)
        victim = workers[hit.client]
        other = next(w for w in workers.values() if w is not victim)
        states = {p.pid: p.status() for p in victim.tree.snapshot()}
        frozen = [pid for pid, state in states.items() if state == "stopped"]
        run_before, shards_before = accounting(database, run_id)
        thawed_at = time.monotonic()
        victim.tree.signal(signal.SIGCONT)
        settled = wait_idle(client, victim, 40)
        time.sleep(1.0)  # the main process records a hard time limit after the pool frees
        run_after, shards_after = accounting(database, run_id)
        victim_log = log_tail(victim.log, 6000)
    assert len(frozen) >= 3, ("main, pool and spider processes were stopped", states,
                              victim.tree.cmdlines)
    assert run_before["status"] == "succeeded", (run_before, log_tail(other.log))
    redone = [s for s in shards_before if s["attempts"] > 1]
    assert len(redone) == 1 and redone[0]["attempts"] == 2, shards_before
    assert redone[0]["hostname"] == other.nodename, redone
    assert {s["status"] for s in shards_before} == {"succeeded"}
    assert fault.fired_at is not None
    hits = server.thread_hits()
    assert not pages_by([h for h in hits if h.start < thawed_at], victim.address,
                        after=fault.fired_at + 0.5), "the frozen worker fetched pages"
    # the thawed worker changed nothing of the accounting
    assert shards_after == shards_before, (shards_before, shards_after, victim_log)
    assert run_after == run_before, (run_before, run_after, victim_log)
    sums = {k: sum(s[k] for s in shards_after) for k in COUNT_COLUMNS}
    assert sums == {k: run_after[k] for k in COUNT_COLUMNS}
    assert sums["posts_new"] + sums["posts_unchanged"] >= len(server.forum.truth())
    after_thaw = pages_by(hits, victim.address, after=thawed_at)
    print(f"SIGSTOP at thread page {SHARD_FAULT} of {total}: {len(frozen)} processes frozen; "
          f"shard {redone[0]['shard_no']} attempts 2 on {other.name}; thawed worker idle "
          f"{settled:.1f}s after SIGCONT, fetched {len(after_thaw)} pages after it; "
          f"{assert_tally(database, name, server)}")


def test_sigterm_mid_crawl_finishes_the_current_crawl(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGTERM to a worker's main process (Celery's warm shutdown, as ``docker stop`` or
    ``kill PID``) after thread page 30 of 95: the worker takes no new task, finishes the
    crawl it runs, acknowledges it and exits; nothing is handed back."""
    database, name = fresh_migrated_database, "chaos-sigterm"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path) as (client, workers):
        total = thread_pages(server.forum)
        fault = server.arm(PLAIN_FAULT, lambda hit: os.kill(workers[hit.client].proc.pid,
                                                   signal.SIGTERM))
        run_id = create_run(database, name)
        result = client.send_task("pantau.crawl_source", args=[source(name, server.url), run_id],
                                  queue="crawl.62")
        hit = fault.wait(60)
        victim = workers[hit.client]
        other = next(w for w in workers.values() if w is not victim)
        victim.tree.snapshot()
        code = victim.proc.wait(RUN_TIMEOUT)
        gone_after = victim.tree.wait_gone(WATCHDOG_BOUND)
        run = wait_run(database, run_id, timeout=5)
        state = result.state
        queued = unacked_messages(redis_url)  # a message handed back would be here (or on B)
        time.sleep(2.0)
        other_log = log_tail(other.log, 20000)
    assert code == 0, log_tail(victim.log)
    assert state == "SUCCESS", state
    assert run["status"] == "succeeded" and run["hostname"] == victim.nodename, run
    assert result.id not in other_log, "the message was handed to the other worker"
    assert queued == 0, "a message of the crawl is still in the queue or unacknowledged"
    hits = server.thread_hits()
    assert not pages_by(hits, other.address), "the other worker fetched thread pages"
    assert len(pages_by(hits, victim.address)) == total
    print(f"SIGTERM at thread page {PLAIN_FAULT} of {total}: worker finished the crawl and "
          f"exited 0, its processes gone {gone_after:.1f}s after; "
          f"{assert_tally(database, name, server)}")
