"""Reddit's OAuth API: ``POST /api/v1/access_token`` (client credentials, HTTP Basic) and,
with ``Authorization: bearer TOKEN`` only, ``/r/<sub>/new`` (``limit``, ``after``) and
``/r/<sub>/comments/<id>`` (the submission's listing and the comment tree, with "more"
stubs), in the API's Listing/Thing shapes. ``expire_at`` makes every token expire at once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.sites.social import Answer, SocialServer, at, json_answer

CLIENT = ("pantau-test-app", "s3cr3t-value")


def user_id(name: str | None) -> str | None:
    """A user's fullname (``t2_…``); None for a deleted account."""
    return f"t2_{hashlib.sha1(name.encode()).hexdigest()[:8]}" if name else None


def b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


@dataclass
class Comment:
    id: str
    author: str | None  # None: [deleted]
    body: str
    minutes: int
    score: int
    parent: str  # fullname
    replies: list[Comment] = field(default_factory=list)
    edited_minutes: int | None = None


@dataclass
class Submission:
    id: str
    title: str
    author: str | None
    minutes: int
    score: int
    selftext: str = ""
    link: str | None = None
    image: bool = False
    comments: list[Comment] = field(default_factory=list)
    hidden: int = 0  # comments behind a "more" stub
    edited_minutes: int | None = None

    def all_comments(self) -> list[Comment]:
        out: list[Comment] = []

        def walk(level: list[Comment]) -> None:
            for comment in level:
                out.append(comment)
                walk(comment.replies)
        walk(self.comments)
        return out


@dataclass
class Subreddit:
    name: str
    submissions: list[Submission] = field(default_factory=list)
    next_id: int = 1_900_000_000

    def new_id(self) -> str:
        self.next_id += 37
        return b36(self.next_id)

    def submit(self, title: str, minutes: int, **extra: Any) -> Submission:
        submission = Submission(self.new_id(), title, extra.pop("author", "warga_kalteng"),
                                minutes, extra.pop("score", 5), **extra)
        self.submissions.append(submission)
        return submission

    def comment(self, on: Submission, parent: Comment | None, body: str, minutes: int,
                **extra: Any) -> Comment:
        comment = Comment(self.new_id(), extra.pop("author", "pembaca"), body, minutes,
                          extra.pop("score", 1), parent=f"t1_{parent.id}" if parent else
                          f"t3_{on.id}", **extra)
        (parent.replies if parent else on.comments).append(comment)
        return comment


def build_subreddit() -> Subreddit:
    """130 submissions (self posts, links, images), comment trees, deleted authors, edits."""
    sub = Subreddit("Kalteng")
    for n in range(1, 131):
        extra: dict[str, Any] = {"score": n % 23}
        if n % 3 == 0:
            extra["link"] = f"https://kalteng.example.id/berita/{n}"
            extra["image"] = n % 6 == 0
        else:
            extra["selftext"] = f"Diskusi nomor {n} soal pilkada.\n\nApa pendapat kalian?"
        if n % 10 == 0:
            extra["edited_minutes"] = 60 * n + 5
        if n % 17 == 0:
            extra["author"] = None
        submission = sub.submit(f"Topik {n}: debat calon gubernur", 60 * n, **extra)
        if n % 4 == 0:
            first = sub.comment(submission, None, f"Komentar pertama di topik {n}.", 60 * n + 1)
            sub.comment(submission, first, "Balasan untuk komentar itu.", 60 * n + 2,
                        author=None if n % 8 == 0 else "relawan")
            sub.comment(submission, None, "Komentar kedua.", 60 * n + 3,
                        edited_minutes=60 * n + 9 if n % 12 == 0 else None)
        if n == 64:
            submission.hidden = 3
    return sub


