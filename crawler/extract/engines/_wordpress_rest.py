"""WordPress through its REST API: the posts collection, one post, a post's comments.

A thread is a post (the article, position 1) and its comments. The thread list is
``/wp/v2/posts`` (newest first); a thread's first page is ``/wp/v2/posts/<id>`` (the article,
with author, categories and newest comments embedded) and its later pages are
``/wp/v2/comments?post=<id>&order=asc``. Comments are put in the order the blog shows them:
oldest first, each followed by its replies (see :func:`thread_order`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawler.extract.engines._wordpress_common import body_of_html, text_of_html, thread_order
from crawler.extract.engines._wordpress_urls import (
    comments_url,
    next_api_page,
    rest_route,
    thread_url,
)
from crawler.extract.engines.base import Page, PageResult, ParseContext, ThreadInfo, ThreadLink
from crawler.extract.sanitize import as_list
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import PostItem, UnparsablePage

Json = dict[str, Any]


def is_post(data: Any) -> bool:
    """A REST post object: ``"guid": {"rendered": ...}`` with a rendered title."""
    return (isinstance(data, dict) and isinstance(data.get("guid"), dict)
            and "rendered" in data["guid"] and isinstance(data.get("title"), dict))


def _embedded_of(post: Json) -> Json:
    """The post's ``_embedded`` object; empty when absent or not an object (hostile JSON)."""
    found = post.get("_embedded")
    return found if isinstance(found, dict) else {}


def is_comment(data: Any) -> bool:
    """A REST comment object: ``post``, ``author_name`` and rendered content."""
    return (isinstance(data, dict) and "post" in data and "author_name" in data
            and isinstance(data.get("content"), dict))


def parse_rest(page: Page, context: ParseContext) -> PageResult:
    """Whatever a REST response holds: a thread list, a thread's first or a later page."""
    data = page.data
    route = rest_route(page.url) or ""
    if isinstance(data, list):
        if route.endswith("/comments") or any(is_comment(item) for item in data[:1]):
            return _comments_page(page, data, context)
        if route.endswith("/posts") or any(is_post(item) for item in data[:1]):
            return _posts_page(page, data)
    if is_post(data):
        return _post_page(page, data, context)
    return PageResult(kind="other")


def _posts_page(page: Page, data: list[Any]) -> PageResult:
    threads = []
    for post in data:
        if not is_post(post) or not str(post.get("id", "")).isdigit():
            continue
        threads.append(ThreadLink(
            url=thread_url(page.url, str(post["id"])), native_id=str(post["id"]),
            title=text_of_html(post["title"].get("rendered")) or None,
            container=_category(post), signature=_signature(post),
            sticky=bool(post.get("sticky")),
        ))
    return PageResult(kind="board", threads=threads, next_url=next_api_page(page.url,
                                                                             page.headers))


def _post_page(page: Page, post: Json, context: ParseContext) -> PageResult:
    if not str(post.get("id", "")).isdigit():
        raise UnparsablePage(f"a WordPress post without a numeric id on {page.url}")
    post_id = str(post["id"])
    title = text_of_html(post["title"].get("rendered")) or None
    container = _category(post)
    body = body_of_html(_rendered(post, "content"), post.get("link") or page.url)
    author = _embedded(post, "author")
    published = _when(post, "date", context)
    modified = _when(post, "modified", context)
    item = PostItem(
        native_id=post_id, url=canonicalize_url(post.get("link") or page.url), kind="article",
        body_text=body.own_text, thread_native_id=post_id, thread_title=title,
        container=container, position=1,
        author_name=_author_name(post, author),
        author_id=_user_id(post.get("author")),
        author_url=author.get("link") or None if author else None,
        published_at=published, published_via="api",
        edited_at=modified if modified and published and modified > published else None,
        title=title, quoted_native_ids=body.quoted_ids, quoted_text=body.quoted_texts,
        links=body.links, media=body.media, raw=json.dumps(post, ensure_ascii=False),
    )
    # Without embedded replies the post has no comment (the embed is left out when empty);
    # a server that ignores _embed gets its comments fetched anyway.
    has_comments = "_embedded" not in post or bool(_replies(post))
    return PageResult(
        kind="thread", posts=[item],
        thread=ThreadInfo(native_id=post_id, title=title, container=container,
                          url=thread_url(page.url, post_id)),
        next_url=comments_url(page.url, post_id) if has_comments else None,
    )


