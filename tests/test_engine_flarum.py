"""The Flarum adapter: detection, parsing of every JSON:API document kind and the HTML shell,
and full and incremental crawls of the Flarum fixture site against its truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from crawler.demosite.model import Forum, Post, QuoteRef
from crawler.demosite.render import render_viewtopic
from crawler.extract.engines import Page, ParseContext, detect_engine, engine_named, engine_names
from crawler.extract.engines.flarum import ENGINE
from crawler.extract.urls import query_param
from crawler.items import PostItem, UnparsablePage, normalize_text
from tests.sites.flarum import FlarumServer, build_flarum_forum, truth_posts
from tests.sites.flarum_data import FlarumData
from tests.sites.flarum_markup import hex_json, shown_text
from tests.sites.flarum_pages import FlarumPages

BASE = "http://127.0.0.1:8765/"
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module")
def site() -> Iterator[FlarumServer]:
    with FlarumServer(build_flarum_forum()) as server:
        yield server


def fetch(server: FlarumServer, url: str) -> Page:
    """A page of the fixture (a path or a URL of it), as the spider would get it."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    status, content_type, body = server.respond(target, "")
    origin = "/".join(server.url.split("/")[:3])
    text = body.decode() if isinstance(body, bytes) else body
    return Page(url=origin + target, text=text, headers={"content-type": content_type},
                status=status)


def shown(text: str) -> str:
    """A model text as the Flarum site shows it: emoticons as emoji."""
    return normalize_text(shown_text(text))


def parse(page: Page, forum: Forum | None = None) -> Any:
    return ENGINE.parse(page, ParseContext(now=forum.now if forum else None))


def rows(posts: list[PostItem]) -> dict[str, PostItem]:
    return {p.native_id: p for p in posts}


def thread_pages(site: FlarumServer, thread_id: int) -> list[Any]:
    """Every page of a discussion, following next_url from the discussion document."""
    results = [parse(fetch(site, f"/api/discussions/{thread_id}"))]
    while results[-1].next_url:
        results.append(parse(fetch(site, results[-1].next_url)))
    return results


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/d/13-x", "/t/warung-kopi", "/api", "/api/tags",
                                  "/api/discussions?sort=-lastPostedAt", "/api/discussions/13",
                                  "/api/posts?filter[discussion]=13"])
def test_every_flarum_page_is_detected_as_flarum_only(site: FlarumServer, path: str) -> None:
    page = fetch(site, path)
    assert ENGINE.detect(page)
    engine, reason = detect_engine(page)
    assert engine.name == "flarum", reason
    assert [n for n in engine_names() if n != "flarum" and _claims(n, page)] == []


def _claims(name: str, page: Page) -> bool:
    """Whether another engine takes the page (one that fails on it does not)."""
    try:
        return bool(engine_named(name).detect(page))
    except ValueError:  # e.g. parsel refusing CSS on a JSON page
        return False


def test_other_engines_pages_are_not_flarum(site: FlarumServer) -> None:
    forum = site.forum
    html = render_viewtopic(forum, forum.threads[13], 0, "0" * 32, forum.now, BASE)
    assert ENGINE.detect(Page(url=f"{BASE}viewtopic.php?t=13", text=html)) is None
    assert ENGINE.detect(Page(url=f"{BASE}latest.json", text='{"topic_list": {"topics": []}}'))\
        is None
    jsonapi = '{"data": [{"type": "articles", "id": "1", "attributes": {"title": "x"}}]}'
    assert ENGINE.detect(Page(url=f"{BASE}api/articles", text=jsonapi)) is None


def test_real_pages_of_other_engines_are_not_flarum(real_fixtures: Path) -> None:
    files = [p for p in real_fixtures.rglob("*") if p.is_file() and p.suffix in
             (".html", ".json", ".yaml", ".atom", ".rss", ".xml")]
    assert files
    for path in files:
        page = Page.from_bytes(f"https://example.org/{path.name}", path.read_bytes())
        assert ENGINE.detect(page) is None, path


