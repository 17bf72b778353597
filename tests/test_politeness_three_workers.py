"""Three real workers crawl one sharded forum: one set of per-domain limits for all of them.

Each worker binds its connections to its own source address (PANTAU_BIND_ADDRESS 127.0.0.2,
.3, .4), so the forum's own log says who fetched what, when, and for how long. The limits are
checked on that log: the per-domain rate over sliding windows, the requests in flight, a
429 with Retry-After that pauses every worker, and robots.txt rules that every worker obeys.
tests/test_politeness_cluster.py checks the same limits on bare spider processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.items import normalize_text, post_uid
from crawler.runner.spec import CrawlSpec
from tests.sitelog import Hit, LoggedForumServer, max_in_window, max_overlap
from tests.workers import client_for, create_run, running_worker, wait_run, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIENTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
# The documented test override (docs/operations.md, "Tests"): limits that bind on a local site.
RATE = 10  # politeness.requests_per_second
CONCURRENCY = 3  # politeness.cluster_concurrency
# The rate is a moving window of grants on the workers' clocks (RateGate); the server sees
# a request when it arrives. Between the two, the spider's event loop may be busy parsing a
# page or writing a batch: with three workers, their spiders and PostgreSQL on two cores the
# arrivals spread by up to ~0.1-0.15 s. Windows are measured 0.2 s shorter; the average rate
# gets no slack. (A limit held per process instead of per cluster would show 3x the rate.)
TOLERANCE = 0.2
RETRY_AFTER = 2
THREADS_PER_SHARD = 6


def hold(path: str) -> float:
    """Seconds the server takes for a page: 20-500 ms, fixed per path. Short pages make the
    rate the binding limit, long ones the concurrency."""
    return 0.02 + 0.48 * (hashlib.blake2b(path.encode()).digest()[0] / 255)


def throttle_once(hits: list[Hit]) -> bool:
    """One 429 once every worker has fetched a few pages."""
    pages = [h for h in hits if "/robots.txt" not in h.path]
    return len(pages) >= 60 and {h.client for h in pages} == set(CLIENTS)


@pytest.fixture
def forum() -> Iterator[tuple[LoggedForumServer, list[int]]]:
    site = build_forum(seed=62, scale=2)
    disallowed = sorted(site.threads)[::5]  # dense enough that every worker meets some
    # every page of those topics: the first (?t=N) and the later ones (?start=10&t=N)
    robots = "User-agent: *\n" + "".join(
        f"Disallow: /viewtopic.php?t={t}$\nDisallow: /viewtopic.php?*&t={t}$\n"
        for t in disallowed)
    with LoggedForumServer(site, robots=robots, hold=hold, throttle=throttle_once,
                           retry_after=RETRY_AFTER) as server:
        yield server, disallowed


def _source(url: str) -> dict[str, Any]:
    return {"name": "forum-three", "kind": "forum", "engine": "phpbb", "url": url,
            "region": "62", "authors": "keep", "threads_per_shard": THREADS_PER_SHARD,
            "politeness": {"download_delay": 0, "concurrent_requests": 4,
                           "requests_per_second": RATE, "cluster_concurrency": CONCURRENCY}}


@contextlib.contextmanager
def three_workers(database: str, redis_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Three one-crawl-at-a-time workers; their node names by source address."""
    client = client_for(database, redis_url)
    tag = time.monotonic_ns()
    names = {addr: f"w{addr.rsplit('.', 1)[1]}-{tag}" for addr in CLIENTS}
    with contextlib.ExitStack() as stack:
        for addr, name in names.items():
            env = worker_env(database, redis_url, tmp_path, PANTAU_BIND_ADDRESS=addr)
            stack.enter_context(running_worker(env, tmp_path / f"{name}.log", client,
                                               "--concurrency", "1", "--hostname",
                                               f"{name}@%h"))
        yield names


def _run(database: str, redis_url: str, src: dict[str, Any], timeout: float) -> dict[str, Any]:
    run_id = create_run(database, src["name"])
    client_for(database, redis_url).send_task("pantau.crawl_source", args=[src, run_id],
                                              queue="crawl.62")
    return wait_run(database, run_id, timeout)


