"""Two shard processes of one run meet the same thread: its pages are fetched once per run.

Each spider process binds to its own source address (PANTAU_BIND_ADDRESS), so the server's
log says which process fetched what. A redelivered shard (a new process of the same shard)
fetches again what its predecessor had claimed, and nothing another shard had claimed.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.demosite.model import POSTS_PER_PAGE
from crawler.runner import CrawlOutcome, CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.sitelog import Hit, LoggedForumServer
from tests.workers import worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def forum() -> Iterator[LoggedForumServer]:
    with LoggedForumServer(build_forum(seed=62)) as server:
        yield server


def _spec(server: LoggedForumServer, run_id: int) -> CrawlSpec:
    source = Source.model_validate({
        "name": "forum-dedup", "kind": "forum", "engine": "phpbb", "url": server.url,
        "region": "62", "authors": "keep", "threads_per_shard": 2,
        "politeness": {"download_delay": 0, "concurrent_requests": 4}})
    spec = CrawlSpec.for_source(source, run_id)
    if "deep" in CrawlSpec.model_fields:  # every page of every thread, known or not
        spec = spec.model_copy(update={"deep": True})
    return spec


def _crawl_all(jobs: list[tuple[CrawlSpec, dict[str, str]]]) -> list[CrawlOutcome]:
    """Run the spider processes at the same time; their outcomes in order."""
    outcomes: list[CrawlOutcome | None] = [None] * len(jobs)

    def one(i: int) -> None:
        spec, env = jobs[i]
        outcomes[i] = run_crawl(spec, env=env, timeout=120)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(150)
    assert all(o is not None and o.returncode == 0 for o in outcomes), [
        o.stderr_tail[-2000:] if o else "did not end" for o in outcomes]
    return [o for o in outcomes if o is not None]


def _pages_of(hits: list[Hit], thread_id: int) -> Counter[str]:
    """How often each page of a thread was fetched (with 200), by client."""
    return Counter(h.client for h in hits if h.status == 200 and f"t={thread_id}" in h.page)


def test_two_shards_fetch_a_shared_thread_once_and_a_redelivery_redoes_its_own(
        fresh_migrated_database: str, redis_url: str, forum: LoggedForumServer,
        tmp_path: Path) -> None:
    database = fresh_migrated_database
    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create("forum-dedup", "62")
    long_threads = [t for t, th in sorted(forum.forum.threads.items())
                    if len(th.posts) > 2 * POSTS_PER_PAGE]
    own_a, shared, own_b = long_threads[:3]
    url = f"{forum.url}viewtopic.php?t={{}}".format
    spec = _spec(forum, run_id)
    shard_a = spec.for_shard(0, [url(own_a), url(shared)])
    shard_b = spec.for_shard(1, [url(shared), url(own_b)])

    def env(bind: str) -> dict[str, str]:
        return worker_env(database, redis_url, tmp_path, PANTAU_BIND_ADDRESS=bind)

    client = redis.Redis.from_url(redis_url)
    # the session's Redis db holds other tests' runs, some with the same run id
    earlier = set(client.scan_iter(f"pantau:dedup:{run_id}.*:meta"))
    _crawl_all([(shard_a, env("127.0.0.2")), (shard_b, env("127.0.0.3"))])
    hits = forum.log()
    pages = Counter(h.page for h in hits if h.status == 200 and "viewtopic" in h.path)
    assert pages and set(pages.values()) == {1}, pages  # every page once, shared ones too
    shared_by = _pages_of(hits, shared)
    assert len(shared_by) == 1, shared_by  # one process fetched the whole shared thread
    n_shared = sum(shared_by.values())
    assert n_shared == -(-len(forum.forum.threads[shared].posts) // POSTS_PER_PAGE)
    assert set(_pages_of(hits, own_a)) == {"127.0.0.2"}
    assert set(_pages_of(hits, own_b)) == {"127.0.0.3"}

    # the filter was the cluster one: both shards registered as attempts of the run
    metas = list(set(client.scan_iter(f"pantau:dedup:{run_id}.*:meta")) - earlier)
    assert len(metas) == 1
    assert {b"attempts:shard-0", b"attempts:shard-1"} <= set(client.hgetall(metas[0]))

    # shard 0 is delivered again (its worker died): a new process redoes what shard 0 had
    # claimed - its own thread, and the shared one if it had won it - and nothing of shard 1
    _crawl_all([(shard_a, env("127.0.0.4"))])
    redo = [h for h in forum.log() if h.client == "127.0.0.4"]
    assert _pages_of(redo, own_a)["127.0.0.4"] == sum(_pages_of(hits, own_a).values())
    assert _pages_of(redo, own_b) == Counter()
    won = shared_by.get("127.0.0.2", 0)
    assert _pages_of(redo, shared).get("127.0.0.4", 0) == won
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT uid) FROM posts").fetchone()
    expected = sum(len(forum.forum.threads[t].posts) for t in (own_a, shared, own_b))
    assert row == (expected, expected)
