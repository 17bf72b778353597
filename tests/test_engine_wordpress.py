"""The WordPress adapter: detection, start and fallback URLs, the REST API's responses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.demosite import build_forum
from crawler.demosite.model import QuoteRef
from crawler.extract.engines import KnownThread, Page, ParseContext, detect_engine, engine_named
from crawler.extract.engines.wordpress import ENGINE
from crawler.items import UnparsablePage
from tests.sites.wordpress import WordPressServer, fetch, paged, quoting
from tests.sites.wordpress_blog import Blog, own_text

WIB = ZoneInfo("Asia/Jakarta")
CONTEXT = ParseContext(timezone="Asia/Jakarta")


@pytest.fixture(scope="module")
def site() -> Iterator[WordPressServer]:
    with WordPressServer(build_forum()) as server:
        yield server


@pytest.fixture(scope="module")
def blog(site: WordPressServer) -> Blog:
    return site.blog()


# -- detection -----------------------------------------------------------------------------


def test_detects_theme_pages_and_no_other_engine_claims_them(site: WordPressServer,
                                                            blog: Blog) -> None:
    for url in (site.url, f"{site.url}page/2/", f"{site.url}{paged(blog).path}"):
        engine, reason = detect_engine(fetch(url))
        assert engine.name == "wordpress", url
        assert reason == 'meta generator "WordPress 6.4.3"'
    bare = fetch(site.url).text.replace('<meta name="generator" content="WordPress 6.4.3" />', "")
    assert ENGINE.detect(Page(site.url, bare)) == 'link rel="https://api.w.org/"'
    assets_only = re.sub(r'<link rel="https://api.w.org/"[^>]*>', "", bare)
    assert ENGINE.detect(Page(site.url, assets_only)) == (
        "assets under /wp-content/ or /wp-includes/")


def test_detects_rest_json_shapes(site: WordPressServer, blog: Blog) -> None:
    article = paged(blog)
    assert "post JSON" in (ENGINE.detect(fetch(ENGINE.start_url(site.url))) or "")
    assert "post JSON" in (ENGINE.detect(fetch(f"{site.url}wp-json/wp/v2/posts/{article.post_id}"))
                           or "")
    comments = fetch(f"{site.url}wp-json/wp/v2/comments?post={article.post_id}")
    assert "comment JSON" in (ENGINE.detect(comments) or "")
    assert "wp/v2" in (ENGINE.detect(fetch(f"{site.url}wp-json/")) or "")
    error = fetch(f"{site.url}wp-json/wp/v2/nothing")
    assert ENGINE.detect(error) == 'REST API error "rest_no_route"'
    assert ENGINE.detect(Page("http://x/t/5.json", '{"post_stream": {"posts": []}}')) is None


def test_other_engines_pages_are_not_wordpress(real_fixtures: Path) -> None:
    pages = [p for p in sorted(real_fixtures.rglob("*")) if p.suffix in {".html", ".json"}]
    assert pages
    for path in pages:
        page = Page.from_bytes(f"https://example.org/{path.name}", path.read_bytes())
        assert ENGINE.detect(page) is None, path


# -- URLs ----------------------------------------------------------------------------------


def test_start_url_maps_a_site_to_its_posts_and_keeps_pages() -> None:
    expected = ("https://warga.example.id/wp-json/wp/v2/posts?_embed=author%2Cwp%3Aterm%2Creplies"
                "&page=1&per_page=100")
    assert ENGINE.start_url("https://warga.example.id") == expected
    assert ENGINE.start_url("https://warga.example.id/index.php") == expected
    assert ENGINE.start_url("https://kab.example.id/berita/").startswith(
        "https://kab.example.id/berita/wp-json/wp/v2/posts?")
    for kept in ("https://w.example.id/category/pilkada/", "https://w.example.id/?p=12",
                 "https://w.example.id/2024/03/18/judul/", "https://w.example.id/page/3/",
                 "https://w.example.id/wp-json/wp/v2/posts?per_page=20"):
        assert ENGINE.start_url(kept) == kept
    assert ENGINE.start_url("https://w.example.id/wp-json/").startswith(
        "https://w.example.id/wp-json/wp/v2/posts?")


def test_fallback_goes_from_wp_json_to_rest_route_to_the_theme() -> None:
    listing = ENGINE.start_url("https://w.example.id/")
    plain = ENGINE.fallback_url(listing, 404)
    assert plain == ("https://w.example.id/?_embed=author%2Cwp%3Aterm%2Creplies&page=1"
                     "&per_page=100&rest_route=%2Fwp%2Fv2%2Fposts")
    assert ENGINE.fallback_url(plain or "", 404) == "https://w.example.id/"
    assert ENGINE.fallback_url(listing, 401) == "https://w.example.id/"
    post = "https://w.example.id/wp-json/wp/v2/posts/12?_embed=author"
    assert ENGINE.fallback_url(post, 403) == "https://w.example.id/?p=12"
    comments = "https://w.example.id/?rest_route=/wp/v2/comments&post=12&page=2"
    assert ENGINE.fallback_url(comments, 404) is None
    assert ENGINE.fallback_url(listing, 500) is None
    assert ENGINE.fallback_url("https://w.example.id/2024/03/18/judul/", 404) is None


def test_changed_threads_are_fetched_whole() -> None:
    known = KnownThread("12", "https://w.example.id/wp-json/wp/v2/posts/12", "s", 60,
                        "https://w.example.id/wp-json/wp/v2/comments?post=12&page=1", 2, "99")
    assert ENGINE.resume_url(known) is None
    assert engine_named("wordpress") is ENGINE
    assert ENGINE.has_reply_to and not ENGINE.lists_by_activity


# -- REST API ------------------------------------------------------------------------------


def test_rest_posts_list_gives_every_thread_with_signature(site: WordPressServer,
                                                           blog: Blog) -> None:
    result = ENGINE.parse(fetch(ENGINE.start_url(site.url)), CONTEXT)
    assert result.kind == "board"
    assert result.next_url is None
    assert [t.native_id for t in result.threads] == [str(a.post_id) for a in blog.newest_first()]
    first = result.threads[0]
    article = blog.articles[int(first.native_id or 0)]
    assert first.url == (f"{site.url}wp-json/wp/v2/posts/{article.post_id}"
                         "?_embed=author%2Cwp%3Aterm%2Creplies")
    assert first.title == article.title
    newest = max((c.comment_id for c in article.comments), default=0)
    assert first.signature == (f"{article.modified.astimezone(ZoneInfo('UTC')):%Y-%m-%dT%H:%M:%S}"
                               f"|{min(10, len(article.comments))}|{newest}")
    sticky = [t.native_id for t in result.threads if t.sticky]
    assert sticky == ["11"]
    containers = {t.container for t in result.threads}
    assert "Politik & Pilkada Kalteng" in containers  # the API sends "Politik &amp; ..."
    sub = next(t for t in result.threads if t.container == "Pilkada Kabupaten")
    assert [c.name for c in blog.articles[int(sub.native_id or 0)].categories] == [
        "Pilkada Kabupaten", "Politik & Pilkada Kalteng"]  # the first category by name


def test_rest_collections_page_by_link_header_or_total_pages(site: WordPressServer) -> None:
    page = fetch(f"{site.url}wp-json/wp/v2/posts?per_page=20&page=2&_embed=author,wp:term")
    result = ENGINE.parse(page, CONTEXT)
    assert len(result.threads) == 20
    assert result.next_url == (f"{site.url}wp-json/wp/v2/posts?_embed=author%2Cwp%3Aterm"
                               "&page=3&per_page=20")
    page.headers.pop("link")
    assert ENGINE.parse(page, CONTEXT).next_url == result.next_url
    last = fetch(f"{site.url}wp-json/wp/v2/posts?per_page=20&page=4")
    assert ENGINE.parse(last, CONTEXT).next_url is None


def test_rest_post_is_the_article_and_leads_to_its_comments(site: WordPressServer,
                                                            blog: Blog) -> None:
    article = paged(blog)
    result = ENGINE.parse(fetch(f"{site.url}wp-json/wp/v2/posts/{article.post_id}"
                                "?_embed=author,wp:term,replies"), CONTEXT)
    assert result.kind == "thread"
    [post] = result.posts
    assert (post.native_id, post.kind, post.position, post.parent_native_id) == (
        str(article.post_id), "article", 1, None)
    assert (post.author_name, post.author_id) == (article.author.name,
                                                  str(article.author.user_id))
    assert post.author_url == f"{site.url}author/{article.author.nicename}/"
    assert post.published_at == article.date and post.published_at.tzinfo is not None
    assert post.edited_at is None
    assert post.body_text == own_text(article.segments)
    assert post.container == article.categories[0].name
    assert post.url == f"{site.url}{article.path}"
    assert result.thread is not None and result.thread.title == article.title
    assert result.next_url == (f"{site.url}wp-json/wp/v2/comments?order=asc&page=1"
                               f"&per_page=100&post={article.post_id}")


def test_rest_post_without_comments_is_a_whole_thread(site: WordPressServer,
                                                      blog: Blog) -> None:
    single = next(a for a in blog.newest_first() if not a.comments)
    result = ENGINE.parse(fetch(f"{site.url}wp-json/wp/v2/posts/{single.post_id}"
                                "?_embed=author,wp:term,replies"), CONTEXT)
    assert len(result.posts) == 1
    assert result.next_url is None


def test_rest_edited_article_has_edited_at() -> None:
    forum = build_forum()
    thread = next(iter(forum.threads.values()))
    edited = forum.edit_post(thread.posts[0].post_id, "Isi baru setelah koreksi.")
    with WordPressServer(forum) as server:
        result = ENGINE.parse(fetch(f"{server.url}wp-json/wp/v2/posts/{thread.thread_id}"),
                              CONTEXT)
    assert result.posts[0].edited_at == edited.edited_at
    assert result.posts[0].body_text.endswith("Isi baru setelah koreksi.")


def test_rest_comments_come_threaded_with_parents_quotes_and_authors(site: WordPressServer,
                                                                      blog: Blog) -> None:
    article = paged(blog)
    page = fetch(f"{site.url}wp-json/wp/v2/comments?post={article.post_id}&per_page=100"
                 "&order=asc")
    result = ENGINE.parse(page, CONTEXT)
    assert result.next_url is None
    assert [p.native_id for p in result.posts] == [
        str(c.comment_id) for c in article.display_order()]
    by_id = {p.native_id: p for p in result.posts}
    for comment in article.comments:
        post = by_id[str(comment.comment_id)]
        assert post.kind == "comment"
        assert post.parent_native_id == str(comment.parent or article.post_id)
        assert post.published_at == comment.date
        assert post.body_text == own_text(comment.segments)
        assert post.author_name == comment.author.name
        expected_id = None if comment.author.user_id is None else str(comment.author.user_id)
        assert post.author_id == expected_id  # a deleted account keeps its id in the API
    assert any(p.parent_native_id != str(article.post_id) for p in result.posts)


def test_rest_quotes_of_the_article_and_of_comments(site: WordPressServer, blog: Blog) -> None:
    for of_article in (True, False):
        article, comment = quoting(blog, of_article)
        quoted = [blog.quoted_id(article, s)[0] for s in comment.segments
                  if isinstance(s, QuoteRef)]
        result = ENGINE.parse(fetch(f"{site.url}wp-json/wp/v2/comments?post={article.post_id}"
                                    "&per_page=100&order=asc"), CONTEXT)
        post = next(p for p in result.posts if p.native_id == str(comment.comment_id))
        assert post.quoted_native_ids == quoted
        assert (str(article.post_id) in quoted) is of_article
        assert post.quoted_text
        assert post.body_text == own_text(comment.segments)


def test_rest_comment_pages_follow_the_link_header(site: WordPressServer, blog: Blog) -> None:
    article = paged(blog)
    url = f"{site.url}wp-json/wp/v2/comments?post={article.post_id}&per_page=20&page=1&order=asc"
    result = ENGINE.parse(fetch(url), CONTEXT)
    assert len(result.posts) == 20
    assert result.next_url is not None and "page=2" in result.next_url
    assert result.thread is not None and result.thread.native_id == str(article.post_id)


def test_an_empty_comment_page_is_unparsable(site: WordPressServer, blog: Blog) -> None:
    single = next(a for a in blog.newest_first() if not a.comments)
    with pytest.raises(UnparsablePage):
        ENGINE.parse(fetch(f"{site.url}wp-json/wp/v2/comments?post={single.post_id}"), CONTEXT)