def test_three_workers_share_one_set_of_limits(fresh_migrated_database: str, redis_url: str,
                                               forum: tuple[LoggedForumServer, list[int]],
                                               tmp_path: Path) -> None:
    server, disallowed = forum
    database, src = fresh_migrated_database, _source(server.url)
    with three_workers(database, redis_url, tmp_path) as names:
        run = _run(database, redis_url, src, timeout=400)
    assert run["status"] == "succeeded", run
    hits = server.log()
    pages = [h for h in hits if "/robots.txt" not in h.path]
    (tmp_path / "site.log").write_text("".join(  # for a failure's post-mortem
        f"{h.start - hits[0].start:9.3f} {h.end - h.start:6.3f} {h.client} {h.status} {h.path}\n"
        for h in hits))

    # robots.txt: fetched once for the cluster; no worker asked for a disallowed topic,
    # though every worker crawled shards that listed some
    assert len([h for h in hits if h.path == "/robots.txt"]) == 1
    asked = {h.page for h in pages}
    assert not {p for p in asked for t in disallowed if f"t={t}" in p}, tmp_path / "site.log"
    with psycopg.connect(database, row_factory=dict_row) as conn:
        shards = conn.execute("SELECT hostname, urls FROM crawl_shards WHERE run_id = %s",
                              [run["id"]]).fetchall()
    met = {addr for addr, name in names.items() for s in shards
           if s["hostname"].startswith(name + "@")
           and any(u.endswith(f"t={t}") for u in s["urls"] for t in disallowed)}
    assert met == set(CLIENTS), shards

    # every post stored exactly once, every page fetched once (the 429'd one again after)
    spec = CrawlSpec.for_source(Source.model_validate(src), None)
    expected = {post_uid(spec.platform, spec.site, "post", p.native_id): normalize_text(
        p.body_text) for p in server.forum.truth() if int(p.thread_native_id) not in disallowed}
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT uid, body_text FROM posts WHERE source = %s",
                            [src["name"]]).fetchall()
    assert len(rows) == len(expected) > 2000
    assert dict(rows) == expected
    fetched = Counter(h.page for h in pages if h.status == 200)
    assert set(fetched.values()) == {1}, [p for p, n in fetched.items() if n > 1]

    # all three did a substantial share of the work
    share = Counter(h.client for h in pages)
    assert set(share) == set(CLIENTS)
    assert min(share.values()) >= 0.15 * len(pages), share

    # the limits held for the sum of the three, as the site saw it
    starts = [h.start for h in pages]
    peak_rate = max_in_window(starts, 1 - TOLERANCE)
    for seconds in (2, 5):  # longer windows hold too
        assert max_in_window(starts, seconds - TOLERANCE) <= RATE * seconds
    assert len(pages) / (pages[-1].start - pages[0].start) <= RATE
    peak_in_flight = max_overlap(pages)
    elapsed = pages[-1].end - pages[0].start
    print(f"{len(pages)} requests in {elapsed:.1f} s ({len(pages) / elapsed:.1f}/s); "
          f"peak {peak_rate} per second (limit {RATE}), peak {peak_in_flight} in flight "
          f"(limit {CONCURRENCY}); per worker {dict(share)}")
    assert peak_rate <= RATE
    assert peak_in_flight <= CONCURRENCY
    assert peak_in_flight == CONCURRENCY  # reached, so it was the limit that held
    assert max_in_window(starts, 1 + TOLERANCE) >= RATE - 1  # the rate was reached too

    # one 429 with Retry-After paused every worker; all of them went on afterwards
    throttled = server.throttled
    assert throttled is not None and throttled.status == 429
    pause = (throttled.end + 0.1, throttled.end + RETRY_AFTER - 0.1)
    assert [h for h in hits if pause[0] <= h.start <= pause[1]] == []
    for client in CLIENTS:
        assert any(h.start < throttled.start for h in pages if h.client == client), client
        assert any(h.start > pause[1] for h in pages if h.client == client), client
    assert fetched[throttled.page] == 1
