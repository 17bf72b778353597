"""A Mastodon instance's public API over HTTP, answering as Mastodon 4 does to an anonymous
client: ``/api/v1/timelines/tag/:tag``, ``/api/v1/timelines/public[?local=true]``,
``/api/v1/accounts/lookup?acct=``, ``/api/v1/accounts/:id/statuses`` and
``/api/v1/statuses/:id/context``; ``limit`` (at most 40), ``max_id``/``since_id``/``min_id``
and the ``Link`` header with ``next`` (older) and ``prev`` (newer) pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.sites.mastodon_model import Instance, Status
from tests.sites.social import Answer, SocialServer, at, json_answer

NOT_FOUND = {"error": "Record not found"}


class MastodonServer(SocialServer):
    """Serves an :class:`Instance`."""

    model: Instance

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        path, query = parts.path, dict(parse_qsl(parts.query))
        segments = path.strip("/").split("/")
        if method != "GET" or segments[:2] != ["api", "v1"]:
            return json_answer(NOT_FOUND, 404)
        rest = segments[2:]
        if rest[:2] == ["timelines", "tag"] and len(rest) == 3:
            listed = [s for s in self.model.statuses
                      if rest[2].lower() in s.tags and s.reblog_of is None]
        elif rest == ["timelines", "public"]:
            local = query.get("local") == "true"
            listed = [s for s in self.model.statuses
                      if s.reblog_of is None and not (local and s.account.remote)]
        elif rest == ["accounts", "lookup"]:
            found = [a for a in self.model.accounts
                     if a.username == query.get("acct", "").split("@")[0]]
            return json_answer(found[0].json(self.origin)) if found else json_answer(
                NOT_FOUND, 404)
        elif len(rest) == 3 and rest[0] == "accounts" and rest[2] == "statuses":
            listed = [s for s in self.model.statuses if s.account.id == rest[1]]
        elif len(rest) == 3 and rest[0] == "statuses" and rest[2] == "context":
            return self.context(rest[1])
        else:
            return json_answer(NOT_FOUND, 404)
        return self.page(path, query, listed)

    def json(self, status: Status) -> dict[str, Any]:
        """A status as the API returns it (a reblog wraps the reblogged status)."""
        if status.reblog_of is not None:
            inner = self.json(status.reblog_of)
            data = status.json(self.origin, 0)
            data.update(content="", reblog=inner, uri=f"{data['uri']}/activity")
            return data
        return status.json(self.origin, len(self.model.replies(status)))

    def page(self, path: str, query: dict[str, str], listed: list[Status]) -> Answer:
        limit = min(int(query.get("limit", 20)), 40)
        bounds = {k: int(query[k]) for k in ("max_id", "since_id", "min_id") if k in query}
        chosen = [s for s in listed if s.id < bounds.get("max_id", 1 << 62)
                  and s.id > max(bounds.get("since_id", 0), bounds.get("min_id", 0))]
        chosen.sort(key=lambda s: s.id)
        chosen = chosen[:limit] if "min_id" in bounds else chosen[-limit:]
        chosen.reverse()
        headers = {}
        if chosen:
            fixed = {k: v for k, v in query.items() if k not in bounds}
            base = f"{self.origin}{path}?"
            older = urlencode({**fixed, "max_id": chosen[-1].id})
            newer = urlencode({**fixed, "min_id": chosen[0].id})
            headers["Link"] = f'<{base}{older}>; rel="next", <{base}{newer}>; rel="prev"'
        return json_answer([self.json(s) for s in chosen], headers=headers)

    def context(self, status_id: str) -> Answer:
        status = next((s for s in self.model.statuses if str(s.id) == status_id), None)
        if status is None:
            return json_answer(NOT_FOUND, 404)
        return json_answer({
            "ancestors": [self.json(s) for s in self.model.ancestors(status)],
            "descendants": [self.json(s) for s in self.model.descendants(status)],
        })


def timeline(server: MastodonServer, name: str) -> list[Status]:
    """What a timeline lists, by the same rules as the server."""
    statuses = server.model.statuses
    if name.startswith("tags/"):
        return [s for s in statuses if name[5:] in s.tags and s.reblog_of is None]
    if name == "public/local":
        return [s for s in statuses if s.reblog_of is None and not s.account.remote]
    return [s for s in statuses if s.account.username == name.lstrip("@")]


def truth(server: MastodonServer, listed: list[Status]) -> set[tuple[Any, ...]]:
    """The posts a crawl of the timeline ``listed`` stores: each status, or the conversation
    (ancestors, itself, descendants) of one that is or has a reply."""
    origin, instance = server.origin, server.model
    rows = set()
    for entry in listed:
        status = entry.reblog_of or entry
        chain = [status]
        if status.reply_to or instance.replies(status):
            chain = [*instance.ancestors(status), status, *instance.descendants(status)]
        root = chain[0] if len(chain) > 1 else status
        for s in chain:
            rows.add((
                s.uri(origin), s.url(origin), "status", root.uri(origin),
                s.reply_to.uri(origin) if s.reply_to else None,
                s.uri(origin).split("/")[2], s.account.uri(origin), s.account.acct(origin),
                s.created, at(s.edited_minutes) if s.edited_minutes else None,
                s.spoiler or None, s.text(origin),
                (("favourites", s.favourites), ("quotes", 0),
                 ("reblogs", s.favourites // 2), ("replies", len(instance.replies(s)))),
                (s.image,) if s.image else (), (s.link,) if s.link else (), ()))
    return rows
