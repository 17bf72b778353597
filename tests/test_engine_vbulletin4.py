"""The vBulletin 4 adapter: detection, and parsing of rendered forumhome, forumdisplay and
showthread pages (guests, a deleted member, quotes, relative dates, edits, encodings)."""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta

import pytest

from crawler.demosite import Forum
from crawler.demosite.model import WIB
from crawler.demosite.render import render_index, render_viewtopic
from crawler.extract.engines import (
    KnownThread,
    Page,
    ParseContext,
    detect_engine,
    engine_named,
    engine_names,
)
from crawler.extract.engines._vbulletin4_urls import page_number, vb_id
from crawler.extract.engines._vbulletin_common import date_order, parse_vb_date
from crawler.items import UnparsablePage
from tests.sites.vbulletin4 import Vbulletin4Server
from tests.sites.vbulletin4_pages import (
    render_forumdisplay,
    render_forumhome,
    render_showthread,
)
from tests.sites.vbulletin_data import (
    BOARD_NAMES,
    DELETED_MEMBER,
    EDIT_TEXT,
    sticky_ids,
    vb_forum,
)

BASE = "http://127.0.0.1:8765/forum/"
SID = "0123456789abcdef0123456789abcdef"
VB4 = engine_named("vbulletin4")


@pytest.fixture(scope="module")
def forum() -> Forum:
    return vb_forum()


@pytest.fixture(scope="module")
def now(forum: Forum) -> datetime:
    return forum.now + timedelta(minutes=1)


def context(now: datetime) -> ParseContext:
    return ParseContext(timezone="Asia/Jakarta", now=now)


def thread_page(forum: Forum, thread_id: int, page: int, now: datetime) -> Page:
    html = render_showthread(forum, forum.threads[thread_id], page, SID, now, BASE)
    suffix = f"&page={page}" if page > 1 else ""
    return Page(url=f"{BASE}showthread.php?t={thread_id}{suffix}&s={SID}", text=html)


def test_detects_vb4_pages_and_no_other_engine_claims_them(forum: Forum, now: datetime) -> None:
    home = Page(url=BASE, text=render_forumhome(forum, SID, BASE))
    thread = thread_page(forum, min(forum.threads), 1, now)
    for page in (home, thread):
        assert VB4.detect(page) == 'meta generator "vBulletin 4.2.5"'
        engine, reason = detect_engine(page)
        assert engine.name == "vbulletin" and reason.startswith("vBulletin 4:")
        others = [n for n in engine_names() if not n.startswith("vbulletin")]
        assert [n for n in others if engine_named(n).detect(page)] == []
        assert engine_named("vbulletin5").detect(page) is None
    # Without the generator meta (admins remove it) the markup still tells.
    bare = thread.text.replace('<meta name="generator" content="vBulletin 4.2.5" />', "")
    bare = bare.replace(' id="vbulletin_html"', "").replace('"425"', '"x"')
    assert "postcontainer" in (VB4.detect(Page(url=thread.url, text=bare)) or "")


def test_vb4_does_not_claim_phpbb_pages(forum: Forum, now: datetime) -> None:
    thread = next(iter(forum.threads.values()))
    for html in (render_index(forum, SID, now),
                 render_viewtopic(forum, thread, 0, SID, now, BASE)):
        page = Page(url=BASE, text=html)
        assert VB4.detect(page) is None
        assert engine_named("vbulletin").detect(page) is None


def test_forumhome_lists_every_forum_in_parameter_form(forum: Forum) -> None:
    html = render_forumhome(forum, SID, BASE)
    result = VB4.parse(Page(url=f"{BASE}forum.php?s={SID}", text=html), context(forum.now))
    assert result.kind == "index" and result.threads == []
    assert result.boards == [f"{BASE}forumdisplay.php?f={b.forum_id}" for b in forum.boards]