# -- listing -----------------------------------------------------------------------------------


def test_tags_list_top_level_primary_tags(site: FlarumServer) -> None:
    result = parse(fetch(site, "/api/tags"))
    assert result.kind == "index"
    slugs = [u.split("tag%5D=")[1].split("&")[0] for u in result.boards]
    # A child tag (Pilkada Kabupaten) is in its parent's list; the secondary tag is no board.
    assert slugs == ["politik-pilkada-kalteng", "ekonomi-infrastruktur", "sosial-budaya-dayak",
                     "warung-kopi"]
    assert all("sort=-lastPostedAt" in u for u in result.boards)
    assert parse(fetch(site, "/api")).boards == [f"{site.url}api/tags"]


def test_discussion_list_threads_signatures_and_paging(site: FlarumServer) -> None:
    data = FlarumData(site.forum, site.deleted_users, site.sticky)
    expected = data.discussions("politik-pilkada-kalteng")
    first = parse(fetch(site, "/api/discussions?filter[tag]=politik-pilkada-kalteng"
                        "&sort=-lastPostedAt"))
    assert first.kind == "board"
    assert [t.native_id for t in first.threads] == [str(t.thread_id) for t in expected[:20]]
    link = first.threads[0]
    thread = expected[0]
    assert link.url == f"{site.url}api/discussions/{thread.thread_id}"
    assert link.signature == f"{len(thread.posts)}|{data.where[thread.posts[-1].post_id][1]}"
    containers = {t.container for t in first.threads}
    assert containers <= {"Politik & Pilkada Kalteng", "Pilkada Kabupaten"}
    child = [t for t in expected if t.forum_id == 3]
    assert child  # a child tag's discussions are in the parent's list, with the child as board
    pages, result = [first], first
    while result.next_url:
        result = parse(fetch(site, result.next_url))
        pages.append(result)
    listed = {t.native_id: t for p in pages for t in p.threads}
    assert set(listed) == {str(t.thread_id) for t in expected}
    assert all(listed[str(t.thread_id)].container == "Pilkada Kabupaten" for t in child)
    assert {t.native_id for t in listed.values() if t.sticky} == {
        str(i) for i in site.sticky if site.forum.threads[i].forum_id == 2}


# -- threads -----------------------------------------------------------------------------------


def test_a_long_discussion_chains_to_its_last_post(site: FlarumServer) -> None:
    sticky = next(i for i in site.sticky if len(site.forum.threads[i].posts) > 25)
    thread = site.forum.threads[sticky]
    pages = thread_pages(site, sticky)
    assert pages[0].kind == "thread"
    assert pages[0].thread.title == thread.title
    assert pages[0].thread.container == "Politik & Pilkada Kalteng"
    assert pages[0].thread.url == f"{site.url}api/discussions/{sticky}"
    # The event post ("discussionStickied", number 2) is in the first window but is no comment.
    assert len(pages[0].posts) == 19
    assert "page%5Boffset%5D=20" in pages[0].next_url
    ids = [p.native_id for page in pages for p in page.posts]
    assert ids == [str(p.post_id) for p in thread.posts]
    assert all(p.position is None for page in pages for p in page.posts)  # counted by the spider
    assert all(page.thread.native_id == str(sticky) for page in pages)


def test_a_single_post_discussion_is_one_page(site: FlarumServer) -> None:
    single = next(t for t in site.forum.threads.values() if len(t.posts) == 1)
    pages = thread_pages(site, single.thread_id)
    assert len(pages) == 1
    assert [p.native_id for p in pages[0].posts] == [str(single.posts[0].post_id)]
    assert pages[0].posts[0].title == single.title  # the first post carries the title


