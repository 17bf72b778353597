"""Chaos, worker side, continued: SIGTERM to a worker's whole process tree, a frozen
discovery step, a thawed plain run.

The same two workers, forum and short limits as tests/test_chaos_workers.py (776 posts on
95 thread pages; soft/hard time limit 22/25 s, visibility timeout 27 s). Every test ends
with "posts lost: 0, duplicates: 0" against the forum's ground truth and no post version
made by a redo.
"""

from __future__ import annotations

import contextlib
import signal
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from crawler.runner.outcome import INTERRUPTED_REASON
from crawler.storage.runs import COUNT_COLUMNS
from tests.chaos import LIST_PAGE, FaultForumServer, log_tail, small_forum, thread_pages
from tests.sitelog import Hit
from tests.test_chaos_workers import (
    PAGE_SECONDS,
    PLAIN_FAULT,
    THREADS,
    WATCHDOG_BOUND,
    Worker,
    accounting,
    assert_tally,
    create_run,
    pages_by,
    shards_of,
    two_workers,
    unacked_messages,
    wait_idle,
    wait_run,
)
from tests.test_crawl_task import source

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

# Every process of the worker: main, pool, zygote, spider, writer process.
ALL_PROCESSES = {"PANTAU_WARM_SPIDERS": "true", "PANTAU_WRITER_PROCESS": "true"}


def test_sigterm_to_the_whole_worker_tree_hands_the_crawl_back(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGTERM to every process of a worker at once (systemd's default
    ``KillMode=control-group``) after thread page 30 of 95 of a plain run, with warm spiders
    and the writer process. The spider must not close "gracefully" and record a partial
    crawl as a success: the task process ends its spider, the message goes back to the
    queue and the other worker crawls the whole source under the same run."""
    database, name = fresh_migrated_database, "chaos-sigterm-tree"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path, **ALL_PROCESSES) as (client, workers):
        total = thread_pages(server.forum)
        signalled: dict[str, int] = {}

        def sigterm_all(hit: Hit) -> None:
            victim = workers[hit.client]
            victim.tree.snapshot(scan=False)
            signalled["count"] = victim.tree.signal(signal.SIGTERM)

        fault = server.arm(PLAIN_FAULT, sigterm_all)
        run_id = create_run(database, name)
        result = client.send_task("pantau.crawl_source", args=[source(name, server.url), run_id],
                                  queue="crawl.62")
        hit = fault.wait(60)
        victim = workers[hit.client]
        other = next(w for w in workers.values() if w is not victim)
        code = victim.proc.wait(60)
        gone_after = victim.tree.wait_gone(WATCHDOG_BOUND)
        run = wait_run(database, run_id)
        state = result.state
        time.sleep(1.0)
        queued = unacked_messages(redis_url)
    spiders = victim.tree.spiders()
    assert signalled["count"] >= 5, ("main, pool, zygote, spider, writer", victim.tree.cmdlines)
    assert sum("zygote_server" in c for c in spiders.values()) >= 3, spiders
    assert run["status"] == "succeeded", (run, log_tail(victim.log), log_tail(other.log))
    assert run["hostname"] == other.nodename, (run, log_tail(victim.log))
    assert state == "SUCCESS", state
    assert queued == 0, "a message of the crawl is still queued or unacknowledged"
    hits = server.thread_hits()
    assert fault.fired_at is not None
    assert len(pages_by(hits, other.address, after=fault.fired_at)) == total
    assert run["posts_new"] + run["posts_unchanged"] == len(server.forum.truth())
    print(f"SIGTERM to all {signalled['count']} processes of the worker at thread page "
          f"{PLAIN_FAULT} of {total}: worker exited {code}, its processes gone "
          f"{gone_after:.1f}s after; the other worker crawled all {total} pages; "
          f"{assert_tally(database, name, server)}")


def test_sigterm_to_the_spider_alone_is_ignored(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGTERM to the spider and its writer process only (what reaches them, first or
    alone, when a process manager signals every process): the task process that runs them
    is alive and decides, so the spider does not stop; the crawl finishes complete on the
    same worker. (Before the fix Scrapy closed the spider with reason "shutdown" and the
    run was recorded as "succeeded, stopped early by a limit (shutdown)" with part of the
    posts: the rest of the source skipped until the next run.)"""
    database, name = fresh_migrated_database, "chaos-sigterm-spider"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path, PANTAU_WARM_SPIDERS="false",
                        PANTAU_WRITER_PROCESS="true") as (client, workers):
        total = thread_pages(server.forum)
        signalled: list[str] = []

        def sigterm_spider(hit: Hit) -> None:
            victim = workers[hit.client]
            victim.tree.snapshot(scan=False)
            for proc in victim.tree.snapshot(scan=False):
                line = victim.tree.cmdlines.get(proc.pid, "")
                if "crawler.runner.child" in line:
                    proc.send_signal(signal.SIGTERM)
                    signalled.append(line)

        fault = server.arm(PLAIN_FAULT, sigterm_spider)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source", args=[source(name, server.url), run_id],
                         queue="crawl.62")
        hit = fault.wait(60)
        victim = workers[hit.client]
        run = wait_run(database, run_id)
    assert len(signalled) >= 2, ("the spider and its writer process", signalled)
    assert (run["status"], run["reason"]) == ("succeeded", None), (
        run["status"], run["reason"], run["posts_new"], len(server.forum.truth()))
    assert run["hostname"] == victim.nodename, run
    hits = server.thread_hits()
    assert len(pages_by(hits, victim.address)) == total
    print(f"SIGTERM to the spider and its writer ({len(signalled)} processes) at thread page "
          f"{PLAIN_FAULT} of {total}: ignored, the crawl finished on the same worker; "
          f"{assert_tally(database, name, server)}")


