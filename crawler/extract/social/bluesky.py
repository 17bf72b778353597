"""Bluesky through a public AppView's XRPC API: ``app.bsky.feed.getAuthorFeed`` (an author's
posts and reposts, newest first, paged by ``cursor``) and ``app.bsky.feed.getPostThread``
(a post with its replies, nested).

A post becomes a post of kind ``post`` keyed by its ``at://`` URI; its record's ``reply``
names the thread's root and the parent; links come from the text's facets and an external
embed, images and videos from the embed's view, quoted posts from a record embed.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.extract.social.api import api_time
from crawler.items import PostItem

METRICS = {"replyCount": "replies", "repostCount": "reposts", "likeCount": "likes",
           "quoteCount": "quotes"}
LINK_FACET = "app.bsky.richtext.facet#link"
THREAD_POST = "app.bsky.feed.defs#threadViewPost"


def rkey(uri: str) -> str:
    """The record key, the last part of ``at://did/app.bsky.feed.post/RKEY``."""
    return uri.rsplit("/", 1)[-1]


def post_item(post: dict[str, Any], web: str) -> PostItem:
    """A ``PostView`` as a post; ``web`` is the origin of post URLs (https://bsky.app)."""
    record = post.get("record") or {}
    author = post.get("author") or {}
    uri = str(post["uri"])
    reply = record.get("reply") or {}
    handle = author.get("handle") or author.get("did") or ""
    return PostItem(
        native_id=uri,
        url=f"{web}/profile/{handle}/post/{rkey(uri)}",
        body_text=record.get("text") or "",
        thread_native_id=(reply.get("root") or {}).get("uri") or uri,
        parent_native_id=(reply.get("parent") or {}).get("uri"),
        author_id=author.get("did"),
        author_name=author.get("handle"),
        author_url=f"{web}/profile/{handle}" if handle else None,
        published_at=api_time(record.get("createdAt") or post.get("indexedAt")),
        published_via="api",
        quoted_native_ids=_quoted(post.get("embed") or {}),
        links=_links(record),
        media=_media(post.get("embed") or {}),
        metrics={name: int(post[key]) for key, name in METRICS.items()
                 if isinstance(post.get(key), int)},
        kind="post",
        language=str(record["langs"][0]).split("-")[0].lower() if record.get("langs") else None,
        raw=json.dumps(post, ensure_ascii=False),
    )


def feed_time(entry: dict[str, Any]) -> str:
    """Where an author-feed entry sorts: a repost by its time, a post by its indexing."""
    reason = entry.get("reason") or {}
    return str(reason.get("indexedAt") or entry["post"].get("indexedAt") or "")


def thread_replies(thread: dict[str, Any], web: str) -> list[PostItem]:
    """Every reply below a ``threadViewPost``, depth first; blocked or deleted ones are
    skipped (``#blockedPost``, ``#notFoundPost``)."""
    items: list[PostItem] = []
    for reply in thread.get("replies") or []:
        if reply.get("$type", THREAD_POST) != THREAD_POST or "post" not in reply:
            continue
        items.append(post_item(reply["post"], web))
        items.extend(thread_replies(reply, web))
    return items


def _links(record: dict[str, Any]) -> list[str]:
    links: list[str] = []
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("$type") == LINK_FACET and feature.get("uri") not in links:
                links.append(feature["uri"])
    external = (record.get("embed") or {}).get("external") or {}
    if external.get("uri") and external["uri"] not in links:
        links.append(external["uri"])
    return links


def _media(embed: dict[str, Any]) -> list[dict[str, Any]]:
    """Images and videos of an embed view (also inside a record-with-media embed)."""
    if "media" in embed:
        embed = embed["media"] or {}
    media: list[dict[str, Any]] = []
    for image in embed.get("images") or []:
        item = {"type": "image", "url": image.get("fullsize") or image.get("thumb")}
        if image.get("alt"):
            item["alt"] = image["alt"]
        media.append(item)
    if embed.get("playlist"):
        media.append({"type": "video", "url": embed["playlist"]})
    return media


def _quoted(embed: dict[str, Any]) -> list[str]:
    """The quoted post of a record embed (``record`` or ``recordWithMedia``)."""
    record = embed.get("record") or {}
    if "record" in record:  # recordWithMedia#view: {"record": {"record": viewRecord}}
        record = record["record"] or {}
    uri = record.get("uri")
    return [uri] if isinstance(uri, str) and "/app.bsky.feed.post/" in uri else []
