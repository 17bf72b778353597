"""Flarum 1.x through its JSON:API: tags -> discussion lists -> discussions -> posts.

A Flarum page is a JavaScript application; what it shows comes from the JSON:API, so the
adapter reads the API: tags are the boards, a tag's discussion list (newest activity first,
20 a page, ``links.next``) the thread list, a discussion document (title, tags, every post id
and the first 20 posts) a thread's first page, and ``/api/posts?filter[discussion]=N`` its
later pages. Post bodies are the server-rendered ``contentHtml``: a reply names the post it
answers with a ``PostMention`` (``<a class="PostMention" data-id="123">``), a quote is a
``<blockquote>`` that starts with such a mention.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from crawler.extract.engines._flarum_posts import (
    Index,
    Resource,
    attrs,
    index_document,
    post_item,
    ref,
    refs,
)
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.sanitize import as_list
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, UnparsablePage, normalize_text

_DIGITS = re.compile(r"\d+")
PAGE_LIMIT = 20  # Flarum's default page[limit] for discussions and posts
# Top-level routes of the Flarum front end; what precedes them is the forum's base path.
_ROUTES = frozenset({"d", "t", "u", "p", "all", "tags", "following", "settings",
                     "notifications", "api"})
_FLARUM_TYPES = {"discussions": ("commentCount", "lastPostNumber"),
                 "posts": ("contentType", "number"), "tags": ("discussionCount", "slug"),
                 "forums": ("apiUrl", "baseUrl")}


def forum_base(url: str) -> str:
    """The forum's base URL (ending in ``/``) for a front-end or API URL of it."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment in _ROUTES:
            segments = segments[:i]
            break
    path = "/" + "".join(f"{s}/" for s in segments)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def api_url(base: str, resource: str, **params: object) -> str:
    """``{base}api/{resource}?...`` canonicalized (``filter[tag]`` keys as Flarum names them)."""
    query = urlencode(list(params.items()))
    return canonicalize_url(f"{base}api/{resource}" + (f"?{query}" if query else ""))


def discussion_list_url(base: str, tag: str | None = None) -> str:
    """A thread list: a tag's discussions (or all of them), latest activity first."""
    if tag is None:
        return api_url(base, "discussions", sort="-lastPostedAt")
    return api_url(base, "discussions", **{"filter[tag]": tag, "sort": "-lastPostedAt"})


def posts_page_url(base: str, discussion_id: str, offset: int) -> str:
    """A later page of a discussion's posts, in post-number order."""
    return api_url(base, "posts", **{"filter[discussion]": discussion_id, "sort": "number",
                                     "page[offset]": offset, "page[limit]": PAGE_LIMIT})


def _container(discussion: Resource, index: Index) -> str | None:
    """The discussion's board: its primary child tag, else its primary tag, else any tag."""
    tags = [index[("tags", str(r.get("id")))] for r in refs(discussion, "tags")
            if ("tags", str(r.get("id"))) in index]
    if not tags:
        return None
    best = max(tags, key=lambda t: (attrs(t).get("position") is not None,
                                    bool(attrs(t).get("isChild"))))
    return normalize_text(attrs(best).get("name")) or None


def _payload(page: Page) -> dict[str, Any] | None:
    """The JSON the Flarum HTML shell boots from (``#flarum-json-payload``), if any."""
    text = page.selector.css("script#flarum-json-payload::text").get()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


