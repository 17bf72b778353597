"""Feed and news crawls through the real runner into PostgreSQL: each stores exactly its
ground truth, and an incremental re-crawl fetches only new or changed articles.

Crawls run as spider subprocesses with the pipelines (no Celery) against tests/sites/news.py;
the server's request log shows which pages were fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.runner import CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from crawler.storage.shards import ShardStore
from tests.sites.news import FEED_SIZE, NewsServer
from tests.sites.news_model import NewsSite
from tests.workers import worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The truth's last field, the language the page declares, is left out: the enrich pipeline
# (crawler/enrich) sets posts.language from the text and only falls back to the declared one.
ROWS = ("SELECT native_id, kind, thread_native_id, thread_title, position, author_name, "
        "published_at, body_text, parent_native_id FROM posts "
        "WHERE source = %s AND deleted_at IS NULL")


def truth(rows: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Truth rows without the declared language (see ROWS)."""
    return {row[:-1] for row in rows}


@pytest.fixture
def server() -> Iterator[NewsServer]:
    with NewsServer(NewsSite(seed=62, articles=14)) as site:
        yield site


class Crawls:
    """Crawls of one source into one database."""

    def __init__(self, server: NewsServer, database: str, env: dict[str, str],
                 kind: str, path: str = "", **extra: Any) -> None:
        self.server, self.database, self.env = server, database, env
        self.source = Source.model_validate({
            "name": f"{kind}-test", "kind": kind, "url": server.url + path, "region": "62",
            "authors": "keep", **extra})

    def crawl(self, deep: bool = False, spec: CrawlSpec | None = None) -> dict[str, Any]:
        """One crawl; its statistics plus the paths the server answered (robots.txt aside)."""
        if spec is None:
            with psycopg.connect(self.database) as conn:
                run_id = RunStore(conn).create(self.source.name, "62")
            spec = CrawlSpec.for_source(self.source, run_id).model_copy(update={"deep": deep})
        self.server.request_log.clear()
        outcome = run_crawl(spec, env=self.env, timeout=180)
        assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-2000:]
        paths = [p for p in self.server.request_log if p != "/robots.txt"]
        return {**outcome.stats, "fetched": paths,
                "articles_fetched": sorted(p.split("?")[0] for p in paths
                                           if p.startswith("/berita/"))}

    def stored(self) -> set[tuple[Any, ...]]:
        with psycopg.connect(self.database) as conn:
            return set(conn.execute(ROWS, [self.source.name]))

    def one(self, sql: str) -> Any:
        with psycopg.connect(self.database) as conn:
            row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


