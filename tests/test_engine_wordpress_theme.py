"""The WordPress adapter on theme pages: Twenty Twenty-One, Twenty Twenty-Four, core's
comment walkers (lists, single posts, comment pages, threaded comments, dates as shown)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.demosite import build_forum
from crawler.demosite.model import QuoteRef
from crawler.extract.engines import Page, ParseContext
from crawler.extract.engines.wordpress import ENGINE
from tests.sites.wordpress import WordPressServer, fetch, find, paged
from tests.sites.wordpress_blog import own_text

WIB = ZoneInfo("Asia/Jakarta")
CONTEXT = ParseContext(timezone="Asia/Jakarta")


@pytest.mark.parametrize("theme", ["twentytwentyone", "twentytwentyfour"])
def test_home_page_lists_posts_with_paging(theme: str) -> None:
    with WordPressServer(build_forum(), theme=theme, rest=False) as server:
        blog = server.blog()
        first = ENGINE.parse(fetch(server.url), CONTEXT)
        second = ENGINE.parse(fetch(f"{server.url}page/2/"), CONTEXT)
        last = ENGINE.parse(fetch(f"{server.url}page/7/"), CONTEXT)
    order = blog.newest_first()
    assert first.kind == "board"
    assert [t.native_id for t in first.threads] == ["11"] + [
        str(a.post_id) for a in order[:10] if a.post_id != 11]
    assert first.threads[0].sticky and not any(t.sticky for t in second.threads)
    assert first.next_url == f"{server.url}page/2/"
    assert second.next_url == f"{server.url}page/3/"
    assert last.next_url is None
    link = second.threads[0]
    assert link.url == f"{server.url}{order[10].path}"
    assert (link.title, link.container) == (order[10].title, order[10].categories[0].name)


@pytest.mark.parametrize("theme", ["twentytwentyone", "twentytwentyfour"])
def test_single_post_pages_newest_comment_page_first(theme: str) -> None:
    with WordPressServer(build_forum(), theme=theme, rest=False) as server:
        blog = server.blog()
        article = paged(blog)
        permalink = f"{server.url}{article.path}"
        landing = ENGINE.parse(fetch(permalink), CONTEXT)
        page1 = ENGINE.parse(fetch(f"{permalink}comment-page-1/"), CONTEXT)
        page2 = ENGINE.parse(fetch(f"{permalink}comment-page-2/"), CONTEXT)
    # The post's URL shows the newest comments: take the post, then pages 1 and 2 in order.
    assert [p.kind for p in landing.posts] == ["article"]
    assert landing.next_url == f"{permalink}comment-page-1/"
    assert page1.next_url == f"{permalink}comment-page-2/"
    assert page2.next_url is None
    shown = [p.native_id for p in page1.posts + page2.posts]
    assert shown == [str(c.comment_id) for c in article.display_order()]
    article_post = landing.posts[0]
    assert article_post.native_id == str(article.post_id) and article_post.position == 1
    assert (article_post.author_name, article_post.author_id) == (
        article.author.name, article.author.nicename)
    assert article_post.published_at == article.date
    assert article_post.body_text == own_text(article.segments)
    assert landing.thread is not None and page2.thread is not None
    assert landing.thread.url == page2.thread.url == permalink
    assert page2.thread.title == article.title
    assert page2.thread.container == article.categories[0].name


def test_single_post_oldest_comment_page_first() -> None:
    with WordPressServer(build_forum(), rest=False, newest_first=False) as server:
        article = paged(server.blog())
        landing = ENGINE.parse(fetch(f"{server.url}{article.path}"), CONTEXT)
    assert landing.posts[0].kind == "article"
    assert [p.native_id for p in landing.posts[1:]] == [
        str(c.comment_id) for c in article.display_order() if c.page == 1]
    assert landing.next_url == f"{server.url}{article.path}comment-page-2/"


@pytest.mark.parametrize("theme", ["twentytwentyone", "twentytwentyfour"])
def test_theme_comments_guests_deleted_accounts_quotes(theme: str) -> None:
    with WordPressServer(build_forum(), theme=theme, rest=False,
                         newest_first=False) as server:
        blog = server.blog()
        checked = 0
        for test in (lambda c: c.author.user_id is None and c.author.url,
                     lambda c: c.author.user_id is None and not c.author.url,
                     lambda c: c.author.deleted,
                     lambda c: c.author.user_id is not None and not c.author.deleted,
                     lambda c: c.depth >= 3,
                     lambda c: any(isinstance(s, QuoteRef) for s in c.segments)):
            article, comment = find(blog, test)
            url = f"{server.url}{article.path}"
            if comment.page > 1:
                url += f"comment-page-{comment.page}/"
            result = ENGINE.parse(fetch(url), CONTEXT)
            post = next(p for p in result.posts if p.native_id == str(comment.comment_id))
            author = comment.author
            member = author.nicename if author.user_id and not author.deleted else None
            assert (post.author_name, post.author_id) == (author.name, member)
            assert post.author_url == (author.url or None)
            assert post.published_at == comment.date
            assert post.parent_native_id == str(comment.parent or article.post_id)
            assert post.body_text == own_text(comment.segments)
            assert post.quoted_native_ids == [blog.quoted_id(article, s)[0]
                                              for s in comment.segments
                                              if isinstance(s, QuoteRef)]
            checked += 1
    assert checked == 6


def test_theme_dates_without_datetime_attributes_are_read_as_shown() -> None:
    now = datetime.now(WIB).replace(second=0, microsecond=0)
    forum = build_forum(now=now)
    thread = next(t for t in forum.threads.values() if 3 < len(t.posts) < 20)
    recent = forum.add_post(thread.thread_id, "Baru saja terjadi.",
                            published_at=now - timedelta(hours=2))
    context = ParseContext(timezone="Asia/Jakarta", now=now)
    for theme, shown in (("twentytwentyone", "pukul"), ("twentytwentyfour", "2 jam yang lalu")):
        with WordPressServer(forum, theme=theme, rest=False) as server:
            article = server.blog().articles[thread.thread_id]
            page = fetch(f"{server.url}{article.path}")
        assert shown in page.text
        bare = re.sub(r'(<time[^>]*?) datetime="[^"]*"', r"\1", page.text)
        assert "datetime=" not in bare
        by_id = {p.native_id: p for p in ENGINE.parse(Page(page.url, bare), context).posts}
        assert by_id[str(recent.post_id)].published_at == recent.published_at
        # The post shows its day only ("18 Maret 2024").
        assert by_id[str(thread.thread_id)].published_at == article.date.replace(hour=0,
                                                                                   minute=0)
        if theme == "twentytwentyone":  # "18 Maret 2024 pukul 10:05"
            first = article.display_order()[0]
            assert by_id[str(first.comment_id)].published_at == first.date


def test_rest_off_answers_rest_no_route_in_both_spellings() -> None:
    with WordPressServer(build_forum(), rest=False) as server:
        for url in (ENGINE.start_url(server.url),
                    f"{server.url}?rest_route=/wp/v2/posts&per_page=100"):
            page = fetch(url)
            assert page.status == 404
            assert page.data["code"] == "rest_no_route"
        assert 'rel="https://api.w.org/"' not in fetch(server.url).text
        redirected = fetch(f"{server.url}?p=11")
    assert ENGINE.parse(redirected, CONTEXT).posts[0].native_id == "11"


LEGACY = """<!DOCTYPE html><html lang="id-ID"><head>
<meta name="generator" content="WordPress 4.9.8" />
<link rel="canonical" href="https://blog.example.id/2019/05/02/banjir-sampit/" />
</head><body class="post-template-default single single-post postid-9 single-format-standard">
<div id="post-9" class="post-9 post type-post status-publish hentry category-berita">
<h1 class="entry-title">Banjir di Sampit</h1>
<div class="entry-meta"><span class="posted-on">2 Mei 2019</span>
<span class="byline">oleh <span class="author vcard"><a class="url fn n"
 href="https://blog.example.id/author/redaksi/">Redaksi</a></span></span></div>
