"""Chaos, browser side: a `pantau worker --browser` killed mid-crawl of a rendered source.

Two browser workers (one crawl at a time each) crawl the JavaScript-only forum
(tests/sites/rendered.py; the first 8 threads of the demo forum: 91 posts on 9 thread
pages, 13 pages in all, each rendered in Chromium) from their own source addresses, 127.0.0.2
and 127.0.0.3: a rendered crawl's connections leave from PANTAU_BIND_ADDRESS through the SSRF
guard's SOCKS5 proxy (crawler.ssrf.browser_proxy), so the site's request log says who
fetched what. Right after thread page 4 was served, the worker that asked for it is
SIGKILLed (main and pool processes: the host's worker dies). Its spider notices within
0.5 s (crawler.runner.child.watch_parent) and kills its descendants, the Playwright driver
and Chromium, which run in a session of their own, then its own group. The limits are the
chaos suite's (tests/test_chaos_workers.py): the message comes back after the 27 s
visibility timeout and the other worker finishes the run; a whole rendered crawl of this
site takes 8-9 s here (every page waits 1 s for its scrolls and clicks to go idle,
tests.sites.rendered.RENDER). The forum lists only boards that have threads left: an empty
board has nothing the render step waits for, and each costs the crawl its 20 s
render.timeout (a `timeout` error), enough to push a crawl past the 22 s soft limit.

Each worker's spiders get a TMPDIR of their own (tests/chromium.py), so the Chromium
processes of the killed worker are counted apart from the survivor's and from anything else
on the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from math import ceil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery

from crawler.demosite import Forum
from tests.chaos import Fault, Tally, Trigger, log_tail, quiet_connection_resets, small_forum
from tests.chromium import BROWSER_NAMES, chromium_path, short_tmpdir, wait_for_no_chromium
from tests.sitelog import Hit
from tests.sites.rendered import POSTS_PER_PAGE, RENDER, SELECTORS, RenderedForumServer, truth
from tests.test_chaos_workers import (
    LIMITS,
    WATCHDOG_BOUND,
    Worker,
    assert_dead_and_reaped,
    start_worker,
    wait_run,
)
from tests.workers import client_for, create_run, worker_env

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.browser]

THREADS = 8  # of the demo forum of seed 62: 91 posts on 9 rendered thread pages, 3 boards
FAULT = 4  # the thread page after which the worker that fetched it is killed
TOPIC = "/topik/"  # a thread page of the rendered forum


class FaultRenderedServer(RenderedForumServer):
    """The JavaScript-only forum with a request log (client address, time, status) that
    fires one fault right after its N-th thread page was served, on the handler thread
    that served it (as tests.chaos.FaultForumServer does for the phpBB forum)."""

    def __init__(self, forum: Forum) -> None:
        self.hits: list[Hit] = []
        self.hits_lock = threading.Lock()
        self.trigger = Trigger()
        super().__init__(forum)
        quiet_connection_resets(self._httpd)

    def arm(self, at_page: int, action: Callable[[Hit], object]) -> Fault:
        """Call ``action(hit)`` right after thread page number ``at_page`` was served."""
        return self.trigger.arm(at_page, action,
                                lambda hit: hit.path.startswith(TOPIC) and hit.status == 200)

    def log(self) -> list[Hit]:
        """Every request so far, by start time."""
        with self.hits_lock:
            return sorted(self.hits, key=lambda h: h.start)

    def topic_hits(self) -> list[Hit]:
        """Every thread page served (status 200), by start time."""
        return [h for h in self.log() if h.path.startswith(TOPIC) and h.status == 200]

    def _record(self, hit: Hit) -> None:
        with self.hits_lock:
            self.hits.append(hit)
        self.trigger.observe(hit)

    def _handler_class(self) -> type[Any]:
        server = self
        base = super()._handler_class()

        class Logged(base):  # type: ignore[valid-type,misc]
            status = 0

            def send_response(self, code: int, message: str | None = None) -> None:
                self.status = code
                super().send_response(code, message)

            def do_GET(self) -> None:
                start = time.monotonic()
                super().do_GET()
                self.wfile.flush()
                server._record(Hit(start, time.monotonic(), self.client_address[0], self.path,
                                   self.status))

        return Logged


def rendered_forum(threads: int) -> Forum:
    """The first ``threads`` threads of the demo forum of seed 62, on the boards that hold
    them (the empty boards removed: see the module docstring)."""
    forum = small_forum(62, threads)
    forum.boards = [b for b in forum.boards if b.is_category or forum.topics(b.forum_id)]
    return forum


def topic_pages(forum: Forum) -> set[str]:
    """Every thread page of the rendered forum (its path), each fetched by a whole crawl."""
    return {f"{TOPIC}{t.thread_id}" + (f"?hal={page}" if page > 1 else "")
            for t in forum.threads.values()
            for page in range(1, ceil(len(t.posts) / POSTS_PER_PAGE) + 1)}


def topic_path(hit: Hit) -> str:
    """The page a thread page request is for (``?hal=1`` is page 1)."""
    return hit.path.removesuffix("?hal=1")


def pages_by(hits: list[Hit], address: str, after: float = 0.0,
             before: float = float("inf")) -> set[str]:
    return {topic_path(h) for h in hits if h.client == address and after < h.start < before}


def rendered_source(name: str, url: str) -> dict[str, Any]:
    """The rendered forum as a user writes it (docs/sources.md, "Rendered pages")."""
    return {"name": name, "kind": "rendered", "url": url, "region": "62", "authors": "keep",
            "selectors": SELECTORS, "render": RENDER, "browser": True}


def expected_posts(forum: Forum) -> set[tuple[Any, ...]]:
    """The forum's posts as the rendered crawl stores them (tests/test_rendered_crawl.py)."""
    return {(r[0], r[1], r[2], r[3], r[4], r[6], r[7], tuple(r[8])) for r in truth(forum)}