def test_windows_ignore_posts_included_as_mentioned_by(site: FlarumServer) -> None:
    """A discussion document includes later posts that mention loaded ones; only the run of
    posts from the window's start counts, and the next page starts right after it."""
    data = FlarumData(site.forum, site.deleted_users, site.sticky)
    skipped = 0
    for thread_id, stream in data.streams.items():
        if len(stream) <= 20:
            continue
        first = parse(fetch(site, f"/api/discussions/{thread_id}"))
        consumed = int(query_param(first.next_url or "", "page[offset]") or len(stream))
        assert consumed >= 20
        assert [p.native_id for p in first.posts] == [
            str(e.post_id) for e in stream[:consumed] if isinstance(e, Post)]
        doc = FlarumPages(data, site.url).discussion(thread_id, {})
        later = {str(e.post_id) for e in stream[consumed:]}
        skipped += sum(r["type"] == "posts" and r["id"] in later for r in doc["included"])
    assert skipped  # the fixture does include later posts that mention window posts


def test_a_discussion_without_its_post_id_list_still_pages(site: FlarumServer) -> None:
    data = FlarumData(site.forum, site.deleted_users, site.sticky)
    thread_id = next(i for i, s in data.streams.items() if len(s) > 40)
    doc = FlarumPages(data, site.url).discussion(thread_id, {})
    del doc["data"]["relationships"]["posts"]
    first = parse(Page(url=f"{site.url}api/discussions/{thread_id}", text=hex_json(doc)))
    stream = data.streams[thread_id]
    assert [p.native_id for p in first.posts] == [
        str(e.post_id) for e in stream[:20] if isinstance(e, Post)]
    assert query_param(first.next_url or "", "page[offset]") == "20"


def test_posts_authors_guests_and_deleted_accounts(site: FlarumServer) -> None:
    expected = {r.native_id: r for r in truth_posts(site)}
    forum = site.forum
    guest = next(p for p in forum.all_posts() if p.author_id is None)
    deleted = next(p for p in forum.all_posts() if p.author_id in site.deleted_users)
    member = next(p for p in forum.all_posts() if p.author_id not in (None, *site.deleted_users))
    ids = ",".join(str(p.post_id) for p in (guest, deleted, member))
    found = rows(parse(fetch(site, f"/api/posts?filter[id]={ids}")).posts)
    assert (found[str(guest.post_id)].author_name, found[str(guest.post_id)].author_id) == (
        guest.author_name, None)
    assert (found[str(deleted.post_id)].author_name, found[str(deleted.post_id)].author_id) == (
        "[deleted]", None)
    item = found[str(member.post_id)]
    assert (item.author_name, item.author_id) == (member.author_name, str(member.author_id))
    assert item.author_url and item.author_url.startswith(f"{site.url}u/")
    for post in (guest, deleted, member):
        got, want = found[str(post.post_id)], expected[str(post.post_id)]
        assert got.body_text == want.body_text
        assert got.published_at == want.published_at
        assert got.published_at is not None and got.published_at.tzinfo is not None
        assert got.published_via == "api"


def test_quotes_replies_links_emoji_and_edits(site: FlarumServer) -> None:
    forum = site.forum
    expected = {r.native_id: r for r in truth_posts(site)}
    double = next(p for p in forum.all_posts() if len(p.quoted_ids) == 2)
    linked = next(p for p in forum.all_posts() if "https://" in p.own_text)
    smiley = next(p for p in forum.all_posts() if ":)" in p.own_text)
    edited = next(p for p in forum.all_posts() if p.edited_at is not None)
    ids = ",".join(str(p.post_id) for p in (double, linked, smiley, edited))
    found = rows(parse(fetch(site, f"/api/posts?filter[id]={ids}")).posts)
    item = found[str(double.post_id)]
    assert item.quoted_native_ids == [str(i) for i in double.quoted_ids]
    assert item.parent_native_id == str(double.quoted_ids[0])
    quotes = [s for s in double.segments if isinstance(s, QuoteRef)]
    assert item.quoted_text == [shown(q.text) for q in quotes]  # without the mention's name
    assert item.body_text == expected[str(double.post_id)].body_text
    assert not any("/d/" in link for link in item.links)  # mentions are not links
    assert found[str(linked.post_id)].links == list(expected[str(linked.post_id)].links)
    assert "\U0001f642" in found[str(smiley.post_id)].body_text
    assert found[str(edited.post_id)].edited_at == edited.edited_at
    assert found[str(edited.post_id)].body_text == expected[str(edited.post_id)].body_text


