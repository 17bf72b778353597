"""The Discourse adapter on real API responses and on cooked markup of Discourse's features."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawler.extract.engines import Page, ParseContext, detect_engine
from crawler.extract.engines.discourse import Discourse

SITE = "https://try.discourse.org/"
EASTERN = ZoneInfo("America/New_York")


def real(real_fixtures: Path, name: str, url: str, engine: Discourse) -> Any:
    page = Page(url=url, text=(real_fixtures / "discourse" / f"{name}.json").read_text("utf-8"))
    assert detect_engine(page)[0].name == "discourse"
    return engine.parse(page, ParseContext(timezone="America/New_York"))


def test_real_category_list_and_latest_topics(real_fixtures: Path) -> None:
    engine = Discourse()
    index = real(real_fixtures, "categories", f"{SITE}categories.json", engine)
    assert index.kind == "index"
    assert index.boards == [f"{SITE}c/test1/1.json", f"{SITE}c/test2/2.json",
                            f"{SITE}c/test3/3.json"]
    latest = real(real_fixtures, "latest", f"{SITE}latest.json", engine)
    assert latest.kind == "board"
    assert [(t.title, t.sticky, t.container) for t in latest.threads] == [
        ("Test topic #1", True, "test1"), ("Test topic #2", False, "test1"),
        ("Test topic #3", False, "test1")]
    assert latest.threads[0].url == f"{SITE}t/1.json"
    assert latest.threads[0].signature == "1|1|2013-02-05T12:14:17.364-05:00"
    assert latest.next_url == f"{SITE}latest.json?page=1"


def test_real_topic(real_fixtures: Path) -> None:
    result = real(real_fixtures, "topic", f"{SITE}t/57.json", Discourse())
    assert result.kind == "thread"
    assert (result.thread.native_id, result.thread.title, result.thread.url) == (
        "57", "THIS SITE IS A SANDBOX -- it is reset every day", f"{SITE}t/57.json")
    assert result.thread.container == "uncategorized"  # named by the suggested topics
    posts = result.posts
    assert [(p.native_id, p.position, p.author_name, p.author_id) for p in posts] == [
        ("83", 1, "samsaffron", "15"), ("84", 2, "samsaffron", "15"),
        ("86", 3, "stienman", "23"), ("226", 14, "splattne", "50")]
    assert posts[0].published_at == datetime(2013, 2, 4, 15, 26, 26, 278000, tzinfo=EASTERN)
    assert posts[0].edited_at == datetime(2013, 4, 30, 14, 33, 37, 273000, tzinfo=EASTERN)
    assert posts[1].edited_at is None
    assert posts[0].body_text.startswith(
        "Welcome!\n\nTry is a sandbox, a safe place to play with Discourse and its features.")
    assert "https://github.com/discourse/discourse" in posts[0].links
    assert posts[0].url == f"{SITE}t/this-site-is-a-sandbox-it-is-reset-every-day/57/1"
    assert posts[0].author_url == f"{SITE}u/samsaffron"
    assert posts[2].body_text == ""
    assert posts[2].media == [{"type": "image", "alt": "image",
                               "url": "http://i288.photobucket.com/albums/ll164/stienman/ahh.gif"}]
    assert posts[2].metrics["likes"] == 5
    assert (posts[3].reply_to_position, posts[3].parent_native_id) == (1, "83")
    assert json.loads(posts[3].raw or "{}")["id"] == 226
    assert result.next_url is None  # the stream holds no more posts


def test_real_latest_posts(real_fixtures: Path) -> None:
    result = real(real_fixtures, "posts_latest", f"{SITE}posts.json", Discourse())
    assert [t.native_id for t in result.threads] == ["11", "7", "2"]
    assert [(p.native_id, p.thread_native_id, p.position, p.author_name, p.author_id)
            for p in result.posts] == [("15", "11", 2, "johndoe", "1"),
                                       ("14", "11", 1, "johndoe", "1"),
                                       ("10", "7", 1, "system", "-1"),
                                       ("2", "2", 1, "system", "-1")]
    assert result.posts[0].published_at == datetime(2020, 1, 25, 2, 10, 7, 971000,
                                                    tzinfo=ZoneInfo("UTC"))
    assert result.posts[2].body_text.startswith("The first paragraph of this pinned topic")
    assert ":wrench:" in result.posts[2].body_text  # emoji stand for their names


COOKED = """<p>Lihat <a class="mention" href="/u/siti">@siti</a> :wave: dan</p>
<aside class="onebox allowlistedgeneric" data-onebox-src="https://kalteng.go.id/berita/1">
<header class="source"><a href="https://kalteng.go.id/berita/1">kalteng.go.id</a></header>
<article class="onebox-body"><h3>Judul berita</h3><p>Ringkasan panjang</p></article></aside>
<div class="lightbox-wrapper"><a class="lightbox" href="/uploads/default/original/1X/a.png"
 title="peta"><img src="/uploads/default/optimized/1X/a_2_690x388.png" alt="peta" width="690">