def tally_rendered(database: str, source: str, expected: set[tuple[Any, ...]]) -> Tally:
    """Posts lost and duplicated against ``expected``, and versions a redo created."""
    with psycopg.connect(database) as conn:
        rows = [(*row[:7], tuple(row[7])) for row in conn.execute(
            "SELECT native_id, thread_native_id, thread_title, position, author_name,"
            " published_at, body_text, quoted_native_ids FROM posts"
            " WHERE source = %s AND deleted_at IS NULL", [source])]
        dup = conn.execute(
            "SELECT count(*) - count(DISTINCT (site, kind, native_id)) FROM posts"
            " WHERE source = %s", [source]).fetchone()
        versions = conn.execute(
            "SELECT count(*) FROM post_versions v JOIN posts p USING (uid)"
            " WHERE p.source = %s", [source]).fetchone()
    assert dup is not None and versions is not None
    stored = set(rows)
    return Tally(stored_rows=len(rows), distinct_posts=len(stored),
                 lost=len(expected - stored), unexpected=len(stored - expected),
                 duplicates=int(dup[0]) + len(rows) - len(stored), versions=int(versions[0]))


def is_chromium(cmdline: str) -> bool:
    executable = os.path.basename(cmdline.split(" ", 1)[0])
    return any(name in executable for name in BROWSER_NAMES)


@contextlib.contextmanager
def two_browser_workers(database: str, redis_url: str, tmp_path: Path) -> Iterator[
        tuple[Celery, dict[str, Worker], dict[str, Path]]]:
    """Browser workers A (127.0.0.2) and B (127.0.0.3), by source address, each with the
    TMPDIR its Chromium is found by."""
    client = client_for(database, redis_url)
    tag = time.monotonic_ns()
    with short_tmpdir() as tmp_a, short_tmpdir() as tmp_b:
        env_a = worker_env(database, redis_url, tmp_path / "a", **LIMITS, TMPDIR=str(tmp_a))
        env_b = worker_env(database, redis_url, tmp_path / "b", **LIMITS, TMPDIR=str(tmp_b))
        with start_worker(env_a, f"chaos-browser-a-{tag}", "127.0.0.2", tmp_path / "a.log",
                          client, "--browser") as a, \
                start_worker(env_b, f"chaos-browser-b-{tag}", "127.0.0.3",
                             tmp_path / "b.log", client, "--browser") as b:
            yield client, {a.address: a, b.address: b}, {a.address: tmp_a, b.address: tmp_b}


