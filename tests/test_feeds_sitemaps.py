"""Feeds (RSS, Atom, JSON Feed) and sitemaps: the real files, the fixture site, bad input."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.extract.article import article_from_entry
from crawler.extract.feeds import FeedError, looks_like_feed, parse_feed
from crawler.extract.sitemaps import (
    MAX_SITEMAP_BYTES,
    SitemapError,
    lists_articles,
    parse_sitemap,
    robots_sitemaps,
)
from tests.sites import news_markup as markup
from tests.sites.news_model import NewsSite

BASE = "http://127.0.0.1:8765/"


def test_real_rss(real_fixtures: Path) -> None:
    feed = parse_feed((real_fixtures / "feeds" / "feed2.rss").read_bytes(), BASE + "rss")
    assert (feed.format, feed.title, feed.link) == ("rss", "RSS Title",
                                                    "http://www.example.com/main.html")
    [entry] = feed.entries
    assert entry.id == "7bd204c6-1655-4c27-aeee-53f933c5395f"
    assert entry.url == "http://www.example.com/blog/post/1"
    assert entry.published == datetime(2009, 9, 6, 16, 20, tzinfo=UTC)
    assert entry.summary == "Here is some text containing an interesting description."
    assert not entry.full_content  # a description only: the page is fetched


def test_real_atom(real_fixtures: Path) -> None:
    feed = parse_feed((real_fixtures / "feeds" / "feed1.atom").read_bytes(), BASE + "atom")
    assert (feed.format, feed.title) == ("atom", "Example Feed")
    first, second = feed.entries
    assert (first.id, first.url, first.title) == (
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "http://example.org/2003/12/13/atom03",
        "Atom-Powered Robots Run Amok")
    assert first.updated == datetime(2003, 12, 13, 18, 30, 2, tzinfo=UTC)
    assert first.signature == "2003-12-13T18:30:02+00:00"
    assert second.url is None  # only a rel="self" link: no web page to fetch


def test_real_json_feed(real_fixtures: Path) -> None:
    raw = (real_fixtures / "feeds" / "feed.json").read_bytes()
    assert looks_like_feed(raw)
    feed = parse_feed(raw, BASE + "feed.json")
    data = json.loads(raw)
    assert feed.format == "json" and len(feed.entries) == len(data["items"]) == 25
    entry = feed.entries[0]
    assert entry.id == "1050315385"
    assert entry.title == "Keller Rinaudo: How can delivery drones save lives?"
    assert entry.published == datetime(2021, 10, 29, 10, 26, tzinfo=timezone(timedelta(hours=-4)))
    assert entry.authors == ["Manoush Zomorodi"] and entry.full_content
    assert {"type": "audio", "url": data["items"][0]["attachments"][0]["url"]} in entry.media
    article = article_from_entry(entry, BASE + "feed.json")
    assert article.url.startswith("https://www.npr.org/2021/10/29/1050315385/")
    assert "utm_" not in article.url
    assert article.body_text.startswith("In rural areas, basic health care can be out of reach.")
    assert article.published_via == "feed"


def test_real_sitemap(real_fixtures: Path) -> None:
    sitemap = parse_sitemap((real_fixtures / "feeds" / "sitemap.xml").read_bytes(),
                            BASE + "sitemap.xml")
    assert sitemap.kind == "urlset" and not sitemap.news
    assert len(sitemap.urls) == 84
    assert (sitemap.urls[0].loc, sitemap.urls[0].lastmod) == ("https://www.sitemaps.org/",
                                                              "2016-11-21")


def test_fixture_feeds_agree_with_the_model() -> None:
    site = NewsSite(seed=3, articles=5)
    articles = site.newest_first()
    for render in (markup.atom, markup.json_feed):
        feed = parse_feed(render(site, BASE, articles).encode(), BASE + "feed")
        assert [e.url for e in feed.entries] == [site.url(BASE, a) for a in articles]
        assert all(e.full_content for e in feed.entries)
        assert [article_from_entry(e, BASE).body_text for e in feed.entries] == [
            a.body_text() for a in articles]
        assert [e.published for e in feed.entries] == [a.published for a in articles]
    rss = parse_feed(markup.rss(site, BASE, articles).encode(), BASE + "rss")
    assert rss.language == "id" and not any(e.full_content for e in rss.entries)  # teasers
    assert [e.authors for e in rss.entries] == [[", ".join(a.authors)] for a in articles]


def test_sitemap_index_gzip_and_news() -> None:
    site = NewsSite(seed=3, articles=4)
    index = parse_sitemap(markup.sitemap_index([(BASE + "a.xml.gz", "2024-03-02")]).encode(),
                          BASE + "sitemap_index.xml")
    assert index.kind == "index" and index.sitemaps[0].loc == BASE + "a.xml.gz"
    entries = [(site.url(BASE, a), a.lastmod) for a in site.newest_first()]
    packed = gzip.compress(markup.urlset(entries).encode())
    urlset = parse_sitemap(packed, BASE + "a.xml.gz")
    assert [(u.loc, u.lastmod) for u in urlset.urls] == entries
    news = parse_sitemap(markup.news_sitemap(site, BASE, site.newest_first()).encode(),
                         BASE + "news.xml")
    assert news.news and news.urls[0].news_title == site.newest_first()[0].title
    assert news.urls[0].news_published == site.newest_first()[0].published
    assert news.urls[0].news_language == "id"


def test_robots_sitemap_lines_and_skipped_sitemaps() -> None:
    robots = "User-agent: *\nDisallow: /cari/\nSITEMAP: /peta.xml # utama\nSitemap: ftp://x/y\n"
    assert robots_sitemaps(robots, BASE + "robots.txt") == [BASE + "peta.xml"]
    assert lists_articles(BASE + "post-sitemap2.xml.gz")
    assert lists_articles(BASE + "wp-sitemap-posts-post-1.xml")
    assert not lists_articles(BASE + "wp-sitemap-taxonomies-category-1.xml")
    assert not lists_articles(BASE + "wp-sitemap-users-1.xml")
    assert not lists_articles(BASE + "category-sitemap.xml")


def test_plain_text_sitemap() -> None:
    sitemap = parse_sitemap(f"{BASE}a.html\n{BASE}b.html\n".encode(), BASE + "sitemap.txt")
    assert [u.loc for u in sitemap.urls] == [BASE + "a.html", BASE + "b.html"]


@pytest.mark.parametrize(("body", "message"), [
    (b"<html><body>halo</body></html>", "not a sitemap (root element <html>)"),
    (b"\x1f\x8b\x08\x00broken", "broken gzip data"),
    (b"{\"a\": 1}", "neither XML nor a text list of URLs"),
    (b"", "neither XML nor a text list of URLs"),
])
def test_bad_sitemaps_are_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(SitemapError, match=re.escape(message)):
        parse_sitemap(body, BASE + "sitemap.xml")


def test_a_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 10) + b"</urlset>")
    with pytest.raises(SitemapError, match="larger than 50 MiB"):
        parse_sitemap(bomb, BASE + "big.xml.gz")


def test_entities_are_not_expanded() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<urlset><url><loc>http://127.0.0.1/&x;</loc></url></urlset>')
    urls = parse_sitemap(body, BASE + "s.xml").urls
    assert all("root:" not in u.loc for u in urls)


@pytest.mark.parametrize(("body", "message"), [
    (b"<html><body><p>bukan feed</p></body></html>", "not an RSS, Atom or JSON feed"),
    (b'{"version": "1", "items": []}', "not a JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1"}', "needs an 'items' list"),
    (b"{broken", "not valid JSON"),
])
def test_bad_feeds_are_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=re.escape(message)):
        parse_feed(body, BASE + "feed")


def test_teasers_are_not_full_content() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0" xmlns:content='
            b'"http://purl.org/rss/1.0/modules/content/"><channel><title>t</title><item>'
            b"<title>a</title><link>http://127.0.0.1/a</link><content:encoded><![CDATA[<p>Harga "
            b"karet naik lagi ... Baca selengkapnya</p>]]></content:encoded></item><item>"
            b"<title>b</title><link>http://127.0.0.1/b</link><content:encoded><![CDATA[<p>Harga "
            b"karet naik lagi.</p><p>Petani senang.</p>]]></content:encoded></item>"
            b"</channel></rss>")
    teaser, full = parse_feed(body, BASE + "feed").entries
    assert not teaser.full_content and full.full_content


def test_feed_and_news_sources_share_platform_and_site() -> None:
    from crawler.config.sources import Source
    from crawler.runner.spec import CrawlSpec

    feed = Source.model_validate({"name": "kabar-rss", "kind": "feed", "region": "62",
                                  "url": "https://Kabar.example.id/feed/",
                                  "limits": {"max_age": "30d"}})
    news = Source.model_validate({"name": "kabar", "kind": "news", "region": "62",
                                  "url": "https://kabar.example.id/sitemap_index.xml"})
    assert (feed.spider, feed.platform, news.spider, news.platform) == (
        "feed", "news", "news", "news")
    feed_spec, news_spec = CrawlSpec.for_source(feed, None), CrawlSpec.for_source(news, None)
    assert feed_spec.site == news_spec.site == "https://kabar.example.id/"
    assert feed_spec.spider_arguments([])["max_age"] == 30 * 86400
    assert "max_age" not in news_spec.spider_arguments([])
