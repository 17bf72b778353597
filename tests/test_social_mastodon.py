"""Mastodon timelines from the API mock: hashtag, account and local timelines crawled to
their ground truth (full tuples, conversations from the context endpoint), and incremental
crawls that ask only for statuses after the cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.social import parse_target
from crawler.extract.social.mastodon import id_key, link_header
from crawler.extract.social.targets import mastodon_lookup, mastodon_timeline
from tests.forumcrawl import crawl_items, of_type, stats
from tests.sites.mastodon import MastodonServer, timeline, truth
from tests.sites.mastodon_model import build_instance

KNOWN = ("native_id", "url", "signature", "post_count", "last_page_url",
         "last_page_position", "last_post_native_id")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def status_rows(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["native_id"], r["url"], r["kind"], r["thread_native_id"], r["parent_native_id"],
             r["container"], r["author_id"], r["author_name"], _time(r["published_at"]),
             _time(r["edited_at"]), r["title"], r["body_text"], tuple(sorted(r["metrics"].items())),
             tuple(m["url"] for m in r["media"]), tuple(r["links"]),
             tuple(r["quoted_native_ids"]))
            for r in of_type(items, "PostItem")]


def known_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cursor = of_type(items, "ThreadItem")[-1]
    return [{k: cursor[k] for k in KNOWN}]


@pytest.fixture
def site() -> Iterator[MastodonServer]:
    with MastodonServer(build_instance()) as server:
        yield server


def test_timeline_urls_map_to_api_paths() -> None:
    tag = parse_target("mastodon", "https://Kalteng.Social/tags/Pilkada")
    assert (tag.site, tag.name, tag.cursor_id) == (
        "https://kalteng.social/", "tags/pilkada", "cursor:mastodon:tags/pilkada")
    assert mastodon_timeline(tag) == ("/api/v1/timelines/tag/pilkada", "")
    local = parse_target("mastodon", "https://kalteng.social/public/local")
    assert mastodon_timeline(local) == ("/api/v1/timelines/public", "local=true")
    user = parse_target("mastodon", "https://kalteng.social/@budi@remote.example")
    assert mastodon_lookup(user) == (
        "https://kalteng.social/api/v1/accounts/lookup?acct=budi@remote.example")
    for bad in ("https://kalteng.social/", "https://kalteng.social/explore",
                "https://kalteng.social/tags/"):
        with pytest.raises(ValueError, match="an instance's timeline"):
            parse_target("mastodon", bad)


def test_status_ids_sort_as_the_servers_issue_them() -> None:
    snowflakes = ["1104461837353683250", "99", "110446183735368325", "109999999999999999"]
    assert sorted(snowflakes, key=id_key) == [
        "99", "109999999999999999", "110446183735368325", "1104461837353683250"]
    ulids = ["01HQ9A0000000000000000000Z", "01HQ8Z6Y3V9X1K2M3N4P5Q6R7T",
             "01HQ8Z6Y3V9X1K2M3N4P5Q6R7S"]
    assert sorted(ulids, key=id_key) == ulids[::-1]


def test_link_header_paging() -> None:
    value = ('<https://m.example/api/v1/timelines/tag/x?max_id=10>; rel="next", '
             '<https://m.example/api/v1/timelines/tag/x?min_id=20>; rel="prev"')
    assert link_header(value) == {"next": "https://m.example/api/v1/timelines/tag/x?max_id=10",
                                  "prev": "https://m.example/api/v1/timelines/tag/x?min_id=20"}
    assert link_header(None) == {}


def _check_full_crawl(items: list[dict[str, Any]], site: MastodonServer, name: str) -> None:
    rows = status_rows(items)
    expected = truth(site, timeline(site, name))
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected
    cursor = of_type(items, "ThreadItem")
    assert [(c["native_id"], c["signature"]) for c in cursor] == [
        (f"cursor:mastodon:{name}", str(max(s.id for s in timeline(site, name))))]


@pytest.mark.parametrize("name", ["@budi", "public/local"])
def test_timeline_crawl_matches_truth(name: str, tmp_path: Path, site: MastodonServer) -> None:
    _check_full_crawl(crawl_items("mastodon", f"{site.origin}/{name}", tmp_path), site, name)


def test_hashtag_crawl_then_incremental_crawls_ask_only_for_newer_statuses(
        tmp_path: Path, site: MastodonServer) -> None:
    first = crawl_items("mastodon", f"{site.origin}/tags/pilkada", tmp_path)
    _check_full_crawl(first, site, "tags/pilkada")
    assert not [r for r in site.request_log if "min_id=" in r]
    items = {r["native_id"]: r for r in of_type(first, "PostItem")}
    deep = next(s for s in site.model.statuses
                if s.reply_to is not None and s.reply_to.reply_to is not None)
    row = items[deep.uri(site.origin)]  # a reply to a reply: its parent, and the root
    assert row["parent_native_id"] == deep.reply_to.uri(site.origin)
    assert row["thread_native_id"] == deep.reply_to.reply_to.uri(site.origin)

    instance = site.model
    before = set(status_rows(first))
    newest = max(s.id for s in timeline(site, "tags/pilkada"))
    budi, sari = instance.accounts[:2]
    with site.lock:
        root = next(s for s in instance.statuses if "pilkada" in s.tags and not s.reply_to)
        added = [instance.post(sari, "Hasil hitung cepat sudah keluar.", tags=["pilkada"]),
                 instance.post(budi, "Setuju, tunggu hasil resmi KPU.", tags=["pilkada"],
                               reply_to=root)]
        added += [instance.post(budi, f"Pantauan TPS {i}.", tags=["pilkada"])
                  for i in range(45)]
    site.request_log.clear()
    second = crawl_items("mastodon", f"{site.origin}/tags/pilkada", tmp_path,
                         known_threads=known_rows(first))
    rows = set(status_rows(second))
    assert {a.uri(site.origin) for a in added} <= {r[0] for r in rows}
    assert rows - before <= truth(site, timeline(site, "tags/pilkada"))
    log = site.request_log.snapshot()
    assert not [r for r in log if "max_id=" in r]
    assert log[1].endswith(f"min_id={newest}")  # after robots.txt
    contexts = [r.split("/")[4] for r in log if r.endswith("/context")]
    assert contexts == [str(added[1].id)]
    assert [c["signature"] for c in of_type(second, "ThreadItem")] == [
        str(added[39].id), str(added[-1].id)]

    site.request_log.clear()
    third = crawl_items("mastodon", f"{site.origin}/tags/pilkada", tmp_path,
                        known_threads=known_rows(second))
    assert of_type(third, "PostItem") == []
    assert stats(third)["pantau/threads_unchanged"] == 1


def test_unknown_account_fails_with_its_url(tmp_path: Path, site: MastodonServer) -> None:
    items = crawl_items("mastodon", f"{site.origin}/@nobody", tmp_path)
    assert of_type(items, "PostItem") == []
    assert stats(items).get("downloader/response_status_count/404") == 1