def test_forumdisplay_threads_signatures_stickies_and_next_page(forum: Forum,
                                                                now: datetime) -> None:
    board = forum.board(2)
    assert board is not None
    stickies = sticky_ids(forum)
    html = render_forumdisplay(forum, board, 1, SID, now, BASE, stickies)
    result = VB4.parse(Page(url=f"{BASE}forumdisplay.php?2-Politik&s={SID}", text=html),
                       context(now))
    assert result.kind == "board"
    assert result.next_url == f"{BASE}forumdisplay.php?f=2&page=2"
    assert result.boards == [f"{BASE}forumdisplay.php?f=3"]  # the subforum
    assert len(result.threads) == 21 and [t.sticky for t in result.threads].count(True) == 1
    first = result.threads[0]
    thread = forum.threads[int(first.native_id or 0)]
    assert first.sticky and thread.thread_id in stickies
    assert first.url == f"{BASE}showthread.php?t={thread.thread_id}"
    assert first.title == thread.title and first.container == board.name
    assert first.signature == f"{len(thread.posts) - 1}|{thread.posts[-1].post_id}"
    last = render_forumdisplay(forum, board, 2, SID, now, BASE, stickies)
    result = VB4.parse(Page(url=f"{BASE}forumdisplay.php?f=2&page=2", text=last), context(now))
    assert result.next_url is None and len(result.threads) == 27 - 20
    assert not any(t.sticky for t in result.threads)


def test_signature_changes_when_a_reply_arrives(now: datetime) -> None:
    forum = vb_forum()
    board = forum.board(4)
    assert board is not None

    def signatures() -> dict[str | None, str | None]:
        html = render_forumdisplay(forum, board, 1, SID, now, BASE, set())
        page = Page(url=f"{BASE}forumdisplay.php?f=4", text=html)
        return {t.native_id: t.signature for t in VB4.parse(page, context(now)).threads}

    before = signatures()
    thread = forum.topics(4)[-1]
    forum.add_post(thread.thread_id, "Balasan baru", published_at=now - timedelta(minutes=1))
    after = signatures()
    changed = [k for k in before if before[k] != after[k]]
    assert changed == [str(thread.thread_id)]