<div class="entry-content"><p>Air naik sejak pagi.</p>
<blockquote class="wp-block-quote" cite="https://berita.example.com/?p=77"><p>Debit sungai
 naik.</p><cite><a href="https://berita.example.com/?p=77">Berita</a></cite></blockquote>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Bagikan ini:</h3></div>
</div>
<span class="cat-links"><a href="https://blog.example.id/category/berita/"
 rel="category tag">Berita</a></span>
</div>
<div id="comments" class="comments-area"><ol class="commentlist">
<li class="comment even thread-even depth-1 parent" id="comment-5">
<div id="div-comment-5" class="comment-body">
<div class="comment-author vcard"><img alt='' src='https://secure.gravatar.com/avatar/x'
 class='avatar avatar-32 photo' /> <cite class="fn">Warga Baamang</cite>
 <span class="says">berkata:</span></div>
<div class="comment-meta commentmetadata"><a
 href="https://blog.example.id/2019/05/02/banjir-sampit/#comment-5">2 Mei 2019 pukul 10:05</a>
</div>
<p>Di Baamang juga tergenang.</p>
<p>Mohon bantuannya.</p>
<div class="reply"><a rel='nofollow' class='comment-reply-link' href='#'>Balas</a></div>
</div>
<ul class="children">
<li class="comment byuser comment-author-siti-sampit odd alt depth-2" id="comment-6">
<div id="div-comment-6" class="comment-body">
<div class="comment-author vcard"><cite class="fn"><a href='https://siti.example.id'
 rel='external nofollow ugc' class='url'>Siti</a></cite> <span class="says">berkata:</span>