def test_a_discovery_stopped_from_outside_plans_nothing_and_is_handed_back(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGINT (the runner's own stop signal, sent by someone else) to the spider of a
    sharded run's discovery step after list page 2: Scrapy closes it with reason
    "shutdown". Its partial thread list must not become the run's plan (a plan is made once:
    the threads left out would never be crawled); the task records the interruption and
    hands the message back, and the next delivery plans and crawls every thread."""
    database, name = fresh_migrated_database, "chaos-sigint-discovery"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path,
                        PANTAU_WARM_SPIDERS="false") as (client, workers):
        signalled: list[int] = []

        def sigint_spider(hit: Hit) -> None:
            victim = workers[hit.client]
            for proc in victim.tree.snapshot(scan=False):
                if "crawler.runner.child" in victim.tree.cmdlines.get(proc.pid, ""):
                    proc.send_signal(signal.SIGINT)
                    signalled.append(proc.pid)

        fault = server.arm(2, sigint_spider, path=LIST_PAGE)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source",
                         args=[source(name, server.url, threads_per_shard=4), run_id],
                         queue="crawl.62")
        victim = workers[fault.wait(60).client]
        run = wait_run(database, run_id)
        shards = shards_of(database, run_id)
        victim_log = victim.log.read_text(errors="replace")
    assert signalled, "no spider was running the discovery"
    assert INTERRUPTED_REASON in victim_log, victim_log[-3000:]
    assert run["status"] == "succeeded" and run["reason"] is None, run
    assert run["shards"] == len(shards) == THREADS // 4, shards
    assert sum(len(s["urls"]) for s in shards) == THREADS  # every thread planned, once
    assert {s["status"] for s in shards} == {"succeeded"}
    sums = {k: sum(s[k] for s in shards) for k in COUNT_COLUMNS}
    assert sums == {k: run[k] for k in COUNT_COLUMNS}
    print(f"SIGINT to the discovery spider at list page 2: interrupted and handed back, then "
          f"{len(shards)} shards of {THREADS} threads planned and crawled; "
          f"{assert_tally(database, name, server)}")


def thaw_task_processes_first(worker: Worker, log_line: str, timeout: float) -> float:
    """SIGCONT to every process of a frozen worker but its main process, which stays
    stopped until ``log_line`` appears in the worker's log (or ``timeout``); then to the
    main process too. The main process enforces the time limits: thawed last, it lets the
    stale task run on as far as it can - the worst case of a thaw. Returns the seconds
    the stale task took to log ``log_line``."""
    started = time.monotonic()
    for proc in worker.tree.snapshot():
        if proc.pid != worker.proc.pid:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGCONT)
    try:
        while log_line not in worker.log.read_text(errors="replace"):
            assert time.monotonic() - started < timeout, (
                f"the thawed task did not log {log_line!r}:\n{log_tail(worker.log)}")
            time.sleep(0.2)
        return time.monotonic() - started
    finally:
        worker.tree.signal(signal.SIGCONT)


def test_a_frozen_discovery_step_fans_out_late_and_changes_nothing(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGSTOP to every process of the worker running a sharded run's discovery step,
    after list page 2 (before it planned shards). The discovery comes back after the
    visibility timeout, the other worker plans the run, crawls every shard and finishes
    the run. Then the frozen worker is thawed, its task processes first: its discovery
    finishes its listing, finds the plan made, and fans out a second time, late. That must
    change neither the posts, nor the run (status, reason, counts, finish time), nor its
    shards (count, statuses, attempts, counts, summing to the run's)."""
    database, name = fresh_migrated_database, "chaos-freeze-discovery"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path, **ALL_PROCESSES) as (client, workers):
        fault = server.arm(2, lambda hit: workers[hit.client].tree.signal(signal.SIGSTOP),
                           path=LIST_PAGE)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source",
                         args=[source(name, server.url, threads_per_shard=4), run_id],
                         queue="crawl.62")
        victim = workers[fault.wait(60).client]
        other = next(w for w in workers.values() if w is not victim)
        frozen = [p.pid for p in victim.tree.snapshot() if p.status() == "stopped"]
        run_before, shards_before = accounting(database, run_id)
        thawed_at = time.monotonic()
        late = thaw_task_processes_first(victim, "shard tasks enqueued", 30)
        settled = wait_idle(client, victim, 40)
        time.sleep(1.0)
        run_after, shards_after = accounting(database, run_id)
        queued = unacked_messages(redis_url)
        victim_log = victim.log.read_text(errors="replace")
    assert len(frozen) >= 3, ("main, pool and spider processes were stopped", frozen)
    assert run_before["status"] == "succeeded", (run_before, log_tail(other.log))
    assert len(shards_before) == THREADS // 4
    assert {s["hostname"] for s in shards_before} == {other.nodename}, shards_before
    # the late fan-out happened, and found nothing left to send
    assert "8 shards; 0 shard tasks enqueued" in victim_log, victim_log[-3000:]
    assert run_after == run_before, (run_before, run_after)
    assert shards_after == shards_before, (shards_before, shards_after)
    assert queued == 0, "a message is still queued or unacknowledged"
    sums = {k: sum(s[k] for s in shards_after) for k in COUNT_COLUMNS}
    assert sums == {k: run_after[k] for k in COUNT_COLUMNS}
    assert sums["posts_new"] == len(server.forum.truth())
    after_thaw = pages_by(server.log(), victim.address, after=thawed_at)
    print(f"SIGSTOP of {len(frozen)} processes at discovery list page 2: the other worker "
          f"planned and crawled the {len(shards_before)} shards; thawed, the stale "
          f"discovery fetched {len(after_thaw)} list pages and fanned out again "
          f"{late:.1f}s later (0 shards sent), idle {settled:.1f}s after; run and shards "
          f"unchanged; {assert_tally(database, name, server)}")


