"""The feed and news spiders offline (no database): discovery paths, max_age, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.forumcrawl import crawl_items, of_type, stats
from tests.sites.news import NewsServer
from tests.sites.news_model import NewsSite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plain_robots() -> Iterator[NewsServer]:
    with NewsServer(NewsSite(seed=11, articles=8), robots_sitemaps=False) as server:
        yield server


def _articles(rows: list[dict[str, object]]) -> set[object]:
    return {row["native_id"] for row in of_type(rows, "PostItem") if row["kind"] == "article"}


def test_without_sitemap_lines_the_spider_tries_sitemap_xml(plain_robots: NewsServer,
                                                           tmp_path: Path) -> None:
    site = plain_robots.site
    rows = crawl_items("news", plain_robots.url, tmp_path)
    assert "/sitemap.xml" in plain_robots.request_log.snapshot()
    assert _articles(rows) == {site.url(plain_robots.url, a) for a in site.articles.values()}


def test_max_age_leaves_out_old_articles_and_old_child_sitemaps(plain_robots: NewsServer,
                                                               tmp_path: Path) -> None:
    site = plain_robots.site
    older, newer = plain_robots.halves()
    # a cutoff between the older half (one child sitemap) and the newer half (the other)
    cutoff = older[-1].modified + (newer[0].modified - older[-1].modified) / 2
    plain_robots.request_log.clear()
    rows = crawl_items("news", plain_robots.url + "sitemap_index.xml", tmp_path,
                       max_age=(datetime.now(UTC) - cutoff).total_seconds())
    assert _articles(rows) == {site.url(plain_robots.url, a) for a in newer}
    assert "/sitemaps/post-sitemap1.xml" not in plain_robots.request_log.snapshot()
    assert stats(rows)["pantau/sitemaps_too_old"] == 2  # post-sitemap1, category-sitemap


def test_a_feed_is_found_through_an_html_page(plain_robots: NewsServer, tmp_path: Path) -> None:
    site = plain_robots.site
    page = site.url(plain_robots.url, site.newest_first()[0])  # names /feed/rss.xml
    rows = crawl_items("feed", page, tmp_path)
    assert _articles(rows) == {site.url(plain_robots.url, a) for a in site.newest_first()}


def test_a_page_that_is_no_feed_is_a_parse_error(plain_robots: NewsServer,
                                                 tmp_path: Path) -> None:
    rows = crawl_items("feed", plain_robots.url + "kategori/politik/", tmp_path)
    assert of_type(rows, "PostItem") == []
    assert stats(rows)["log_count/ERROR"] >= 1  # UnparsablePage: "... names none"