def test_sigkill_mid_crawl_of_a_rendered_run(fresh_migrated_database: str, redis_url: str,
                                             tmp_path: Path) -> None:
    """SIGKILL to a browser worker (main and pool processes) after rendered thread page 4 of
    9: no Chromium, Playwright driver or spider of it survives the watchdog's bound; the
    message comes back after the visibility timeout and the other worker finishes the run;
    stored posts are the site's, each once, and the redo made no post version."""
    chromium_path()
    database, name = fresh_migrated_database, "chaos-kill-browser"
    with FaultRenderedServer(rendered_forum(THREADS)) as server, \
            two_browser_workers(database, redis_url, tmp_path) as (client, workers, tmpdirs):
        every_page = topic_pages(server.forum)

        def kill(hit: Hit) -> None:
            victim = workers[hit.client]
            victim.tree.snapshot(scan=False)
            os.killpg(victim.proc.pid, signal.SIGKILL)

        fault = server.arm(FAULT, kill)
        run_id = create_run(database, name)
        client.send_task("pantau.crawl_source",
                         args=[rendered_source(name, server.url), run_id], queue="browser.62")
        hit = fault.wait(90)
        victim = workers[hit.client]
        other = next(w for w in workers.values() if w is not victim)
        browsers = [line for line in victim.tree.cmdlines.values() if is_chromium(line)]
        spiders = victim.tree.spiders()
        gone_after = assert_dead_and_reaped(victim)
        left = wait_for_no_chromium(tmpdirs[victim.address], timeout=WATCHDOG_BOUND)
        run = wait_run(database, run_id)
        finished = time.monotonic()
        redo_started = min(h.start for h in server.log() if h.client == other.address)
        survivor_left = wait_for_no_chromium(tmpdirs[other.address], timeout=10)
        other_log = log_tail(other.log)
    assert browsers, f"no Chromium was running in the killed worker: {victim.tree.cmdlines}"
    assert spiders, "no spider was running in the killed worker"
    assert left == [], f"Chromium of the killed worker left: {left}"
    assert run["status"] == "succeeded", (run, other_log)
    assert run["hostname"] == other.nodename, run
    assert run["errors"] == 0, (run, other_log)
    assert survivor_left == [], "the other worker's crawl left its Chromium running"
    assert fault.fired_at is not None
    hits = server.topic_hits()
    killed_at = fault.fired_at
    assert not [h for h in server.log() if h.client == victim.address
                and h.start > killed_at + gone_after + 1.0], "the dead worker still fetched"
    # the redelivered crawl fetched pages itself; any page it skipped (a thread stored
    # whole, unchanged: an incremental crawl) had been fetched by the killed attempt
    first = pages_by(hits, victim.address, before=killed_at)
    redone = pages_by(hits, other.address, after=killed_at)
    assert len(first) >= FAULT and redone, (first, redone)
    assert every_page - redone <= first, every_page - redone - first
    assert redone <= every_page and first <= every_page
    expected = expected_posts(server.forum)
    result = tally_rendered(database, name, expected)
    assert (result.lost, result.duplicates, result.unexpected) == (0, 0, 0), str(result)
    assert result.stored_rows == len(expected), str(result)
    assert result.versions == 0, f"the redo created post versions: {result}"
    print(f"browser SIGKILL at rendered thread page {FAULT} of {len(every_page)}: "
          f"{len(browsers)} Chromium and {len(spiders)} spider process(es) of "
          f"{victim.name} gone {gone_after:.1f}s after the kill; {other.name} redid "
          f"{len(redone)} thread pages (skipped {len(every_page - redone)} the killed "
          f"attempt had stored) in {finished - redo_started:.1f}s, run finished "
          f"{finished - killed_at:.1f}s after the kill; "
          f"{result}")