@pytest.fixture
def env(fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return worker_env(fresh_migrated_database, redis_url, tmp_path)


def _paths(server: NewsServer, articles: list[Any]) -> list[str]:
    return sorted(f"/{a.path}" for a in articles)


def test_news_site_then_incremental_recrawls(server: NewsServer, env: dict[str, str],
                                            fresh_migrated_database: str) -> None:
    crawls = Crawls(server, fresh_migrated_database, env, "news")
    site = server.site
    first = crawls.crawl()
    assert crawls.stored() == truth(site.truth(server.url))
    assert first["articles_fetched"] == _paths(server, list(site.articles.values()))
    # robots.txt disallows /cari/ (left out before it is requested: no error); categories,
    # the home page and other hosts are no articles
    assert not any(p.startswith(("/cari/", "/kategori/")) or p == "/" for p in first["fetched"])
    assert first["errors"] == 0, first.get("error_reasons")
    assert crawls.one("SELECT array_agg(DISTINCT platform) FROM posts") == ["news"]
    assert crawls.one("SELECT array_agg(DISTINCT site) FROM posts") == [server.url]
    assert crawls.one("SELECT count(*) FROM threads") == len(site.articles)

    again = crawls.crawl()
    assert again["articles_fetched"] == [] and again["items"] == 0
    assert again["errors"] == 0, again.get("error_reasons")  # judged "nothing new"
    assert again["threads_unchanged"] >= len(site.articles)

    added = site.add_article()
    edited = site.edit_article(site.newest_first()[-1].article_id,
                               "Paragraf pembuka yang sudah diperbaiki redaksi & diperbarui.")
    third = crawls.crawl()
    assert third["articles_fetched"] == _paths(server, [added, edited])
    assert (third["posts_new"], third["posts_edited"]) == (1 + len(added.threaded()), 1)
    assert crawls.stored() == truth(site.truth(server.url))
    assert crawls.one("SELECT count(*) FROM post_versions") == 1

    deep = crawls.crawl(deep=True)
    assert deep["articles_fetched"] == _paths(server, list(site.articles.values()))
    assert crawls.stored() == truth(site.truth(server.url))


def test_rss_teasers_fetch_the_pages_and_a_recrawl_only_new_ones(
        server: NewsServer, env: dict[str, str], fresh_migrated_database: str) -> None:
    crawls = Crawls(server, fresh_migrated_database, env, "feed", "feed/rss.xml")
    site = server.site
    newest = site.newest_first()[:FEED_SIZE]
    first = crawls.crawl()
    assert first["articles_fetched"] == _paths(server, newest)
    urls = {site.url(server.url, a) for a in newest}
    expected = {row for row in site.truth(server.url) if row[2] in urls}
    assert crawls.stored() == truth(expected)
    assert crawls.one("SELECT array_agg(DISTINCT platform) FROM posts") == ["news"]
    added = site.add_article()
    again = crawls.crawl()
    assert again["articles_fetched"] == _paths(server, [added])
    assert again["fetched"] == ["/feed/rss.xml", f"/{added.path}?utm_source=rss&utm_medium=feed"]


@pytest.mark.parametrize("path", ["feed/atom.xml", "feed/feed.json"])
def test_full_text_feeds_are_stored_without_fetching_pages(
        server: NewsServer, env: dict[str, str], fresh_migrated_database: str,
        path: str) -> None:
    crawls = Crawls(server, fresh_migrated_database, env, "feed", path)
    site = server.site
    newest = site.newest_first()[:FEED_SIZE]
    first = crawls.crawl()
    assert first["fetched"] == [f"/{path}"]
    assert crawls.stored() == truth(site.feed_truth(server.url, newest))
    assert crawls.one("SELECT array_agg(DISTINCT published_via) FROM posts") == ["feed"]
    edited = site.edit_article(newest[2].article_id, "Isi berita yang sudah diperbarui.")
    again = crawls.crawl()
    assert (again["posts_edited"], again.get("posts_new", 0)) == (1, 0)
    assert crawls.stored() == truth(site.feed_truth(server.url, newest))
    assert edited in newest


def test_real_json_feed_served_locally(server: NewsServer, env: dict[str, str],
                                       fresh_migrated_database: str,
                                       real_fixtures: Path) -> None:
    import json

    items = json.loads((real_fixtures / "feeds" / "feed.json").read_text("utf-8"))["items"]
    crawls = Crawls(server, fresh_migrated_database, env, "feed", "real/feed.json")
    first = crawls.crawl()
    assert first["fetched"] == ["/real/feed.json"]  # full content: npr.org is never asked
    stored = crawls.stored()
    assert sorted(row[3] for row in stored) == sorted(item["title"] for item in items)
    assert all(row[1] == "article" and row[7] for row in stored)


def test_sharded_news_crawl_stores_the_truth(server: NewsServer, env: dict[str, str],
                                             fresh_migrated_database: str) -> None:
    crawls = Crawls(server, fresh_migrated_database, env, "news", threads_per_shard=8)
    plan = crawls.crawl()
    assert plan["articles_fetched"] == [] and plan["shards"] == 2
    with psycopg.connect(fresh_migrated_database) as conn:
        run_id = conn.execute("SELECT max(id) FROM crawl_runs").fetchone()[0]  # type: ignore[index]
        shards = ShardStore(conn).of_run(run_id)
    base = CrawlSpec.for_source(crawls.source, run_id)
    fetched: list[str] = []
    for shard in shards:
        done = crawls.crawl(spec=base.for_shard(shard["shard_no"], shard["urls"],
                                                shard["signatures"]))
        fetched += done["articles_fetched"]
    assert sorted(fetched) == _paths(server, list(server.site.articles.values()))
    assert crawls.stored() == truth(server.site.truth(server.url))
