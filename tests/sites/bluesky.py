"""A Bluesky AppView's public XRPC API: ``app.bsky.feed.getAuthorFeed`` (``actor``, ``limit``,
``cursor``: the feed time of the last entry, like the AppView's) and
``app.bsky.feed.getPostThread`` (``uri``, ``depth``), with the real response shapes (the
keys of a real threadViewPost: uri, cid, author, record, embed, counts, indexedAt, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.sites.social import Answer, SocialServer, at, iso_z, json_answer

THREAD = "app.bsky.feed.defs#threadViewPost"


@dataclass
class Actor:
    did: str
    handle: str

    def json(self) -> dict[str, Any]:
        return {"did": self.did, "handle": self.handle, "displayName": self.handle.split(".")[0],
                "avatar": f"https://cdn.example.org/avatar/{self.did}@jpeg",
                "associated": {"chat": {"allowIncoming": "all"}},
                "viewer": {"muted": False, "blockedBy": False}, "labels": [],
                "createdAt": "2023-04-26T19:05:34.249Z"}


@dataclass
class Post:
    n: int
    author: Actor
    text: str
    minutes: int
    reply_to: Post | None = None
    link: str | None = None
    image: str | None = None
    quote: Post | None = None
    likes: int = 0
    reposted_by: list[tuple[Actor, int]] = field(default_factory=list)  # (who, minutes)

    @property
    def uri(self) -> str:
        return f"at://{self.author.did}/app.bsky.feed.post/3kz{self.n:010d}"

    @property
    def root(self) -> Post:
        return self.reply_to.root if self.reply_to else self

    def view(self, replies: int) -> dict[str, Any]:
        """The post as a PostView."""
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": iso_z(at(
            self.minutes)), "langs": ["id"], "text": self.text}
        if self.reply_to:
            record["reply"] = {"root": {"uri": self.root.uri, "cid": "bafyreiroot"},
                               "parent": {"uri": self.reply_to.uri, "cid": "bafyreiparent"}}
        if self.link:
            start = len(self.text.encode()) - len(self.link.encode())
            record["facets"] = [{"index": {"byteStart": start, "byteEnd": len(self.text.encode())},
                                 "features": [{"$type": "app.bsky.richtext.facet#link",
                                               "uri": self.link}]}]
        view: dict[str, Any] = {"uri": self.uri, "cid": f"bafyreicid{self.n}",
                                "author": self.author.json(), "record": record}
        if self.image:
            view["embed"] = {"$type": "app.bsky.embed.images#view", "images": [
                {"thumb": self.image + "@thumb", "fullsize": self.image, "alt": "Spanduk"}]}
        if self.quote:
            view["embed"] = {"$type": "app.bsky.embed.record#view", "record": {
                "$type": "app.bsky.embed.record#viewRecord", "uri": self.quote.uri,
                "cid": f"bafyreicid{self.quote.n}", "author": self.quote.author.json(),
                "value": {"text": self.quote.text}}}
        view.update(replyCount=replies, repostCount=len(self.reposted_by), likeCount=self.likes,
                    quoteCount=0, indexedAt=iso_z(at(self.minutes)),
                    viewer={"threadMuted": False}, labels=[])
        return view


@dataclass
class Network:
    actors: list[Actor] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)

    def post(self, author: Actor, text: str, **extra: Any) -> Post:
        post = Post(len(self.posts) + 1, author, text, 23 * (len(self.posts) + 1), **extra)
        self.posts.append(post)
        return post

    def replies(self, post: Post) -> list[Post]:
        return [p for p in self.posts if p.reply_to is post]

    def feed(self, actor: Actor) -> list[tuple[str, Post, Actor | None]]:
        """(feed time, post, reposter) of an author feed, newest first."""
        entries = [(iso_z(at(p.minutes)), p, None) for p in self.posts if p.author is actor]
        entries += [(iso_z(at(m)), p, who) for p in self.posts for who, m in p.reposted_by
                    if who is actor]
        return sorted(entries, key=lambda e: e[0], reverse=True)


def build_network() -> Network:
    """Two actors; 130 posts and replies of ``kalteng.bsky.social``, replies by
    ``warga.bsky.social``, links, images, a quote and two reposts."""
    net = Network()
    kalteng = Actor("did:plc:kvwvcn5iqfooopmyzvb4qzba", "kalteng.bsky.social")
    warga = Actor("did:plc:2xau7wbgdq4phuou2ypwuen7", "warga.bsky.social")
    net.actors = [kalteng, warga]
    for n in range(1, 131):
        extra: dict[str, Any] = {"likes": n % 17}
        text = f"Kabar {n}: persiapan pilkada Kalimantan Tengah."
        if n % 5 == 0:
            extra["link"] = f"https://kalteng.example.id/berita/{n}"
            text += f" {extra['link']}"
        if n % 9 == 0:
            extra["image"] = f"https://cdn.example.org/img/{n}@jpeg"
        post = net.post(kalteng, text, **extra)
        if n % 4 == 0:
            reply = net.post(warga, f"Tanggapan untuk kabar {n}.", reply_to=post)
            if n % 8 == 0:
                net.post(kalteng, f"Terima kasih atas tanggapannya ({n}).", reply_to=reply)
    other = net.post(warga, "Posko relawan buka di Sampit.")
    net.post(kalteng, "Kutipan dari warga:", quote=other)
    other.reposted_by.append((kalteng, 23 * len(net.posts) + 5))
    return net


class BlueskyServer(SocialServer):
    """Serves a :class:`Network` as the public AppView does."""

    model: Network

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        if parts.path == "/xrpc/app.bsky.feed.getAuthorFeed":
            actor = next((a for a in self.model.actors
                          if query.get("actor") in (a.handle, a.did)), None)
            if actor is None:
                return json_answer({"error": "InvalidRequest", "message": "Profile not found"},
                                   400)
            return self.author_feed(actor, int(query.get("limit", 50)), query.get("cursor"))
        if parts.path == "/xrpc/app.bsky.feed.getPostThread":
            post = next((p for p in self.model.posts if p.uri == query.get("uri")), None)
            if post is None:
                return json_answer({"error": "NotFound", "message": "Post not found"}, 400)
            return json_answer({"thread": self.thread(post)})
        return json_answer({"error": "MethodNotImplemented"}, 501)

    def author_feed(self, actor: Actor, limit: int, cursor: str | None) -> Answer:
        entries = [e for e in self.model.feed(actor) if cursor is None or e[0] < cursor]
        page = entries[:min(limit, 100)]
        feed = []
        for when, post, reposter in page:
            entry: dict[str, Any] = {"post": post.view(len(self.model.replies(post)))}
            if post.reply_to:
                entry["reply"] = {"root": post.root.view(len(self.model.replies(post.root))),
                                  "parent": post.reply_to.view(1)}
            if reposter:
                entry["reason"] = {"$type": "app.bsky.feed.defs#reasonRepost",
                                   "by": reposter.json(), "indexedAt": when}
            feed.append(entry)
        out: dict[str, Any] = {"feed": feed}
        if len(entries) > len(page):
            out["cursor"] = page[-1][0]
        return json_answer(out)

    def thread(self, post: Post) -> dict[str, Any]:
        replies: list[dict[str, Any]] = [self.thread(r) for r in self.model.replies(post)]
        if replies:  # a deleted reply shows as notFoundPost
            replies.append({"$type": "app.bsky.feed.defs#notFoundPost",
                            "uri": post.uri + "x", "notFound": True})
        return {"$type": THREAD, "post": post.view(len(self.model.replies(post))),
                "replies": replies}


def truth(server: BlueskyServer, actor: Actor) -> set[tuple[Any, ...]]:
    """The posts a crawl of ``actor``'s feed stores: the feed's posts and every reply below
    those that have replies."""
    net, web = server.model, server.origin
    chosen: dict[str, Post] = {}

    def below(post: Post) -> None:
        for reply in net.replies(post):
            chosen[reply.uri] = reply
            below(reply)

    for _, post, _ in net.feed(actor):
        chosen[post.uri] = post
        below(post)
    return {(p.uri, f"{web}/profile/{p.author.handle}/post/3kz{p.n:010d}", "post", p.root.uri,
             p.reply_to.uri if p.reply_to else None, p.author.did, p.author.handle,
             at(p.minutes), p.text,
             (("likes", p.likes), ("quotes", 0), ("replies", len(net.replies(p))),
              ("reposts", len(p.reposted_by))),
             (p.image,) if p.image else (), (p.link,) if p.link else (),
             (p.quote.uri,) if p.quote else ())
            for p in chosen.values()}