</div>
<div class="comment-meta commentmetadata"><a
 href="https://blog.example.id/2019/05/02/banjir-sampit/#comment-6">2 jam yang lalu</a></div>
<blockquote cite="https://blog.example.id/2019/05/02/banjir-sampit/#comment-5"><p>Di Baamang
 juga tergenang.</p></blockquote>
<p>Tim relawan sudah berangkat.</p>
</div>
</li>
</ul>
</li>
<li class="pingback even thread-odd depth-1" id="comment-7"><div class="comment-body">
Pingback: <a href='https://lain.example.id/' rel='external nofollow ugc' class='url'>Lain</a>
</div></li>
</ol></div>
</body></html>"""


def test_old_comment_walker_and_wrapped_comments() -> None:
    """Core's pre-html5 walker: no time element, the text right in div.comment-body; replies
    in ul.children; pingbacks are no comments (the API leaves them out too)."""
    now = datetime(2024, 3, 18, 12, 0, tzinfo=WIB)
    context = ParseContext(timezone="Asia/Jakarta", now=now)
    url = "https://blog.example.id/2019/05/02/banjir-sampit/"
    result = ENGINE.parse(Page(url, LEGACY), context)
    article, first, reply = result.posts
    assert (article.native_id, article.title, article.container) == ("9", "Banjir di Sampit",
                                                                     "Berita")
    assert (article.author_name, article.author_id) == ("Redaksi", "redaksi")
    assert article.body_text == "Air naik sejak pagi."  # Jetpack's sharing box left out
    # A quote of another site's article names no post of this blog.
    assert (article.quoted_native_ids, article.quoted_text) == ([], ["Debit sungai naik."])
    assert article.published_at == datetime(2019, 5, 2, tzinfo=WIB)
    assert (first.native_id, first.author_name, first.author_id) == ("5", "Warga Baamang", None)
    assert first.body_text == "Di Baamang juga tergenang.\n\nMohon bantuannya."
    assert first.published_at == datetime(2019, 5, 2, 10, 5, tzinfo=WIB)
    assert first.parent_native_id == "9"
    assert (reply.native_id, reply.author_id, reply.parent_native_id) == ("6", "siti-sampit", "5")
    assert reply.author_url == "https://siti.example.id/"
    assert reply.quoted_native_ids == ["5"]
    assert reply.body_text == "Tim relawan sudah berangkat."
    assert "Tim relawan" not in (first.raw or "")  # a comment's raw markup is its own
    assert reply.published_at == now - timedelta(hours=2)
    assert result.thread is not None and result.thread.url == url

    # A theme that wraps each comment (li#li-comment-N > article#comment-N, Astra and others).
    wrapped = re.sub(r'<li class="([^"]*)" id="comment-(\d+)">\s*<div id="div-comment-\d+" '
                     r'class="comment-body">',
                     r'<li class="\1" id="li-comment-\2"><article id="comment-\2" '
                     r'class="comment-body">', LEGACY)
    wrapped = wrapped.replace("</div>\n<ul class=\"children\">", "</article>\n<ul class=\""
                              "children\">").replace("</div>\n</li>\n</ul>", "</article>\n"
                                                     "</li>\n</ul>")
    posts = ENGINE.parse(Page(url, wrapped), context).posts
    assert [(p.native_id, p.parent_native_id, p.author_id) for p in posts] == [
        ("9", None, "redaksi"), ("5", "9", None), ("6", "5", "siti-sampit")]
    assert [p.body_text for p in posts[1:]] == [first.body_text, reply.body_text]
