"""Bluesky author feeds from the AppView mock: a full crawl to its ground truth (full tuples,
replies from getPostThread), and an incremental crawl that stops at the stored cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.social import parse_target
from tests.forumcrawl import crawl_items, of_type, stats
from tests.sites.bluesky import BlueskyServer, build_network, truth

KNOWN = ("native_id", "url", "signature", "post_count", "last_page_url",
         "last_page_position", "last_post_native_id")


def post_rows(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["native_id"], r["url"], r["kind"], r["thread_native_id"], r["parent_native_id"],
             r["author_id"], r["author_name"], datetime.fromisoformat(r["published_at"]),
             r["body_text"], tuple(sorted(r["metrics"].items())),
             tuple(m["url"] for m in r["media"]), tuple(r["links"]),
             tuple(r["quoted_native_ids"]))
            for r in of_type(items, "PostItem")]


@pytest.fixture
def site() -> Iterator[BlueskyServer]:
    with BlueskyServer(build_network()) as server:
        yield server


def test_profile_urls_map_to_the_public_appview() -> None:
    target = parse_target("bluesky", "https://bsky.app/profile/Kalteng.bsky.social")
    assert (target.name, target.site, target.api, target.cursor_id) == (
        "kalteng.bsky.social", "https://bsky.app/", "https://public.api.bsky.app",
        "cursor:bluesky:kalteng.bsky.social")
    did = parse_target("bluesky", "https://bsky.app/profile/did:plc:kvwvcn5iqfooopmyzvb4qzba")
    assert did.name == "did:plc:kvwvcn5iqfooopmyzvb4qzba"
    local = parse_target("bluesky", "http://127.0.0.1:9000/profile/a.example")
    assert local.api == local.web == "http://127.0.0.1:9000"
    for bad in ("https://bsky.app/", "https://bsky.app/profile/x/post/1",
                "https://bsky.app/search?q=pilkada"):
        with pytest.raises(ValueError, match="a profile"):
            parse_target("bluesky", bad)


def test_author_feed_crawl_matches_truth(tmp_path: Path, site: BlueskyServer) -> None:
    kalteng = site.model.actors[0]
    items = crawl_items("bluesky", f"{site.origin}/profile/{kalteng.handle}", tmp_path)
    rows = post_rows(items)
    expected = truth(site, kalteng)
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected
    feeds = [r for r in site.request_log if "getAuthorFeed" in r]
    assert len(feeds) == 2 and "cursor=" in feeds[1]
    threads = [r for r in site.request_log if "getPostThread" in r]
    assert len(threads) == len({p.uri for p in site.model.posts
                                if p.author is kalteng and site.model.replies(p)})
    assert [c["signature"] for c in of_type(items, "ThreadItem")] == [
        site.model.feed(kalteng)[0][0]]

    before = set(rows)
    warga = site.model.actors[1]
    with site.lock:
        new = site.model.post(kalteng, "Debat kandidat malam ini.")
        site.model.post(warga, "Ikut nonton!", reply_to=new)
        site.model.post(kalteng, "Jadwal TPS keliling sudah terbit.")
    site.request_log.clear()
    cursor = of_type(items, "ThreadItem")[-1]
    second = crawl_items("bluesky", f"{site.origin}/profile/{kalteng.handle}", tmp_path,
                         known_threads=[{k: cursor[k] for k in KNOWN}])
    got = set(post_rows(second))
    assert got == truth(site, kalteng) - before
    assert len(got) == 3
    assert [r for r in site.request_log if "xrpc" in r] == [
        f"/xrpc/app.bsky.feed.getAuthorFeed?actor={kalteng.handle}&limit=100",
        f"/xrpc/app.bsky.feed.getPostThread?uri={new.uri.replace(':', '%3A').replace('/', '%2F')}"
        "&depth=1000&parentHeight=0"]
    again = crawl_items("bluesky", f"{site.origin}/profile/{kalteng.handle}", tmp_path,
                        known_threads=[{k: of_type(second, "ThreadItem")[-1][k] for k in KNOWN}])
    assert of_type(again, "PostItem") == []
    assert stats(again)["pantau/threads_unchanged"] == 1


def test_unknown_actor_yields_nothing(tmp_path: Path, site: BlueskyServer) -> None:
    items = crawl_items("bluesky", f"{site.origin}/profile/nobody.example", tmp_path)
    assert of_type(items, "PostItem") == []
    assert stats(items)["downloader/response_status_count/400"] == 1