class RedditServer(SocialServer):
    """Serves a :class:`Subreddit` behind OAuth."""

    model: Subreddit
    expire_at: int | None = None  # at this API request, every token issued so far expires

    def __init__(self, model: Subreddit) -> None:
        super().__init__(model)
        self.tokens: set[str] = set()
        self.api_requests = 0

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        if parts.path == "/api/v1/access_token" and method == "POST":
            return self.grant(headers.get("authorization", ""), body)
        self.api_requests += 1
        if self.api_requests == self.expire_at:
            self.tokens.clear()  # a day has passed: Reddit's tokens last 24 hours
        if headers.get("authorization", "").removeprefix("bearer ") not in self.tokens:
            return json_answer({"message": "Unauthorized", "error": 401}, 401)
        segments = parts.path.lower().strip("/").split("/")  # names are case-insensitive
        if segments[:1] != ["r"] or segments[1:2] != [self.model.name.lower()]:
            return json_answer({"message": "Not Found", "error": 404}, 404)
        if segments[2:] == ["new"]:
            return self.new(int(query.get("limit", 25)), query.get("after"))
        if len(segments) == 4 and segments[2] == "comments":
            found = [s for s in self.model.submissions if s.id == segments[3]]
            if found:
                return json_answer([_listing([self.thing(found[0])]), _listing(
                    self.tree(found[0].comments, found[0]) + _more(found[0]))])
        return json_answer({"message": "Not Found", "error": 404}, 404)

    def grant(self, authorization: str, body: bytes) -> Answer:
        expected = "Basic " + base64.b64encode(":".join(CLIENT).encode()).decode()
        if authorization != expected or b"grant_type=client_credentials" not in body:
            return json_answer({"message": "Unauthorized", "error": 401}, 401)
        token = secrets.token_hex(8)
        self.tokens.add(token)
        return json_answer({"access_token": token, "token_type": "bearer",
                            "expires_in": 86400, "scope": "*"})

    def new(self, limit: int, after: str | None) -> Answer:
        ordered = sorted(self.model.submissions, key=lambda s: int(s.id, 36), reverse=True)
        if after:
            names = [f"t3_{s.id}" for s in ordered]
            ordered = ordered[names.index(after) + 1:] if after in names else []
        page = ordered[:min(limit, 100)]
        more = len(ordered) > len(page)
        return json_answer(_listing([self.thing(s) for s in page],
                                    after=f"t3_{page[-1].id}" if more and page else None))

    def thing(self, s: Submission) -> dict[str, Any]:
        created = at(s.minutes).timestamp()
        data: dict[str, Any] = {
            "approved_at_utc": None, "subreddit": self.model.name, "selftext": s.selftext,
            "author_fullname": user_id(s.author),
            "title": s.title, "subreddit_name_prefixed": f"r/{self.model.name}",
            "name": f"t3_{s.id}", "upvote_ratio": 0.9, "ups": s.score, "downs": 0,
            "score": s.score, "edited": at(s.edited_minutes).timestamp() if s.edited_minutes
            else False, "created": created, "created_utc": created, "is_self": not s.link,
            "domain": "kalteng.example.id" if s.link else f"self.{self.model.name}",
            "permalink": f"/r/{self.model.name}/comments/{s.id}/topik/", "id": s.id,
            "url": s.link or f"https://www.reddit.com/r/{self.model.name}/comments/{s.id}/topik/",
            "num_comments": len(s.all_comments()) + s.hidden,
            "author": s.author or "[deleted]", "over_18": False, "spoiler": False,
            "locked": False, "stickied": False, "subreddit_id": "t5_2qh1a",
        }
        if s.link:
            data["url_overridden_by_dest"] = s.link
            if s.image:
                data["post_hint"] = "image"
        return {"kind": "t3", "data": data}

    def tree(self, comments: list[Comment], s: Submission) -> list[dict[str, Any]]:
        out = []
        for c in comments:
            created = at(c.minutes).timestamp()
            out.append({"kind": "t1", "data": {
                "subreddit_id": "t5_2qh1a", "link_id": f"t3_{s.id}", "id": c.id,
                "name": f"t1_{c.id}", "author": c.author or "[deleted]",
                "author_fullname": user_id(c.author),
                "parent_id": c.parent, "score": c.score, "body": c.body,
                "body_html": f"&lt;div class=\"md\"&gt;&lt;p&gt;{c.body}&lt;/p&gt;&lt;/div&gt;",
                "edited": at(c.edited_minutes).timestamp() if c.edited_minutes else False,
                "created": created, "created_utc": created,
                "permalink": f"/r/{self.model.name}/comments/{s.id}/topik/{c.id}/",
                "subreddit_name_prefixed": f"r/{self.model.name}", "depth": 0,
                "replies": _listing(self.tree(c.replies, s)) if c.replies else "",
            }})
        return out


def _listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "dist": len(children),
                                        "children": children, "before": None}}


def _more(s: Submission) -> list[dict[str, Any]]:
    if not s.hidden:
        return []
    return [{"kind": "more", "data": {"count": s.hidden, "name": "t1__", "id": "_",
                                      "parent_id": f"t3_{s.id}", "depth": 0,
                                      "children": [f"x{i}" for i in range(s.hidden)]}}]


def truth(server: RedditServer) -> set[tuple[Any, ...]]:
    """Every submission and every comment not behind a "more" stub, as stored."""
    web, sub = server.origin, server.model
    rows = set()
    for s in sub.submissions:
        link = (s.link,) if s.link else ()
        rows.add((f"t3_{s.id}", f"{web}/r/{sub.name}/comments/{s.id}/topik/", "post",
                  f"t3_{s.id}", None, f"r/{sub.name}", user_id(s.author), s.author,
                  at(s.minutes), at(s.edited_minutes) if s.edited_minutes else None, s.title,
                  s.selftext, (("replies", len(s.all_comments()) + s.hidden),
                               ("score", s.score)), link, link if s.image else ()))
        for c in s.all_comments():
            rows.add((f"t1_{c.id}", f"{web}/r/{sub.name}/comments/{s.id}/topik/{c.id}/",
                      "comment", f"t3_{s.id}", c.parent, f"r/{sub.name}", user_id(c.author),
                      c.author, at(c.minutes),
                      at(c.edited_minutes) if c.edited_minutes else None, None, c.body,
                      (("score", c.score),), (), ()))
    return rows