def test_showthread_posts_match_the_model(forum: Forum, now: datetime) -> None:
    thread = next(t for t in forum.threads.values() if len(t.posts) > 10 and t.forum_id == 2)
    result = VB4.parse(thread_page(forum, thread.thread_id, 2, now), context(now))
    assert result.kind == "thread"
    assert result.thread is not None
    assert result.thread.native_id == str(thread.thread_id)
    assert result.thread.title == thread.title
    assert result.thread.container == "Politik & Pilkada Kalteng"
    assert result.thread.url == f"{BASE}showthread.php?t={thread.thread_id}"
    pages = -(-len(thread.posts) // 10)
    assert result.next_url == (f"{BASE}showthread.php?page=3&t={thread.thread_id}"
                               if pages > 2 else None)
    truth = {r.native_id: r for r in forum.truth()}
    assert [p.position for p in result.posts] == list(range(11, 11 + len(result.posts)))
    for post in result.posts:
        row = truth[post.native_id]
        assert (post.author_name, post.author_id, post.published_at, post.body_text,
                tuple(post.quoted_native_ids)) == (row.author_name, row.author_id,
                                                   row.published_at, row.body_text,
                                                   row.quoted_native_ids)
        assert post.url == f"{BASE}showthread.php?p={post.native_id}"
        assert post.author_url == (None if row.author_id is None
                                   else f"{BASE}member.php?u={row.author_id}")
        assert post.raw and post.raw.startswith("<li")


def _post_where(forum: Forum, check: object) -> tuple[int, int]:
    for thread in forum.threads.values():
        for index, post in enumerate(thread.posts):
            if callable(check) and check(post):
                return thread.thread_id, index
    raise AssertionError("no such post in the fixture")


@pytest.mark.parametrize("case", ["guest", "deleted", "quote", "today", "yesterday", "edited"])
def test_special_posts(forum: Forum, now: datetime, case: str) -> None:
    checks = {
        "guest": lambda p: p.author_id is None and p.author_name != DELETED_MEMBER,
        "deleted": lambda p: p.author_name == DELETED_MEMBER,
        "quote": lambda p: len(p.quoted_ids) == 2,
        "today": lambda p: p.published_at.date() == forum.now.date(),
        "yesterday": lambda p: p.published_at.date() == (forum.now - timedelta(days=1)).date(),
        "edited": lambda p: p.edited_at is not None,
    }
    thread_id, index = _post_where(forum, checks[case])
    page = thread_page(forum, thread_id, index // 10 + 1, now)
    model = forum.threads[thread_id].posts[index]
    if case == "today":
        assert "Hari ini,&nbsp;" in page.text
    if case == "yesterday":
        assert "Kemarin,&nbsp;" in page.text
    post = next(p for p in VB4.parse(page, context(now)).posts
                if p.native_id == str(model.post_id))
    row = next(r for r in forum.truth() if r.native_id == post.native_id)
    assert post.published_at == row.published_at
    assert (post.author_name, post.author_id) == (row.author_name, row.author_id)
    assert post.quoted_native_ids == list(row.quoted_native_ids)
    assert post.body_text == row.body_text
    assert post.edited_at == row.edited_at
    if case == "quote":
        assert len(post.quoted_text) == 2 and all(post.quoted_text)
    if case == "edited":
        assert EDIT_TEXT in post.body_text


def test_smilies_become_their_codes_not_media(forum: Forum, now: datetime) -> None:
    thread_id, index = _post_where(forum, lambda p: " :)" in p.own_text)
    page = thread_page(forum, thread_id, index // 10 + 1, now)
    assert 'src="images/smilies/smile.png"' in page.text
    post = VB4.parse(page, context(now)).posts[index % 10]
    assert ":)" in post.body_text and not any("smilies" in m["url"] for m in post.media)


def test_server_encodings_decode_right(forum: Forum) -> None:
    """windows-1252 with the charset in the header, in the meta tag only, and a UTF-8 page
    whose header contradicts its ISO-8859-1 meta tag."""
    edited = next(p for p in forum.all_posts() if p.edited_at is not None)
    with Vbulletin4Server(forum) as server:
        for path in (f"showthread.php?p={edited.post_id}", "forumdisplay.php?f=5",
                     f"showthread.php?t={next(t for t in forum.threads if t % 5 == 0)}"):
            with urllib.request.urlopen(server.url + path) as response:
                page = Page.from_bytes(response.geturl(), response.read(), dict(response.headers))
            if path.startswith("forumdisplay"):
                assert response.headers["Content-Type"] == "text/html"
                assert page.selector.css("#pagetitle .forumtitle::text").get() == (
                    BOARD_NAMES[5])
            elif path.endswith(str(edited.post_id)):
                assert "&#128512;" in page.text or "😀" in page.text
                post = next(p for p in VB4.parse(page, context(forum.now)).posts
                            if p.native_id == str(edited.post_id))
                assert post.body_text.endswith(EDIT_TEXT)
            else:
                assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
                assert "charset=ISO-8859-1" in page.text and "\ufffd" not in page.text


def test_thread_page_without_posts_is_unparsable(forum: Forum, now: datetime) -> None:
    page = thread_page(forum, min(forum.threads), 1, now)
    start, end = page.text.index('<ol id="posts"'), page.text.index("</ol>", page.text.index(
        '<ol id="posts"'))
    broken = Page(url=page.url, text=page.text[:start] + page.text[end:])
    with pytest.raises(UnparsablePage):
        VB4.parse(broken, context(now))


@pytest.mark.parametrize(("url", "kind", "expected", "page"), [
    ("http://h/f/showthread.php?t=15&page=3&s=ab", "thread", "15", 3),
    ("http://h/f/showthread.php?15-Judul-topik/page2&s=ab", "thread", "15", 2),
    ("http://h/f/showthread.php?15-Judul-topik%2Fpage4=", "thread", "15", 4),
    ("http://h/f/showthread.php/15-Judul-topik/page2", "thread", "15", 2),
    ("http://h/f/threads/15-Judul-topik/page5", "thread", "15", 5),
    ("http://h/f/threads/15", "thread", "15", 1),
    ("http://h/f/showthread.php?p=123#post123", "thread", None, 1),
    ("http://h/f/forumdisplay.php?2-Politik/page2&s=x", "forum", "2", 2),
    ("http://h/f/forums/2-Politik", "forum", "2", 1),
    ("http://h/f/member.php?u=7&s=x", "member", "7", 1),
    ("http://h/f/member.php?7-budi", "member", "7", 1),
    ("../../members/879-Primo-Giotto/", "member", "879", 1),
])
def test_url_forms(url: str, kind: str, expected: str | None, page: int) -> None:
    assert vb_id(url, kind) == expected
    assert page_number(url) == page


def test_resume_url_rebuilds_the_parameter_form() -> None:
    known = KnownThread(native_id="15", url=f"{BASE}showthread.php?t=15", signature="3|9",
                        post_count=25, last_page_url=f"{BASE}showthread.php?15-Judul%2Fpage3=",
                        last_page_position=21)
    assert VB4.resume_url(known) == f"{BASE}showthread.php?page=3&t=15"
    assert engine_named("vbulletin").resume_url(known) == f"{BASE}showthread.php?page=3&t=15"


def test_zone_of_parsed_dates(forum: Forum, now: datetime) -> None:
    posts = VB4.parse(thread_page(forum, min(forum.threads), 1, now), context(now)).posts
    assert all(p.published_at is not None and p.published_at.utcoffset() == timedelta(hours=7)
               for p in posts)


# The other vB4 postbit layout ("postbit": user info above the message), an English board
# with mod_rewrite friendly URLs, a date format without time, and a code box.
POSTBIT_PAGE = """<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="en" id="vbulletin_html">
<head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1" />
<base href="https://forum.example.org/" /><!--[if IE]></base><![endif]--></head><body>
<div id="breadcrumb" class="breadcrumb"><ul class="floatcontainer">
<li class="navbithome"><a href="index.php?s=abc" accesskey="1"><img src="h.png" alt="Home" /></a></li>
<li class="navbit"><a href="forum.php?s=abc">Forum</a></li>
<li class="navbit"><a href="forums/39-Programming-Talk?s=abc">Programming Talk</a></li>
<li class="navbit lastnavbit"><span>Python docs</span></li></ul></div>
<div id="pagination_top" class="pagination_top">
<form action="threads/77-Python-docs/page2" method="get" class="pagination popupmenu nohovermenu">
<span><a href="javascript://" class="popupctrl">Page 1 of 2</a></span>
<span class="selected"><a href="javascript://" title="Results 1 to 10 of 11">1</a></span>
<span><a href="threads/77-Python-docs/page2" title="Show results 11 to 11 of 11">2</a></span>
<span class="prev_next"><a rel="next" href="threads/77-Python-docs/page2"><img src="n.png" alt="Next" /></a></span>
</form></div>
<div id="pagetitle" class="pagetitle"><h1>Thread: <span class="threadtitle">
<a href="threads/77-Python-docs" title="Reload this Page">Python docs</a></span></h1></div>
<div id="postlist" class="postlist restrain"><ol id="posts" class="posts" start="1">
<li class="postbit postbitim postcontainer old" id="post_901">
 <div class="postdetails_noavatar"><div class="posthead">
  <span class="postdate old"><span class="date">December 25th, 2009</span></span>
  <span class="nodecontrols"><a name="post901" href="threads/77-Python-docs?p=901#post901"
   class="postcounter">#1</a><a id="postcount901" name="1"></a></span></div>
  <div class="userinfo_noavatar"><div class="contact"><div class="username_container">
   <div class="popupmenu memberaction"><a class="username offline popupctrl"
    href="members/331-brother" title="brother is offline"><strong><span
    style="color: #000000;">brother</span></strong></a></div></div></div></div></div>
 <div class="postbody"><div class="postrow"><h2 class="posttitle icon">Python docs</h2>
  <div class="content"><div id="post_message_901"><blockquote class="postcontent restore">
   Hello,<br />
<br />
Is there a way?<br />
<div class="bbcode_container">
	<div class="bbcode_description">Code:</div>
	<pre class="bbcode_code" style="height:36px;">man python</pre>
</div>Thanks <img src="images/smilies/biggrin.png" border="0" alt="" title="Big Grin" class="inlineimg" />
  </blockquote></div></div></div>
  <blockquote class="postcontent lastedited">Last edited by brother; December 25th, 2009 at
   <span class="time">01:51 PM</span>.</blockquote></div>
</li>
<li class="postbit postbitim postcontainer old" id="post_905">
 <div class="postdetails_noavatar"><div class="posthead">
  <span class="postdate old"><span class="date">Yesterday,&nbsp;<span class="time">07:07 PM</span></span></span>
  <span class="nodecontrols"><a name="post905" href="threads/77-Python-docs?p=905#post905"
   class="postcounter">#2</a></span></div>
  <div class="userinfo_noavatar"><div class="contact"><div class="username_container">
   <span class="username guest">visitor</span></div></div></div></div>
 <div class="postbody"><div class="postrow"><div class="content"><div id="post_message_905">
  <blockquote class="postcontent restore"><div class="bbcode_container">
	<div class="bbcode_quote">
		<div class="quote_container">
			<div class="bbcode_quote_container"></div>
			<div class="bbcode_postedby">
				<img src="images/misc/quote_icon.png" alt="Quote" /> Originally Posted by <strong>brother</strong>
				<a href="threads/77-Python-docs?p=901#post901" rel="nofollow"><img class="inlineimg" src="viewpost-right.png" alt="View Post" /></a>
			</div>
			<div class="message">Is there a way?</div>
		</div>
	</div>
</div>Try <a href="http://docs.python.org/" target="_blank" rel="nofollow">the docs</a>.
  </blockquote></div></div></div>
  <blockquote class="signature restore"><div class="signaturecontainer">Debian Stable</div></blockquote></div>
</li></ol></div></body></html>"""  # noqa: E501


def test_postbit_layout_english_dates_and_rewritten_urls() -> None:
    now = datetime(2024, 3, 18, 9, 0, tzinfo=WIB)
    page = Page.from_bytes("https://forum.example.org/threads/77-Python-docs",
                           POSTBIT_PAGE.encode("cp1252"), {"Content-Type": "text/html"})
    assert VB4.detect(page) == "html id vbulletin_html"
    result = VB4.parse(page, ParseContext(timezone="Asia/Jakarta", now=now))
    assert result.thread is not None
    assert (result.thread.native_id, result.thread.title, result.thread.container,
            result.thread.url) == ("77", "Python docs", "Programming Talk",
                                   "https://forum.example.org/showthread.php?t=77")
    assert result.next_url == "https://forum.example.org/showthread.php?page=2&t=77"
    first, second = result.posts
    assert (first.native_id, first.position, first.author_name, first.author_id) == (
        "901", 1, "brother", "331")
    assert first.author_url == "https://forum.example.org/member.php?u=331"
    assert first.published_at == datetime(2009, 12, 25, tzinfo=WIB)
    assert first.edited_at == datetime(2009, 12, 25, 13, 51, tzinfo=WIB)
    assert first.body_text == "Hello,\n\nIs there a way?\nman python\nThanks :D"
    assert first.title == "Python docs" and first.media == []
    assert (second.native_id, second.position, second.author_name, second.author_id) == (
        "905", 2, "visitor", None)
    assert second.published_at == datetime(2024, 3, 17, 19, 7, tzinfo=WIB)
    assert second.quoted_native_ids == ["901"] and second.quoted_text == ["Is there a way?"]
    assert second.body_text == "Try the docs." and second.links == ["http://docs.python.org/"]


@pytest.mark.parametrize(("text", "order", "language", "expected"), [
    ("Hari ini, 10:05", "DMY", "id", datetime(2024, 3, 19, 10, 5)),
    ("Kemarin, 21:40", "DMY", "id", datetime(2024, 3, 18, 21, 40)),
    ("2 jam yang lalu", "DMY", "id", datetime(2024, 3, 19, 10, 0)),
    ("15 Menit Yang Lalu", "DMY", "id", datetime(2024, 3, 19, 11, 45)),
    ("18-03-2024,\xa010:05", "DMY", "id", datetime(2024, 3, 18, 10, 5)),
    ("03-18-2024, 10:05 PM", "MDY", "en", datetime(2024, 3, 18, 22, 5)),
    ("Yesterday, 12:40 AM", "MDY", "en", datetime(2024, 3, 18, 0, 40)),
    ("March 18th, 2024, 10:05", "MDY", "en", datetime(2024, 3, 18, 10, 5)),
    ("18.03.2024, 10:05", "DMY", "de", datetime(2024, 3, 18, 10, 5)),
    ("Hari ini pada 11:05", "DMY", "id", datetime(2024, 3, 19, 11, 5)),
])
def test_vb_dates(text: str, order: str, language: str, expected: datetime) -> None:
    now = datetime(2024, 3, 19, 12, 0, tzinfo=WIB)
    assert parse_vb_date(text, order, language, "Asia/Jakarta", now) == expected.replace(
        tzinfo=WIB)


@pytest.mark.parametrize(("dates", "language", "expected"), [
    (["18-03-2024, 10:05", "01-04-2024, 10:05"], "en", "DMY"),  # a day over 12
    (["03-18-2024, 10:05"], "id", "MDY"),
    (["01-04-2024", "01-05-2024", "02-04-2024"], "id", "MDY"),  # forwards only as m-d-Y
    (["01-04-2024", "01-05-2024", "01-06-2024"], "id", "MDY"),  # days apart, not months
    (["04-01-2024", "05-01-2024", "06-01-2024"], "en", "DMY"),
    (["01-02-2024"], "id", "DMY"), (["01-02-2024"], "en", "MDY"), ([], None, "MDY"),
])
def test_date_order(dates: list[str], language: str | None, expected: str) -> None:
    assert date_order(dates, language) == expected