<div class="meta"><span class="filename">peta</span><span class="informations">1920x1080
 200 KB</span></div></a></div>
<p><a class="attachment" href="/uploads/default/original/1X/data.pdf">data.pdf</a> (12 KB)</p>
<pre><code class="lang-python">x = 1
</code></pre>"""

QUOTING = """<aside class="quote no-group" data-username="budi" data-post="1" data-topic="9">
<div class="title"><div class="quote-controls"></div><img class="avatar" src="/a.png"> budi:</div>
<blockquote><aside class="quote no-group" data-username="x" data-post="2" data-topic="9">
<div class="title">x:</div><blockquote><p>yang lebih dulu</p></blockquote></aside>
<p>kutipan budi</p></blockquote></aside>
<aside class="quote" data-username="y" data-post="4" data-topic="99"><div class="title">
<a href="/t/lain/99/4">Topik lain</a></div><blockquote><p>dari topik lain</p></blockquote>
</aside>
<p>Jawaban saya</p>"""


def _post(pid: int, number: int, cooked: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "post_number": number, "post_type": 1, "cooked": cooked,
            "username": "budi", "name": "Budi", "user_id": 7, "topic_id": 9,
            "created_at": "2024-03-01T03:00:00.000Z", "updated_at": "2024-03-01T03:00:00.000Z",
            "version": 1, "reads": 4, "reply_count": 0, "actions_summary": [], **extra}


def test_cooked_features_deleted_user_small_actions_and_reactions() -> None:
    posts = [
        _post(501, 1, COOKED, version=3, wiki=True, last_wiki_edit="2024-03-02T01:00:00.000Z",
              updated_at="2024-03-05T01:00:00.000Z",
              reactions=[{"id": "heart", "type": "emoji", "count": 3}, {"id": "+1", "count": 2}]),
        _post(502, 2, "", post_type=3, action_code="closed.enabled"),
        _post(503, 3, QUOTING, user_id=None, username=None, name=None, user_deleted=True),
        _post(504, 4, "<p>dihapus</p>", deleted_at="2024-03-03T00:00:00.000Z"),
    ]
    page = Page(url="https://f.example/t/9.json", text=json.dumps(
        {"id": 9, "title": "Peta banjir", "category_id": 4, "slug": "peta-banjir",
         "post_stream": {"posts": posts, "stream": [501, 502, 503]}}))
    result = Discourse().parse(page, ParseContext(timezone="Asia/Jakarta"))
    assert [p.native_id for p in result.posts] == ["501", "503"]
    first, reply = result.posts
    assert first.body_text == ("Lihat @siti :wave: dan\n\nhttps://kalteng.go.id/berita/1\n\n"
                               "data.pdf (12 KB)\n\nx = 1")
    assert "Ringkasan" not in first.body_text and "1920" not in first.body_text
    assert first.media == [
        {"type": "image", "url": "https://f.example/uploads/default/original/1X/a.png",
         "alt": "peta"},
        {"type": "attachment", "url": "https://f.example/uploads/default/original/1X/data.pdf"}]
    assert "https://f.example/u/siti" in first.links
    assert first.metrics == {"reads": 4, "replies": 0, "reactions": 5}
    assert first.edited_at is not None and first.edited_at.isoformat() == \
        "2024-03-02T08:00:00+07:00"  # a wiki's last edit
    assert result.thread.container == "4"  # no category list seen
    assert (reply.author_name, reply.author_id, reply.author_url) == (None, None, None)
    assert reply.body_text == "Jawaban saya"
    assert reply.quoted_native_ids == ["501"]  # topic 99's post 4 is unknown here
    assert reply.quoted_text == ["yang lebih dulu\n\nkutipan budi", "dari topik lain"]


def test_megatopic_pages_on_by_post_number() -> None:
    posts = [_post(1000 + n, n, f"<p>{n}</p>") for n in range(1, 21)]
    first = Page(url="https://f.example/t/9.json", text=json.dumps(
        {"id": 9, "title": "Besar", "chunk_size": 20,
         "post_stream": {"posts": posts, "isMegaTopic": True, "lastId": 99999}}))
    result = Discourse().parse(first, ParseContext())
    assert result.next_url == "https://f.example/t/9/posts.json?asc=true&post_number=20"
    tail = Page(url=result.next_url, text=json.dumps(
        {"id": 9, "post_stream": {"posts": [_post(2021, 21, "<p>21</p>")]}}))
    last = Discourse().parse(tail, ParseContext())
    assert [p.position for p in last.posts] == [21]
    assert last.next_url is None