class Flarum(Engine):
    """Flarum 1.x via the JSON:API it serves to its own front end (``filter[tag]`` lists)."""

    name = "flarum"
    has_reply_to = True

    def detect(self, page: Page) -> str | None:
        data = page.data
        if isinstance(data, dict) and isinstance(data.get("data"), (dict, list)):
            items = data["data"] if isinstance(data["data"], list) else [data["data"]]
            for item in [i for i in items if isinstance(i, dict)][:1]:
                keys = _FLARUM_TYPES.get(str(item.get("type")), ())
                if keys and all(k in attrs(item) for k in keys):
                    return f'JSON:API "{item["type"]}" with Flarum attributes'
            return None
        if page.is_json:  # other JSON: parsel would read it as JSON, not as HTML
            return None
        sel = page.selector
        if sel.css("script#flarum-json-payload"):
            return "Flarum JSON payload script"
        scripts = " ".join(sel.css("script:not([src])::text").getall())
        if sel.css("#flarum-loading") and ("flarum.core" in scripts or "app.boot" in scripts):
            return "#flarum-loading and the Flarum boot script"
        return None

    def start_url(self, url: str) -> str:
        """A front-end URL mapped to the API: /d/N -> the discussion, /t/slug -> the tag's
        discussions, anything else -> the tag list; API URLs stay as they are."""
        path = urlsplit(url).path
        base = forum_base(url)
        rest = [s for s in path[len(urlsplit(base).path):].split("/") if s]
        if rest[:1] == ["api"]:
            return canonicalize_url(url)
        number = _DIGITS.match(rest[1]) if len(rest) > 1 and rest[0] == "d" else None
        if number:
            return api_url(base, f"discussions/{number.group()}")
        if len(rest) > 1 and rest[0] == "t":
            return discussion_list_url(base, rest[1])
        return api_url(base, "tags")

    def fallback_url(self, url: str, status: int) -> str | None:
        """Without the tags extension /api/tags is 404: list every discussion instead."""
        if status == 404 and urlsplit(url).path.endswith("/api/tags"):
            return discussion_list_url(forum_base(url))
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        data = page.data
        if page.is_json and not isinstance(data, dict):
            return PageResult(kind="other")
        if not isinstance(data, dict):  # the HTML shell: its payload holds the API document
            document = (_payload(page) or {}).get("apiDocument")
            if not isinstance(document, dict) or not document.get("data"):
                return self._shell(page.url)
            data = document
        base = forum_base(page.url)
        primary = data.get("data")
        index = index_document(data)
        if isinstance(primary, dict):
            if primary.get("type") == "discussions":
                return self._discussion(page.url, base, primary, index, context)
            if primary.get("type") == "forums":
                return PageResult(kind="index", boards=[api_url(base, "tags")])
            return PageResult(kind="other")
        items = [r for r in as_list(primary) if isinstance(r, dict)]
        kind = str(items[0].get("type")) if items else urlsplit(page.url).path.rsplit("/")[-1]
        if kind == "tags":
            return self._tags(base, items)
        if kind == "discussions":
            return self._discussions(base, items, index, data)
        if kind == "posts":
            return self._posts(page.url, base, items, index, data, context)
        return PageResult(kind="other")

    def _shell(self, url: str) -> PageResult:
        """An HTML page without its payload: point at the API resource behind it."""
        target = self.start_url(url)
        if "/api/discussions/" in target:
            return PageResult(kind="other", threads=[ThreadLink(url=target,
                                                                native_id=target.rsplit("/")[-1])])
        return PageResult(kind="other", boards=[target])

    def _tags(self, base: str, tags: list[Resource]) -> PageResult:
        """Top-level primary tags (children's discussions are listed under their parents)."""
        ids = {str(t.get("id")) for t in tags}
        boards = []
        for tag in tags:
            values = attrs(tag)
            parent = ref(tag, "parent")
            nested = values.get("isChild") and (not isinstance(parent, dict)
                                               or str(parent.get("id")) in ids)
            if values.get("slug") and not nested:
                primary = values.get("position") is not None
                boards.append((primary, discussion_list_url(base, str(values["slug"]))))
        # Every discussion has a primary tag (Flarum's default minimum): secondary tags' lists
        # repeat them, and are listed only on forums without primary tags.
        urls = [url for primary, url in boards if primary] or [url for _, url in boards]
        return PageResult(kind="index", boards=urls or [discussion_list_url(base)])

    def _discussions(self, base: str, items: list[Resource], index: Index,
                     document: dict[str, Any]) -> PageResult:
        threads = []
        for item in items:
            values, native_id = attrs(item), str(item.get("id"))
            comments, last = values.get("commentCount"), values.get("lastPostNumber")
            threads.append(ThreadLink(
                url=api_url(base, f"discussions/{native_id}"), native_id=native_id,
                title=normalize_text(values.get("title")) or None,
                container=_container(item, index),
                signature=f"{comments}|{last}" if comments is not None else None,
                sticky=bool(values.get("isSticky")),
            ))
        return PageResult(kind="board", threads=threads, next_url=_next_link(document))

    def _discussion(self, url: str, base: str, discussion: Resource, index: Index,
                    context: ParseContext) -> PageResult:
        """A discussion document: the thread, every post id and the posts loaded with it."""
        native_id = str(discussion.get("id"))
        ids = [str(r.get("id")) for r in refs(discussion, "posts")]
        start = next((i for i, pid in enumerate(ids) if ("posts", pid) in index), len(ids))
        end = start  # the loaded window; posts included as others' "mentionedBy" lie beyond
        while end < len(ids) and ("posts", ids[end]) in index:
            end += 1
        loaded = [index[("posts", pid)] for pid in ids[start:end]]
        next_url = posts_page_url(base, native_id, end) if end < len(ids) else None
        if not ids:  # no post id list: the first page's posts are the lowest numbers included
            loaded = sorted((r for (kind, _), r in index.items()
                             if kind == "posts" and _discussion_of(r) == native_id),
                            key=lambda r: attrs(r).get("number") or 0)[:PAGE_LIMIT]
            numbers = [attrs(r).get("number") or 0 for r in loaded]
            more = (attrs(discussion).get("lastPostNumber") or 0) > max(numbers, default=0)
            full = len(loaded) == PAGE_LIMIT
            next_url = posts_page_url(base, native_id, PAGE_LIMIT) if more and full else None
        posts = self._post_items(base, loaded, index, context, native_id)
        if not posts:
            raise UnparsablePage(f"no Flarum posts in discussion document {url}")
        return PageResult(kind="thread", posts=posts, thread=self._thread(base, discussion, index),
                          next_url=next_url)

    def _posts(self, url: str, base: str, items: list[Resource], index: Index,
               document: dict[str, Any], context: ParseContext) -> PageResult:
        """A page of ``/api/posts`` (one discussion's posts, or posts by id)."""
        posts = self._post_items(base, items, index, context)
        if not items:
            raise UnparsablePage(f"no Flarum posts on {url}")
        thread = None
        discussion = ref(items[0], "discussion")
        if isinstance(discussion, dict):
            resource = index.get(("discussions", str(discussion.get("id"))))
            thread = self._thread(base, resource or discussion, index)
        return PageResult(kind="thread", posts=posts, thread=thread,
                          next_url=_next_link(document))

    def _thread(self, base: str, discussion: Resource, index: Index) -> ThreadInfo:
        native_id = str(discussion.get("id"))
        return ThreadInfo(native_id=native_id,
                          title=normalize_text(attrs(discussion).get("title")) or None,
                          container=_container(discussion, index),
                          url=api_url(base, f"discussions/{native_id}"))

    def _post_items(self, base: str, resources: list[Resource], index: Index,
                    context: ParseContext, thread_id: str | None = None) -> list[PostItem]:
        items = (post_item(base, resource, index, context, thread_id) for resource in resources)
        return [item for item in items if item is not None]


def _discussion_of(post: Resource) -> str | None:
    discussion = ref(post, "discussion")
    return str(discussion.get("id")) if isinstance(discussion, dict) else None


def _next_link(document: dict[str, Any]) -> str | None:
    links = document.get("links")
    href = links.get("next") if isinstance(links, dict) else None
    return canonicalize_url(href) if isinstance(href, str) and href else None


ENGINE = Flarum()