def test_recent_posts_keep_their_instant(site: FlarumServer) -> None:
    forum = site.forum
    today = forum.now.date()
    recent = [p for p in forum.all_posts()
              if p.published_at.astimezone(WIB).date() >= today - timedelta(days=1)]
    assert recent
    ids = ",".join(str(p.post_id) for p in recent)
    found = rows(parse(fetch(site, f"/api/posts?filter[id]={ids}"), forum).posts)
    for post in recent:
        got = found[str(post.post_id)].published_at
        assert got == post.published_at
        assert got is not None and got.utcoffset() == timedelta(hours=7)


def test_a_quote_of_a_deleted_post_keeps_its_id() -> None:
    forum = build_flarum_forum()
    quoting = next(p for p in forum.all_posts() if p.quoted_ids)
    gone = quoting.quoted_ids[0]
    forum.delete_post(gone)
    data = FlarumData(forum, frozenset(), frozenset())
    doc = FlarumPages(data, BASE).posts({"filter": {"id": str(quoting.post_id)}})
    assert "PostMention--deleted" in doc["data"][0]["attributes"]["contentHtml"]
    item = parse(Page(url=f"{BASE}api/posts?filter%5Bid%5D={quoting.post_id}",
                      text=hex_json(doc))).posts[0]
    assert item.quoted_native_ids[0] == str(gone)
    assert item.parent_native_id == str(gone)


def test_an_empty_post_page_is_a_parse_error(site: FlarumServer) -> None:
    with pytest.raises(UnparsablePage):
        parse(fetch(site, "/api/posts?filter[discussion]=13&page[offset]=900"))


# -- the HTML shell and URLs -------------------------------------------------------------------


def test_html_shell_pages_parse_through_their_payload(site: FlarumServer) -> None:
    home = parse(fetch(site, "/"))
    assert home.kind == "board" and len(home.threads) == 20
    shell = parse(fetch(site, "/d/13-judul"))
    api = parse(fetch(site, "/api/discussions/13"))
    assert [p.native_id for p in shell.posts] == [p.native_id for p in api.posts]
    assert shell.next_url == api.next_url
    bare = Page(url=f"{BASE}forum/d/42-judul/7", text=(
        '<html><body><div id="app"><div id="flarum-loading">Loading...</div></div>'
        "<script>app.boot({resources: []});</script></body></html>"))
    assert ENGINE.detect(bare)
    assert [t.url for t in parse(bare).threads] == [f"{BASE}forum/api/discussions/42"]


def test_start_and_fallback_urls() -> None:
    assert ENGINE.start_url("https://forum.example/") == "https://forum.example/api/tags"
    assert ENGINE.start_url("https://x.id/forum/d/12-judul/5") == \
        "https://x.id/forum/api/discussions/12"
    assert ENGINE.start_url("https://x.id/forum/t/warung-kopi") == \
        "https://x.id/forum/api/discussions?filter%5Btag%5D=warung-kopi&sort=-lastPostedAt"
    assert ENGINE.start_url("https://x.id/forum/all") == "https://x.id/forum/api/tags"
    assert ENGINE.start_url("https://x.id/api/discussions/3") == "https://x.id/api/discussions/3"
    assert ENGINE.fallback_url("https://x.id/api/tags", 404) == \
        "https://x.id/api/discussions?sort=-lastPostedAt"
    assert ENGINE.fallback_url("https://x.id/api/discussions/3", 404) is None
