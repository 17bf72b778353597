"""WordPress through its theme's HTML: post lists and single posts with threaded comments.

Classic themes (Twenty Twenty-One and most others built on ``post_class``, ``comment_class``
and ``wp_list_comments``) and block themes (Twenty Twenty-Four: ``wp-block-post-*`` and
``wp-block-comment-*``) share the markup WordPress core writes: ``post-<id>`` classes,
``postid-<id>`` on the body of a single post, ``li#comment-<id>`` with replies nested inside
their parent's element, ``byuser comment-author-<nicename>`` for registered commenters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.engines._wordpress_comments import comment_nodes, parse_comment
from crawler.extract.engines._wordpress_common import body_of, first_number
from crawler.extract.engines._wordpress_dates import article_dates
from crawler.extract.engines._wordpress_urls import comment_page, post_url, with_comment_page
from crawler.extract.engines.base import Page, PageResult, ParseContext, ThreadInfo, ThreadLink
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import PostItem, normalize_text

_ID_CLASS = re.compile(r"^(?:postid|page-id)-(\d+)$")
_POST_ID = re.compile(r"^post-(\d+)$")  # post_class() and the id themes give articles
_AUTHOR_PATH = re.compile(r"/author/([^/?#]+)")
LIST_ITEMS = 'article[id^="post-"], div[id^="post-"], li.wp-block-post'
# Most specific first: core and default themes, then popular news and magazine themes
# (Newspaper's td-post-*, JNews' jeg_*, Elementor's theme-post-content widget).
TITLE = (".entry-title", ".wp-block-post-title", ".post-title", ".td-post-title h1",
         ".jeg_post_title", "h1")
TITLE_LINK = ".entry-title a, .wp-block-post-title a, .post-title a, a[rel~='bookmark']"
CONTENT = (".entry-content", ".wp-block-post-content", ".post-content", ".td-post-content",
           ".jeg_post_content .content-inner", ".elementor-widget-theme-post-content",
           ".single-content", ".article-content", ".post-entry")
CATEGORY = ('.cat-links a, a[rel~="category"], .taxonomy-category a, .post-categories a, '
            '.entry-categories a')
AUTHOR = (".byline a", ".wp-block-post-author-name a", ".author.vcard a", 'a[rel~="author"]',
          ".entry-author a", ".td-post-author-name a", ".jeg_meta_author a")
COMMENTS_NAV = ".comments-pagination, .comment-navigation, .wp-block-comments-pagination, " \
    "#comments .navigation, #comments .pagination"
NEWER = "a.next, .nav-next a, a.wp-block-comments-pagination-next"
OLDER = "a.prev, .nav-previous a, a.wp-block-comments-pagination-previous"
LIST_NEXT = ("a.next.page-numbers, .posts-navigation .nav-previous a, "
             ".nav-links .nav-previous a, a.wp-block-query-pagination-next")


def body_classes(sel: Selector) -> set[str]:
    """The ``<body>`` classes (``body_class()``)."""
    return set((sel.css("body::attr(class)").get() or "").split())


def singular_id(sel: Selector) -> str | None:
    """The post id of a single post or page view, None on lists."""
    for token in body_classes(sel):
        match = _ID_CLASS.match(token)
        if match:
            return match.group(1)
    shortlink = sel.css('link[rel="shortlink"]::attr(href)').get()
    if shortlink and (query_param(shortlink, "p") or "").isdigit() and not sel.css(LIST_ITEMS)[1:]:
        return query_param(shortlink, "p")
    return None


def parse_html(page: Page, context: ParseContext) -> PageResult:
    """A theme page: a single post (a thread page) or a list of posts (a thread list)."""
    sel = page.selector
    post_id = singular_id(sel)
    if post_id is not None:
        return _single(page, sel, post_id, context)
    return _listing(page, sel)


def _post_id(node: Selector) -> str | None:
    """The post id of a list item (``id="post-12"`` or class ``post-12``)."""
    for token in [node.attrib.get("id", ""), *(node.attrib.get("class") or "").split()]:
        found = _POST_ID.match(token)
        if found:
            return found.group(1)
    return None


def _listing(page: Page, sel: Selector) -> PageResult:
    threads: list[ThreadLink] = []
    seen: set[str] = set()
    for node in sel.css(LIST_ITEMS):
        post_id = _post_id(node)
        title = node.css(TITLE_LINK)
        href = title[0].attrib.get("href") if title else None
        if post_id is None or not href or post_id in seen:
            continue
        seen.add(post_id)
        classes = set((node.attrib.get("class") or "").split())
        threads.append(ThreadLink(
            url=canonicalize_url(urljoin(page.url, href)), native_id=post_id,
            title=normalize_text(" ".join(title[0].css("::text").getall())) or None,
            container=_text(node.css(CATEGORY)), signature=_comment_count(node),
            sticky="sticky" in classes,
        ))
    if not threads:  # themes without post ids in their lists: the single page has the id
        threads = _untagged_links(page, sel)
    next_href = (sel.css(LIST_NEXT).xpath("@href").get()
                 or sel.css('link[rel="next"]::attr(href)').get())
    kind = "board" if threads or body_classes(sel) & {"blog", "archive", "home"} else "other"
    return PageResult(kind=kind, threads=threads,
                      next_url=canonicalize_url(urljoin(page.url, next_href)) if next_href
                      else None)


def _untagged_links(page: Page, sel: Selector) -> list[ThreadLink]:
    """Title links of a list whose items carry no post id (the thread page tells it)."""
    links: dict[str, ThreadLink] = {}
    for link in sel.css(".entry-title a, h2 a[rel~='bookmark'], h3 a[rel~='bookmark']"):
        href = link.attrib.get("href")
        if href:
            url = canonicalize_url(urljoin(page.url, href))
            title = normalize_text(" ".join(link.css("::text").getall())) or None
            links.setdefault(url, ThreadLink(url=url, title=title))
    return list(links.values())


def _comment_count(node: Selector) -> str | None:
    """The comment count a list shows ("3 Komentar", "Tinggalkan komentar": 0), if any."""
    link = node.css('.comments-link a, .post-comment-link a, a[href$="#comments"], '
                    'a[href$="#respond"], .wp-block-post-comments-count, .comments-count')
    if not link:
        return None
    count = first_number(" ".join(link[0].css("::text").getall()))
    return str(count if count is not None else 0)


def _single(page: Page, sel: Selector, post_id: str, context: ParseContext) -> PageResult:
    scope = sel.css(f"#post-{post_id}") or sel.css("main") or sel.css("body")
    node = scope[0]
    title = _first_text(node, TITLE) or _first_text(sel, TITLE) or normalize_text(
        sel.css('meta[property="og:title"]::attr(content)').get()) or None
    container = _text(node.css(CATEGORY)) or _text(sel.css(CATEGORY))
    url = post_url(sel.css('link[rel="canonical"]::attr(href)').get() or page.url)
    cpage = comment_page(page.url)
    posts: list[PostItem] = []
    if cpage is None:  # the post itself: on its own URL, not again on its comment pages
        posts.append(_article(page, sel, node, post_id, url, title, container, context))
    comments, next_url = _comments_and_next(page, sel, cpage)
    for comment in comments:
        posts.append(parse_comment(comment, sel, post_id, page.url, context))
    return PageResult(kind="thread", posts=posts, next_url=next_url,
                      thread=ThreadInfo(native_id=post_id, title=title, container=container,
                                        url=url))


def _comments_and_next(page: Page, sel: Selector,
                       cpage: int | None) -> tuple[list[Selector], str | None]:
    """This page's comments and the next comment page (newer comments).

    With "show the last page by default" (WordPress's default when comments are paged) a
    post's own URL shows its newest comments and links only to older ones: the thread then
    goes on at comment page 1 and takes the newest comments on the last page, in order. A
    link from the page before the last one back to the post's own URL is that last page.
    """
    nav = sel.css(COMMENTS_NAV)
    newer = nav.css(NEWER).xpath("@href").get()
    older = nav.css(OLDER).xpath("@href").get()
    nodes = comment_nodes(sel)
    if cpage is None and older and not newer:
        return [], with_comment_page(page.url, 1)
    if not newer:
        return nodes, None
    target = canonicalize_url(urljoin(page.url, newer))
    if comment_page(target) is None:
        target = with_comment_page(page.url, (cpage or 1) + 1)
    return nodes, target


def _article(page: Page, sel: Selector, node: Selector, post_id: str, url: str,
             title: str | None, container: str | None, context: ParseContext) -> PostItem:
    content = next((c for query in CONTENT for c in node.css(query)
                    if not c.xpath("ancestor-or-self::*[@id='comments']")), None)
    body = body_of(content, page.url)
    name, author_id, author_url = _article_author(node, sel, page.url)
    published, edited = article_dates(node, sel, context)
    return PostItem(
        native_id=post_id, url=url, kind="article", body_text=body.own_text,
        thread_native_id=post_id, thread_title=title, container=container, position=1,
        author_name=name, author_id=author_id, author_url=author_url,
        published_at=published, edited_at=edited, title=title,
        quoted_native_ids=body.quoted_ids, quoted_text=body.quoted_texts, links=body.links,
        media=body.media,
        # The post's element where the theme has one (block themes: the content alone).
        raw=node.get() if node.attrib.get("id") == f"post-{post_id}" or content is None
        else content.get(),
    )


def _article_author(node: Selector, sel: Selector,
                    base: str) -> tuple[str | None, str | None, str | None]:
    """(name, author slug or id, author archive URL) from the byline."""
    for link in (found for scope in (node, sel) for query in AUTHOR
                 for found in scope.css(query)):
        href = link.attrib.get("href") or ""
        name = normalize_text(" ".join(link.css("::text").getall()))
        if name:
            return name, author_key(href), canonicalize_url(urljoin(base, href)) if href else None
    name = _text(node.css(".byline .author, .wp-block-post-author-name, .author-name")) or \
        normalize_text(sel.css('meta[name="author"]::attr(content)').get())
    return name or None, None, None


def author_key(href: str) -> str | None:
    """The author of an author archive link: ``/author/<nicename>/`` or ``?author=<id>``."""
    match = _AUTHOR_PATH.search(href)
    if match:
        return match.group(1)
    return query_param(href, "author") or None


def _first_text(scope: Selector, queries: tuple[str, ...]) -> str | None:
    """The text of the first match of the first query that matches (outside comments)."""
    for query in queries:
        found = [n for n in scope.css(query) if not n.xpath("ancestor::*[@id='comments']")]
        text = _text(found)
        if text:
            return text
    return None


def _text(nodes: Iterable[Selector]) -> str | None:
    for node in nodes:
        text = normalize_text(" ".join(node.css("::text").getall()))
        if text:
            return text
    return None