def test_a_thawed_plain_run_finishes_late_and_records_nothing(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    """SIGSTOP to every process of a worker after thread page 30 of 95 of a plain run; the
    other worker crawls the whole source again under the same run after the visibility
    timeout and finishes it. Then the frozen worker is thawed, its task processes first:
    its spider fetches the rest of the source and its task tries to record the run's end.
    The run is no longer its (another hostname and pid started it): the run's status,
    reason, counts and finish time stay those of the other worker; nothing is doubled."""
    database, name = fresh_migrated_database, "chaos-thaw-plain"
    with FaultForumServer(small_forum(62, THREADS), page_seconds=PAGE_SECONDS) as server, \
            two_workers(database, redis_url, tmp_path) as (client, workers):
        total = thread_pages(server.forum)
        fault = server.arm(PLAIN_FAULT,
                           lambda hit: workers[hit.client].tree.signal(signal.SIGSTOP))
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source", args=[source(name, server.url), run_id],
                         queue="crawl.62")
        victim = workers[fault.wait(60).client]
        other = next(w for w in workers.values() if w is not victim)
        frozen = [p.pid for p in victim.tree.snapshot() if p.status() == "stopped"]
        run_before, _ = accounting(database, run_id)
        with psycopg.connect(database) as conn:
            owner = conn.execute("SELECT hostname, pid FROM crawl_runs WHERE id = %s",
                                 [run_id]).fetchone()
        thawed_at = time.monotonic()
        late = thaw_task_processes_first(victim, f"(run {run_id}) succeeded", 40)
        settled = wait_idle(client, victim, 40)
        time.sleep(1.0)
        run_after, _ = accounting(database, run_id)
        queued = unacked_messages(redis_url)
    assert len(frozen) >= 3, ("main, pool and spider processes were stopped", frozen)
    assert run_before["status"] == "succeeded", (run_before, log_tail(other.log))
    assert owner is not None and owner[0] == other.nodename
    assert run_after == run_before, (run_before, run_after, log_tail(victim.log))
    assert queued == 0, "a message is still queued or unacknowledged"
    hits = server.thread_hits()
    assert fault.fired_at is not None
    assert len(pages_by(hits, other.address, after=fault.fired_at)) == total
    resumed = pages_by(hits, victim.address, after=thawed_at)
    assert resumed, "the thawed spider fetched nothing: its late end was not exercised"
    print(f"SIGSTOP of {len(frozen)} processes at thread page {PLAIN_FAULT} of {total}; the "
          f"other worker crawled all {total} pages; thawed, the stale crawl fetched "
          f"{len(resumed)} pages and tried to record success {late:.1f}s later, idle "
          f"{settled:.1f}s after; the run unchanged; {assert_tally(database, name, server)}")