def _comments_page(page: Page, data: list[Any], context: ParseContext) -> PageResult:
    comments = [c for c in data if is_comment(c) and str(c.get("id", "")).isdigit()]
    if not comments:
        raise UnparsablePage(f"no WordPress comments in {page.url}")
    post_id = str(comments[0].get("post") or query_param(page.url, "post") or "")
    ordered = thread_order(comments, key=lambda c: str(c["id"]),
                           parent=lambda c: str(c.get("parent") or "") or None)
    posts = [_comment(comment, post_id, page.url, context) for comment in ordered]
    return PageResult(
        kind="thread", posts=posts,
        thread=ThreadInfo(native_id=post_id or None,
                          url=thread_url(page.url, post_id) if post_id else None),
        next_url=next_api_page(page.url, page.headers),
    )


def _comment(comment: Json, post_id: str, page_url: str, context: ParseContext) -> PostItem:
    comment_id = str(comment["id"])
    link = comment.get("link") or page_url
    body = body_of_html(_rendered(comment, "content"), link)
    parent = str(comment.get("parent") or "")
    url = canonicalize_url(link)
    return PostItem(
        native_id=comment_id, url=f"{url}#comment-{comment_id}", kind="comment",
        body_text=body.own_text, thread_native_id=post_id or None,
        author_name=text_of_html(comment.get("author_name")) or None,
        author_id=_user_id(comment.get("author")),
        author_url=canonicalize_url(comment["author_url"]) if comment.get("author_url") else None,
        published_at=_when(comment, "date", context), published_via="api",
        parent_native_id=parent if parent not in ("", "0") else post_id or None,
        quoted_native_ids=body.quoted_ids, quoted_text=body.quoted_texts,
        links=body.links, media=body.media, raw=json.dumps(comment, ensure_ascii=False),
    )


def _author_name(post: Json, author: Json | None) -> str | None:
    """The embedded author's name; where the site hides its users, Yoast SEO's copy."""
    if author and author.get("name"):
        return text_of_html(author["name"]) or None
    yoast = post.get("yoast_head_json")
    name = yoast.get("author") if isinstance(yoast, dict) else None
    return text_of_html(name) or None if isinstance(name, str) else None


def _rendered(obj: Json, name: str) -> str:
    value = obj.get(name)
    return str(value.get("rendered") or "") if isinstance(value, dict) else ""


def _user_id(value: Any) -> str | None:
    """A user id; 0 (a guest) is none."""
    text = str(value or "")
    return text if text.isdigit() and text != "0" else None


def _when(obj: Json, name: str, context: ParseContext) -> datetime | None:
    """``<name>_gmt`` (UTC), else ``<name>`` in the site's zone, as a time in the site's zone."""
    zone = ZoneInfo(context.timezone)
    for field, tz in ((f"{name}_gmt", UTC), (name, zone)):
        value = obj.get(field)
        if not isinstance(value, str) or not value:
            continue
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(zone)
    return None


def _embedded(post: Json, rel: str) -> Json | None:
    """The first embedded object of ``rel`` (``author``), unless it is an error."""
    found = _embedded_of(post).get(rel)
    first = found[0] if isinstance(found, list) and found else None
    return first if isinstance(first, dict) and "code" not in first else None


def _replies(post: Json) -> list[Json]:
    """The embedded newest comments (``_embedded.replies[0]``)."""
    found = _embedded_of(post).get("replies")
    first = found[0] if isinstance(found, list) and found else []
    return [c for c in first if isinstance(c, dict) and "id" in c] if isinstance(first,
                                                                                  list) else []


def _category(post: Json) -> str | None:
    """The first category's name (terms come sorted by name, as the theme lists them)."""
    for terms in as_list(_embedded_of(post).get("wp:term")):
        for term in terms if isinstance(terms, list) else []:
            if isinstance(term, dict) and term.get("taxonomy") == "category":
                return text_of_html(term.get("name")) or None
    return None


def _signature(post: Json) -> str:
    """What a thread list shows of a post's activity: its last modification, and how many of
    its newest comments are embedded (at most 10) with the newest one's id. A new comment
    changes the newest id; an edit of the article changes ``modified_gmt``."""
    replies = _replies(post)
    newest = max((int(c["id"]) for c in replies if str(c["id"]).isdigit()), default=0)
    modified = post.get("modified_gmt") or post.get("modified") or ""
    return f"{modified}|{len(replies)}|{newest}"

