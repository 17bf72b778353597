"""The fixture's Flarum endpoints: JSON:API controllers and the front end's HTML routes."""

from __future__ import annotations

from html import escape
from typing import Any

from crawler.demosite.model import Thread
from tests.sites.flarum_api import (
    GROUP_ADMIN,
    discussion_resource,
    document,
    pagination_links,
    post_includes,
    post_resource,
    tag_resource,
    user_resource,
)
from tests.sites.flarum_data import Entry, FlarumData, username
from tests.sites.flarum_markup import shell

PAGE_LIMIT, MAX_LIMIT = 20, 50
_SORTS = {"lastPostedAt": lambda t: (t.posts[-1].published_at, t.thread_id),
          "createdAt": lambda t: (t.posts[0].published_at, t.thread_id),
          "commentCount": lambda t: (len(t.posts), t.thread_id)}


class ApiError(Exception):
    """A JSON:API error response."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code

    def document(self) -> dict[str, Any]:
        """The error document Flarum sends."""
        return {"errors": [{"status": str(self.status), "code": self.code}]}


def _int(value: Any, default: int) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() else default


class FlarumPages:
    """Answers one request from a :class:`FlarumData` snapshot; ``base`` is the forum URL."""

    def __init__(self, data: FlarumData, base: str) -> None:
        self.data = data
        self.base = base
        self.api_base = f"{base}api"

    # -- JSON:API --------------------------------------------------------------------------------

    def api(self, route: list[str], params: dict[str, Any]) -> dict[str, Any]:
        """The document for ``/api/<route>``; ApiError when there is none."""
        if not route:
            return document(self.forum_resource(), [GROUP_ADMIN])
        if route == ["tags"]:
            return self.tags()
        if route == ["discussions"]:
            return self.discussions(params)
        if len(route) == 2 and route[0] == "discussions" and route[1].isdigit():
            return self.discussion(int(route[1]), params)
        if route == ["posts"]:
            return self.posts(params)
        if len(route) == 2 and route[0] == "posts" and route[1].isdigit():
            entry = self.data.entry(int(route[1]))
            if entry is None:
                raise ApiError(404, "not_found")
            return document(post_resource(self.data, entry, self.base),
                            post_includes(self.data, [entry], self.base, discussions=True))
        raise ApiError(404, "not_found")

    def forum_resource(self) -> dict[str, Any]:
        """ForumSerializer as a guest sees it."""
        path = self.base.split("/", 3)[3] if self.base.count("/") >= 3 else ""
        return {"type": "forums", "id": "1", "attributes": {
            "title": self.data.forum.title, "description": "Diskusi publik warga Kalteng",
            "showLanguageSelector": False, "baseUrl": self.base.rstrip("/"),
            "basePath": "/" + path.rstrip("/") if path.strip("/") else "",
            "baseOrigin": self.base.split("/")[0] + "//" + self.base.split("/")[2],
            "debug": False, "apiUrl": self.api_base, "welcomeTitle": "Selamat datang",
            "welcomeMessage": "Forum warga Kalimantan Tengah", "themePrimaryColor": "#4D698E",
            "themeSecondaryColor": "#4D698E", "logoUrl": None, "faviconUrl": None,
            "headerHtml": None, "footerHtml": None, "allowSignUp": True, "defaultRoute": "/all",
            "canViewForum": True, "canStartDiscussion": False, "canSearchUsers": False,
            "canCreateAccessToken": False, "canModerateAccessTokens": False,
            "assetsBaseUrl": f"{self.base}assets", "minPrimaryTags": "1",
            "maxPrimaryTags": "1", "minSecondaryTags": "0", "maxSecondaryTags": "3",
            "allowUsernameMentionFormat": True}, "relationships": {"groups": {"data": [
                {"type": "groups", "id": "1"}]}}}

    def tags(self) -> dict[str, Any]:
        """ListTagsController: every visible tag, parents included."""
        return document([tag_resource(t, len(self.data.discussions(t.slug)))
                         for t in self.data.tags], [])

    def discussions(self, params: dict[str, Any]) -> dict[str, Any]:
        """ListDiscussionsController with tag filter, sort and offset pagination."""
        filters, page = params.get("filter", {}), params.get("page", {})
        slug = filters.get("tag")
        if slug is not None and self.data.tag(slug) is None:
            return document([], [], pagination_links(
                f"{self.api_base}/discussions", params, 0, PAGE_LIMIT, False))
        found = self._sorted(self.data.discussions(slug), params.get("sort"), slug is not None)
        limit = min(_int(page.get("limit"), PAGE_LIMIT), MAX_LIMIT)
        offset = _int(page.get("offset"), 0)
        shown = found[offset:offset + limit]
        included = []
        for thread in shown:
            for entry in (thread.posts[0], thread.posts[-1]):
                user = self.data.user_of(entry)
                if user is not None:
                    included.append(user_resource(user))
            included += [tag_resource(t, len(self.data.discussions(t.slug)))
                         for t in self.data.thread_tags(thread)]
        links = pagination_links(f"{self.api_base}/discussions", params, offset, limit,
                                 offset + limit < len(found))
        return document([discussion_resource(self.data, t) for t in shown], included, links)

    def _sorted(self, threads: list[Thread], sort: str | None, by_tag: bool) -> list[Thread]:
        if sort is None:  # the default order pins stickied discussions when a tag is shown
            if not by_tag:
                return threads
            return sorted(threads, key=lambda t: t.thread_id not in self.data.sticky)
        key = _SORTS.get(sort.lstrip("-"))
        if key is None:
            raise ApiError(400, "invalid_parameter")
        return sorted(threads, key=key, reverse=sort.startswith("-"))

    def discussion(self, thread_id: int, params: dict[str, Any]) -> dict[str, Any]:
        """ShowDiscussionController: every post id, a window of posts with their relations."""
        thread = self.data.forum.threads.get(thread_id)
        if thread is None or not thread.posts:
            raise ApiError(404, "not_found")
        stream = self.data.streams[thread_id]
        page = params.get("page", {})
        limit = min(_int(page.get("limit"), PAGE_LIMIT), MAX_LIMIT)
        near = _int(page.get("near"), 0)
        offset = max(0, near - 1 - limit // 2) if near > 1 else _int(page.get("offset"), 0)
        window = stream[offset:offset + limit]
        resource = discussion_resource(self.data, thread)
        resource["relationships"]["posts"] = {"data": [
            {"type": "posts", "id": str(e.post_id)} for e in stream]}
        included = [post_resource(self.data, e, self.base) for e in window]
        included += post_includes(self.data, window, self.base, discussions=False)
        user = self.data.user_of(thread.posts[0])
        included += [user_resource(user)] if user else []
        included += [tag_resource(t, len(self.data.discussions(t.slug)))
                     for t in self.data.thread_tags(thread)]
        return document(resource, included)

    def posts(self, params: dict[str, Any]) -> dict[str, Any]:
        """ListPostsController: by discussion or by id, sorted by number, paginated."""
        filters, page = params.get("filter", {}), params.get("page", {})
        if "discussion" in filters:
            stream = self.data.streams.get(_int(filters["discussion"], -1), [])
            entries: list[Entry] = list(stream)
        elif "id" in filters:
            wanted = [_int(i, -1) for i in str(filters["id"]).split(",")]
            entries = [e for e in map(self.data.entry, wanted) if e is not None]
        else:
            raise ApiError(400, "invalid_parameter")
        sort = params.get("sort", "number")
        if sort.lstrip("-") not in ("number", "createdAt"):
            raise ApiError(400, "invalid_parameter")
        if sort.lstrip("-") == "number":
            entries.sort(key=lambda e: self.data.where[e.post_id], reverse=sort.startswith("-"))
        else:
            entries.sort(key=lambda e: (e.published_at, e.post_id), reverse=sort.startswith("-"))
        limit = min(_int(page.get("limit"), PAGE_LIMIT), MAX_LIMIT)
        offset = _int(page.get("offset"), 0)
        shown = entries[offset:offset + limit]
        links = pagination_links(f"{self.api_base}/posts", params, offset, limit,
                                 offset + limit < len(entries))
        return document([post_resource(self.data, e, self.base) for e in shown],
                        post_includes(self.data, shown, self.base, discussions=True), links)

    # -- front end -------------------------------------------------------------------------------

    def html(self, route: list[str], params: dict[str, Any]) -> str | None:
        """The HTML shell of a front-end route (None: 404) with its payload and no-JS content."""
        if not route or route == ["all"]:
            offset = (_int(params.get("page"), 1) - 1) * PAGE_LIMIT
            doc = self.discussions({"page": {"offset": str(offset)}})
            return self._shell(doc, self._list_html(doc, "Semua Diskusi"))
        if len(route) >= 2 and route[0] == "d":
            number = route[1].split("-", 1)[0]
            near = {"near": route[2]} if len(route) > 2 else {}
            try:
                doc = self.discussion(_int(number, -1), {"page": near})
            except ApiError:
                return None
            return self._shell(doc, self._discussion_html(doc))
        tag = self.data.tag(route[1]) if len(route) == 2 and route[0] == "t" else None
        if tag is not None:
            doc = self.discussions({"filter": {"tag": tag.slug}})
            return self._shell(doc, self._list_html(doc, tag.name))
        if len(route) == 2 and route[0] == "u":
            user = next((u for u in self.data.users.values() if username(u) == route[1]), None)
            return None if user is None else self._shell(document(user_resource(user), []), "")
        if route == ["tags"]:
            return self._shell(self.tags(), "")
        return None

    def not_found(self) -> str:
        """Flarum's 404 page (the shell with an error message)."""
        return shell(self.data.forum.title, self.base, {"resources": [self.forum_resource()],
                                                        "session": {"userId": 0}, "locale": "id"},
                     "<h1>404 Tidak Ditemukan</h1>")

    def _shell(self, doc: dict[str, Any], noscript: str) -> str:
        payload = {"resources": [self.forum_resource(), GROUP_ADMIN],
                   "session": {"userId": 0, "csrfToken": "dGVzdC1jc3JmLXRva2VuLWZsYXJ1bQ"},
                   "locale": "id", "apiDocument": doc}
        return shell(self.data.forum.title, self.base, payload, noscript)

    def _list_html(self, doc: dict[str, Any], heading: str) -> str:
        items = "".join(f'<li><a href="{self.base}d/{d["attributes"]["slug"]}">'
                        f'{escape(d["attributes"]["title"])}</a></li>' for d in doc["data"])
        return f'<div class="container"><h2>{escape(heading)}</h2><ul>{items}</ul></div>'

    def _discussion_html(self, doc: dict[str, Any]) -> str:
        users = {r["id"]: r for r in doc.get("included", []) if r["type"] == "users"}
        posts = []
        for resource in doc.get("included", []):
            attrs = resource.get("attributes", {})
            if resource["type"] != "posts" or attrs.get("contentType") != "comment":
                continue
            user = (resource["relationships"]["user"]["data"] or {}).get("id")
            name = users[user]["attributes"]["displayName"] if user in users else "[deleted]"
            posts.append(f'<article><div class="PostUser"><h3 class="PostUser-name">'
                         f'{escape(name)}</h3></div><div class="Post-body">'
                         f'{attrs["contentHtml"]}</div></article><hr>')
        title = escape(doc["data"]["attributes"]["title"])
        return f'<div class="container"><h1>{title}</h1><div>{"".join(posts)}</div></div>'

