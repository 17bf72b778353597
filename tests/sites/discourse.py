"""A Discourse 3.x fixture site: the demo Forum served through Discourse's routes.

JSON routes as Discourse serves them to anonymous readers: ``/categories.json``
(``include_subcategories``), category topic lists ``/c/<slug path>/<id>.json`` and
``/c/.../<id>/l/latest.json?page=N`` (30 topics a page, 0-based pages, ``more_topics_url``
whenever a page is full; a wrong slug path is redirected with 301), ``/latest.json``, topic
views ``/t/[<slug>/]<id>.json?page=N`` (20 posts a page, 1-based, 404 past the highest post
number), ``/t/<id>/<post number>.json`` (the 20 posts around it), ``/t/<id>/posts.json``
(``post_ids[]`` or ``post_number`` + ``asc``). The home page is the crawler HTML view with
Discourse's generator tag. Discourse puts no session in URLs (cookies only) and shows ISO
timestamps in its JSON, so neither session ids nor localized dates appear here.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.demosite.model import Forum, Thread
from crawler.demosite.server import Reply, SiteServer
from tests.sites.discourse_json import (
    TOPICS_PER_PAGE,
    category_json,
    post_json,
    topic_list_item,
    user_json,
)
from tests.sites.discourse_model import SYSTEM, Definition, DiscourseView

CHUNK_SIZE = 20
GENERATOR = "Discourse 3.2.1 - https://github.com/discourse/discourse version 6c1b5a9"
ROBOTS_TXT = """# See http://www.robotstxt.org/robotstxt.html for documentation on how to use the
# robots.txt file
#
User-agent: *
Disallow: /admin/
Disallow: /auth/
Disallow: /assets/browser-update*.js
Disallow: /email/
Disallow: /session
Disallow: /user-api-key
Disallow: /*?api_key*
Disallow: /*?*api_key*
Disallow: /badges
Disallow: /u/
Disallow: /my
Disallow: /search
Disallow: /tag/*/l
Disallow: /g
Disallow: /t/*/*.rss
Disallow: /c/*.rss
"""
NOT_FOUND = {"errors": ["The requested URL or resource could not be found."],
             "error_type": "not_found"}
Entry = tuple[int, Any]  # post number, model post or definition


def truth(server: DiscourseServer) -> set[tuple[Any, ...]]:
    """Every post the site shows as (native id, topic id, title, container, post number,
    author name, author id, published_at, body text, quoted ids, parent id)."""
    with server.lock:
        server.view.sync()
        return server.view.truth()


class DiscourseServer(SiteServer):
    """Serves a Forum as a Discourse instance (see the module docstring)."""

    def __init__(self, forum: Forum, **kwargs: Any) -> None:
        super().__init__(forum, **kwargs)
        self.view = DiscourseView(forum)

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        if not parts.path.startswith(self.prefix):
            return _json(NOT_FOUND, 404)
        path = parts.path[len(self.prefix):]
        query = parse_qs(parts.query)
        with self.lock:
            self.view.sync()
            if self._redirect(target):
                return 301, "text/html; charset=utf-8", "<html><body>Moved</body></html>"
            if path in ("", "categories", "latest"):
                return 200, "text/html; charset=utf-8", self._home(host)
            if path == "categories.json":
                include = query.get("include_subcategories") == ["true"]
                cats = [category_json(self.view, b, include) for b in self.forum.children(None)]
                return _json({"category_list": {"can_create_category": False,
                                                "can_create_topic": False, "categories": cats}})
            if path == "latest.json":
                topics = sorted((t for t in self.forum.threads.values() if t.posts),
                                key=lambda t: (t.posts[-1].published_at, t.thread_id),
                                reverse=True)
                return self._list(list(topics), query, "latest")
            if path.startswith("c/") and path.endswith(".json"):
                return self._category(path, query)
            if path.startswith("t/") and path.endswith(".json"):
                return self._topic(path, query)
        return _json(NOT_FOUND, 404)

    def headers(self, target: str) -> dict[str, str]:
        with self.lock:
            location = self._redirect(target)
        return {"Location": location} if location else {}

    # -- categories -----------------------------------------------------------------------------

    def _category_route(self, path: str) -> tuple[int, list[str], bool] | None:
        segments = path[2:].removesuffix(".json").split("/")
        listing = "l" in segments
        if listing:
            segments = segments[:segments.index("l")]
        if not segments or not segments[-1].isdigit():
            return None
        return int(segments[-1]), segments[:-1], listing

    def _redirect(self, target: str) -> str | None:
        """Where Discourse sends a category URL whose slug path is not the category's."""
        parts = urlsplit(target)
        path = parts.path[len(self.prefix):]
        if not (path.startswith("c/") and path.endswith(".json")):
            return None
        route = self._category_route(path)
        board = self.forum.board(route[0]) if route else None
        if route is None or board is None or route[1] == self.view.slug_path(board):
            return None
        tail = "/l/latest" if route[2] else ""
        query = f"?{parts.query}" if parts.query else ""
        return (f"{self.prefix}c/{'/'.join(self.view.slug_path(board))}/{board.forum_id}"
                f"{tail}.json{query}")

    def _category(self, path: str, query: dict[str, list[str]]) -> Reply:
        route = self._category_route(path)
        board = self.forum.board(route[0]) if route else None
        if board is None:
            return _json(NOT_FOUND, 404)
        base = f"c/{'/'.join(self.view.slug_path(board))}/{board.forum_id}/l/latest"
        return self._list(self.view.topics_of(board), query, base)

    def _list(self, topics: list[Thread | Definition], query: dict[str, list[str]],
              base: str) -> Reply:
        page = int((query.get("page") or ["0"])[0] or 0)
        shown = topics[page * TOPICS_PER_PAGE:(page + 1) * TOPICS_PER_PAGE]
        items = [topic_list_item(self.view, t) for t in shown]
        users = {}
        for topic in shown:
            accounts = [SYSTEM] if isinstance(topic, Definition) else [
                self.view.author(topic.posts[0]), self.view.author(topic.posts[-1])]
            users.update({a.user_id: user_json(a) for a in accounts if a.user_id is not None})
        topic_list: dict[str, Any] = {"can_create_topic": False, "per_page": TOPICS_PER_PAGE,
                                      "top_tags": [], "topics": items}
        if len(shown) == TOPICS_PER_PAGE:
            extra = "no_definitions=true&" if base == "latest" else ""
            topic_list["more_topics_url"] = f"{self.prefix}{base}?{extra}page={page + 1}"
        return _json({"users": list(users.values()), "primary_groups": [],
                      "flair_groups": [], "topic_list": topic_list})

    # -- topics ---------------------------------------------------------------------------------

    def _entries(self, topic_id: int) -> tuple[Thread | Definition, list[Entry]] | None:
        thread = self.forum.threads.get(topic_id)
        if thread is not None:
            return thread, [(self.view.numbers[p.post_id], p) for p in thread.posts]
        definition = self.view.definitions().get(topic_id)
        return (definition, [(1, definition)]) if definition else None

    def _topic(self, path: str, query: dict[str, list[str]]) -> Reply:
        segments = path[2:].removesuffix(".json").split("/")
        if segments and not segments[0].isdigit():
            segments = segments[1:]  # the slug
        found = self._entries(int(segments[0])) if segments and segments[0].isdigit() else None
        if found is None:
            return _json(NOT_FOUND, 404)
        topic, entries = found
        rest = segments[1:]
        if rest == ["posts"]:
            wanted = {int(i) for i in query.get("post_ids[]", []) if i.isdigit()}
            after = int((query.get("post_number") or ["0"])[0] or 0)
            chosen = ([e for e in entries if _post_id(e[1]) in wanted] if wanted else
                      [e for e in entries if e[0] > after][:CHUNK_SIZE])
            return _json({"post_stream": {"posts": self._posts(topic, chosen)},
                          "id": _topic_id(topic)})
        if rest and rest[0].isdigit():
            chosen = _near(entries, int(rest[0]))
        elif not rest:
            page = int((query.get("page") or ["1"])[0] or 1)
            highest = entries[-1][0] if entries else 0
            if page > 1 and (page - 1) * CHUNK_SIZE >= highest:
                return _json(NOT_FOUND, 404)
            chosen = entries[(page - 1) * CHUNK_SIZE:page * CHUNK_SIZE]
        else:
            return _json(NOT_FOUND, 404)
        return _json(self._topic_view(topic, entries, chosen))

    def _posts(self, topic: Thread | Definition, chosen: list[Entry]) -> list[dict[str, Any]]:
        thread = topic if isinstance(topic, Thread) else None
        return [post_json(self.view, post, thread) for _, post in chosen]

    def _topic_view(self, topic: Thread | Definition, entries: list[Entry],
                    chosen: list[Entry]) -> dict[str, Any]:
        first, last = entries[0][1], entries[-1][1]
        first_json, last_json = post_json(self.view, first, _thread(topic)), \
            post_json(self.view, last, _thread(topic))
        creator = SYSTEM if isinstance(topic, Definition) else self.view.author(topic.posts[0])
        item = topic_list_item(self.view, topic)
        item.pop("posters")
        return {
            "post_stream": {"posts": self._posts(topic, chosen),
                            "stream": [_post_id(post) for _, post in entries]},
            "timeline_lookup": [[1, 300]], "suggested_topics": [], "tags": [],
            "tags_descriptions": {}, **item, "word_count": 42 * len(entries),
            "deleted_at": None, "user_id": creator.user_id, "pinned_at": (
                first_json["created_at"] if isinstance(topic, Definition) else None),
            "pinned_until": None, "slow_mode_seconds": 0, "draft": None,
            "draft_key": f"topic_{_topic_id(topic)}", "draft_sequence": None,
            "current_post_number": 1, "deleted_by": None, "actions_summary": [],
            "chunk_size": CHUNK_SIZE, "topic_timer": None, "message_bus_last_id": 0,
            "participant_count": 1, "show_read_indicator": False, "thumbnails": None,
            "slow_mode_enabled_until": None, "summarizable": False,
            "details": {"can_edit": False, "notification_level": 1, "participants": [],
                        "created_by": user_json(creator), "last_poster": {
                            "id": last_json["user_id"], "username": last_json["username"],
                            "name": last_json["name"],
                            "avatar_template": last_json["avatar_template"]},
                        "links": []},
        }

    def _home(self, host: str) -> str:
        links = "\n".join(
            f'<tr><td><a href="{self.prefix}c/{"/".join(self.view.slug_path(b))}/{b.forum_id}">'
            f"{escape(b.name)}</a></td></tr>" for b in self.forum.boards)
        return f"""<!DOCTYPE html>
<html lang="id" class="desktop-view not-mobile-device text-size-normal anon">
<head>
<meta charset="utf-8">
<title>{escape(self.forum.title)}</title>
<meta name="description" content="Diskusi publik warga Kalimantan Tengah">
<meta name="generator" content="{GENERATOR}">
<link rel="canonical" href="http://{host}{self.prefix}">
<meta id="data-discourse-setup" data-base-url="http://{host}" data-base-uri="">
</head>
<body class="crawler">
<header><a href="{self.prefix}">{escape(self.forum.title)}</a></header>
<div id="main-outlet" class="wrap" role="main">
<div class="category-list"><table class="category-list">{links}</table></div>
</div>
<footer class="container wrap"><nav class="crawler-nav"><ul>
<li itemscope itemtype="http://schema.org/SiteNavigationElement"><span itemprop="name">
<a href="{self.prefix}" itemprop="url">Beranda </a></span></li>
</ul></nav></footer>
<div id="noscript-footer"><p>Diberdayakan oleh <a href="https://www.discourse.org">Discourse</a>,
paling baik dilihat dengan JavaScript diaktifkan</p></div>
</body>
</html>
"""


def _json(data: Any, status: int = 200) -> Reply:
    return status, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False)


def _post_id(post: Any) -> int:
    return post.topic_id if isinstance(post, Definition) else int(post.post_id)


def _topic_id(topic: Thread | Definition) -> int:
    return topic.thread_id if isinstance(topic, Thread) else topic.topic_id


def _thread(topic: Thread | Definition) -> Thread | None:
    return topic if isinstance(topic, Thread) else None


def _near(entries: list[Entry], number: int) -> list[Entry]:
    """TopicView#filter_posts_near: the post closest to ``number``, 5 before it, 20 in all."""
    if not entries:
        return []
    closest = min(range(len(entries)), key=lambda i: (abs(entries[i][0] - number), i))
    low = max(closest - CHUNK_SIZE // 4, 0)
    high = low + CHUNK_SIZE - 1
    if high >= len(entries) - 1:
        low, high = max(len(entries) - CHUNK_SIZE, 0), len(entries) - 1
    return entries[low:high + 1]

