"""Telegram channel previews: the parser's pieces, a full crawl of the t.me clone to its
ground truth (full tuples), and incremental crawls that fetch only pages after the cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.config import ConfigError, load_sources
from crawler.extract.social import parse_target
from crawler.extract.social.telegram import parse_channel_page, parse_count, post_ref
from crawler.runner import CrawlSpec
from tests.forumcrawl import crawl_items, of_type, stats
from tests.sites.telegram import TelegramServer, build_channel, truth

KNOWN = ("native_id", "url", "signature", "post_count", "last_page_url",
         "last_page_position", "last_post_native_id")


def telegram_rows(items: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    rows = set()
    for r in of_type(items, "PostItem"):
        forwarded = r["extra"].get("forwarded_from")
        rows.add((r["native_id"], r["url"], r["kind"], r["thread_native_id"],
                  r["parent_native_id"], r["container"], r["author_id"], r["author_name"],
                  datetime.fromisoformat(r["published_at"]), r["body_text"],
                  r["metrics"]["views"], r["extra"].get("edited", False),
                  tuple(forwarded.values()) if forwarded else None,
                  tuple(m["url"] for m in r["media"]), tuple(r["links"]), r["thread_title"]))
    return rows


@pytest.fixture
def site() -> Iterator[TelegramServer]:
    with TelegramServer(build_channel()) as server:
        yield server


def known_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cursor as the writer stores it and the next crawl gets it (the last one wins)."""
    cursor = of_type(items, "ThreadItem")[-1]
    return [{k: cursor[k] for k in KNOWN}]


def test_counts_and_message_links_are_read_as_telegram_writes_them() -> None:
    assert [parse_count(s) for s in ("812", "1.2K", "12K", "3,4K", "1.5M", "", "n/a")] == [
        812, 1200, 12000, 3400, 1_500_000, None, None]
    assert post_ref("https://t.me/kalteng_info/120?single") == "kalteng_info/120"
    assert post_ref("https://t.me/s/kalteng_info/7") == "kalteng_info/7"
    assert post_ref("https://t.me/kalteng_info") is None
    assert post_ref(None) is None


def test_channel_urls_map_to_one_site_key_and_bad_ones_are_refused() -> None:
    for url in ("https://t.me/s/Kalteng_Info", "https://t.me/kalteng_info",
                "https://telegram.me/s/kalteng_info/"):
        target = parse_target("telegram", url)
        assert (target.site, target.api, target.name) == (
            "https://t.me/s/kalteng_info/", "https://t.me", "kalteng_info")
    local = parse_target("telegram", "http://127.0.0.1:8000/s/kalteng_info")
    assert local.site == "http://127.0.0.1:8000/s/kalteng_info/"
    assert local.cursor_id == "cursor:telegram:kalteng_info"
    for bad in ("https://t.me/s/", "https://t.me/joinchat/abc/def", "https://t.me/s/ab",
                "http://127.0.0.1:8000/kalteng_info", "ftp://t.me/s/kalteng_info"):
        with pytest.raises(ValueError, match=r"t\.me/s/channelname|not a web address"):
            parse_target("telegram", bad)


def test_a_page_without_messages_has_none_and_no_links() -> None:
    page = parse_channel_page("<html><body><p>Channel not found</p></body></html>",
                              "https://t.me/s/nobody")
    assert (page.messages, page.older_url, page.newer_url) == ([], None, None)


def test_deep_crawl_pages_back_to_the_first_message(tmp_path: Path,
                                                    site: TelegramServer) -> None:
    stale = [{"native_id": "cursor:telegram:kalteng_info", "url": None, "signature": "30",
              "post_count": 1, "last_page_url": "x", "last_page_position": None,
              "last_post_native_id": "kalteng_info/30"}]  # a deep crawl ignores the cursor
    items = crawl_items("telegram", site.url + "s/kalteng_info", tmp_path,
                        known_threads=stale, deep=True)
    assert telegram_rows(items) == truth(site)
    assert len(of_type(items, "PostItem")) == len(site.model.messages) == 45
    pages = [r for r in site.request_log if r.startswith("/s/")]
    assert pages == ["/s/kalteng_info", "/s/kalteng_info?before=28",
                     "/s/kalteng_info?before=6"]
    cursors = of_type(items, "ThreadItem")
    assert [(c["native_id"], c["signature"], c["last_post_native_id"], c["complete"])
            for c in cursors] == [("cursor:telegram:kalteng_info", "48", "kalteng_info/48",
                                   False)]


def test_incremental_crawl_fetches_only_pages_after_the_cursor(tmp_path: Path,
                                                               site: TelegramServer) -> None:
    first = crawl_items("telegram", site.url + "s/kalteng_info", tmp_path)
    before = truth(site)
    with site.lock:
        added = [site.model.add([f"Pengumuman baru nomor {i}."], 5000 + i, reply_to=47)
                 for i in range(25)]
    site.request_log.clear()
    second = crawl_items("telegram", site.url + "s/kalteng_info", tmp_path,
                         known_threads=known_rows(first))
    assert telegram_rows(second) == truth(site) - before
    assert {r["native_id"] for r in of_type(second, "PostItem")} == {
        f"kalteng_info/{m.number}" for m in added}
    assert [r for r in site.request_log if r.startswith("/s/")] == [
        "/s/kalteng_info?after=48", "/s/kalteng_info?after=68"]
    assert [c["signature"] for c in of_type(second, "ThreadItem")] == ["68", "73"]

    site.request_log.clear()
    third = crawl_items("telegram", site.url + "s/kalteng_info", tmp_path,
                        known_threads=known_rows(second))
    assert of_type(third, "PostItem") == [] and of_type(third, "ThreadItem") == []
    assert stats(third)["pantau/threads_unchanged"] == 1
    assert [r for r in site.request_log if r.startswith("/s/")] == ["/s/kalteng_info?after=73"]


def test_sources_file_names_a_bad_channel_url_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    text = """
regions:
  - code: "62"
    name: Kalimantan Tengah
    sources:
      - name: info-kalteng
        kind: telegram
        url: https://t.me/s/kalteng_info
        authors: keep
      - name: toot-kalteng
        kind: mastodon
        url: https://kalteng.social/tags/pilkada
      - name: bsky-kalteng
        kind: bluesky
        url: https://bsky.app/profile/kalteng.bsky.social
"""
    path.write_text(text, encoding="utf-8")
    parsed = load_sources(path)
    assert [(s.spider, s.platform) for s in parsed.sources()] == [
        ("telegram", "telegram"), ("mastodon", "mastodon"), ("bluesky", "bluesky")]
    spec = CrawlSpec.for_source(parsed.source("info-kalteng"), None)
    assert spec.site == "https://t.me/s/kalteng_info/"
    path.write_text(text.replace("https://t.me/s/kalteng_info", "https://t.me/+AbCdEf/1"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert str(err.value) == (
        f"{path}: region 62, source info-kalteng: field 'url': a telegram source's url is a "
        "public channel's web preview, e.g. https://t.me/s/channelname")