def test_interrupted_and_late_records_on_the_stores(fresh_migrated_database: str) -> None:
    """What the task records when a spider was stopped from outside (a shard queued again,
    for its latest attempt only), and what a late fan-out may note on its run (nothing once
    the run is finished or another task process's)."""
    from crawler.storage.runs import RunStore
    from crawler.storage.shards import ShardStore

    with psycopg.connect(fresh_migrated_database, autocommit=True) as conn:
        runs, shards = RunStore(conn), ShardStore(conn)
        run_id = runs.create("interrupted", "62", task_id="d1")
        runs.start(run_id, "d1", "b@vm", 200)
        shards.plan(run_id, [["u1"], ["u2"]])
        assert shards.start(run_id, 0, "s0", "a@vm") == 1
        assert shards.start(run_id, 0, "s0", "b@vm") == 2  # redelivered meanwhile
        assert not shards.interrupt(run_id, 0, "stopped", attempt=1)  # stale: nothing
        assert shards.interrupt(run_id, 0, INTERRUPTED_REASON, attempt=2)
        shard0 = shards.get(run_id, 0)
        assert shard0 is not None
        assert (shard0["status"], shard0["reason"]) == ("queued", INTERRUPTED_REASON)
        assert shards.start(run_id, 0, "s0", "a@vm") == 3  # the requeued message's attempt
        runs.note(run_id, "late", owner=("a@vm", 100))  # not the run's task process
        runs.note(run_id, "2 threads planned in 2 shards", owner=("b@vm", 200))
        assert runs.get(run_id)["reason"] == "2 threads planned in 2 shards"  # type: ignore[index]
        runs.note(run_id, "late", owner=("a@vm", 100))
        assert runs.get(run_id)["reason"] == "2 threads planned in 2 shards"  # type: ignore[index]
        for no in (0, 1):
            attempt = 3 if no == 0 else shards.start(run_id, no, "s1", "b@vm")
            shards.finish(run_id, no, "succeeded", reason=None, counts={"posts_new": 1},
                          error_reasons=[], attempt=attempt)
        runs.note(run_id, "late fan-out", owner=("b@vm", 200))  # finished: kept as it is
        run = runs.get(run_id)
        assert run is not None
        assert (run["status"], run["reason"], run["posts_new"]) == ("succeeded", None, 2)
