"""Every engine end to end: its fixture site crawled through the runner into PostgreSQL.

The engine tests compare a crawl's items with each fixture's ground truth; this test shows
the same items arrive in the posts table (identity by platform, site, kind and native id;
positions, authors, times, text, reply-to), and that an immediate re-crawl is incremental:
nothing new stored, a few list pages fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import DemoForumServer, SiteServer, build_forum
from crawler.runner import CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.forumcrawl import crawl_items, of_type
from tests.sites.custom import SELECTORS, CustomForumServer
from tests.sites.discourse import DiscourseServer
from tests.sites.flarum import FlarumServer, build_flarum_forum
from tests.sites.invision import InvisionServer
from tests.sites.mybb import MybbServer
from tests.sites.smf import SmfServer
from tests.sites.vbulletin4 import Vbulletin4Server
from tests.sites.vbulletin5 import Vbulletin5Server
from tests.sites.wordpress import WordPressServer
from tests.sites.xenforo import XenForoServer
from tests.workers import worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# (source fields, fixture site, path of the start URL below the site's base URL)
SITES: dict[str, tuple[dict[str, Any], Callable[[], SiteServer], str]] = {
    "phpbb": ({"engine": "phpbb"}, lambda: DemoForumServer(build_forum()), ""),
    "xenforo": ({"engine": "xenforo"}, lambda: XenForoServer(build_forum()), ""),
    "vbulletin4": ({"engine": "vbulletin4"}, lambda: Vbulletin4Server(build_forum()), ""),
    "vbulletin5": ({"engine": "vbulletin"}, lambda: Vbulletin5Server(build_forum()), "forum"),
    "mybb": ({"engine": "mybb"}, lambda: MybbServer(build_forum()), ""),
    "smf": ({"engine": "smf"}, lambda: SmfServer(build_forum()), ""),
    "invision": ({"engine": "invision"}, lambda: InvisionServer(build_forum()), "forums/"),
    "discourse": ({"engine": "discourse"}, lambda: DiscourseServer(build_forum()), ""),
    "flarum": ({"engine": "flarum"}, lambda: FlarumServer(build_flarum_forum()), ""),
    "wordpress": ({"engine": "wordpress"}, lambda: WordPressServer(build_forum()), ""),
    "detected": ({}, lambda: XenForoServer(build_forum()), ""),
    "selectors": ({"selectors": SELECTORS}, lambda: CustomForumServer(build_forum()), ""),
}
COLUMNS = ("native_id", "kind", "thread_native_id", "position", "author_name",
           "published_at", "body_text", "parent_native_id", "quoted_native_ids")


def _item_rows(items: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    rows = set()
    for item in of_type(items, "PostItem"):
        values = [item[c] for c in COLUMNS]
        values[5] = datetime.fromisoformat(values[5]) if values[5] else None
        values[8] = tuple(values[8])
        rows.add(tuple(values))
    return rows


def _stored(database: str, source: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        return [(*row[:8], tuple(row[8])) for row in conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM posts WHERE source = %s", [source])]


@pytest.mark.parametrize("name", list(SITES))
def test_fixture_site_is_stored_as_crawled_then_recrawled_incrementally(
        name: str, fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    fields, make_site, path = SITES[name]
    database = fresh_migrated_database
    env = worker_env(database, redis_url, tmp_path)
    with make_site() as site:
        start = site.url + path
        source = Source.model_validate({"name": f"site-{name}", "url": start, "region": "62",
                                        "authors": "keep", **fields})
        arguments = CrawlSpec.for_source(source, None).spider_arguments([])
        del arguments["start_url"]
        items = crawl_items(source.spider, start, tmp_path / "items", **arguments)

        def crawl() -> dict[str, Any]:
            with psycopg.connect(database) as conn:
                run_id = RunStore(conn).create(source.name, "62")
            site.request_log.clear()
            outcome = run_crawl(CrawlSpec.for_source(source, run_id), env=env, timeout=240)
            assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-3000:]
            return outcome.stats

        first = crawl()
        stored = _stored(database, source.name)
        assert len(stored) == len(set(stored)) == first["posts_new"]
        assert set(stored) == _item_rows(items)
        full_requests = len(site.request_log)
        again = crawl()
        assert again.get("posts_new", 0) == 0
        assert len(site.request_log) <= max(0.05 * full_requests, 8), site.request_log.snapshot()
    with psycopg.connect(database) as conn:
        platforms = {row[0] for row in conn.execute(
            "SELECT DISTINCT platform FROM posts WHERE source = %s", [source.name])}
    assert platforms == {source.platform if source.platform != "auto" else "xenforo"}
