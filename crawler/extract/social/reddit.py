"""Reddit through its OAuth API (``oauth.reddit.com``, requested with ``raw_json=1``):
a subreddit's ``/new`` listing and each submission's ``/comments`` tree.

Native ids are Reddit's fullnames: ``t3_…`` for a submission (a post of kind ``post``, its
own thread), ``t1_…`` for a comment (kind ``comment``, ``parent_id`` as reply-to). Ids are
base 36 and grow with time, so a listing's cursor is the newest id as a number.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from crawler.items import PostItem

DELETED_AUTHOR = "[deleted]"


def id_number(fullname_or_id: str) -> int:
    """``t3_1gq2zx`` or ``1gq2zx`` as the number it encodes (base 36)."""
    return int(fullname_or_id.rsplit("_", 1)[-1], 36)


def listing(payload: Any) -> tuple[list[dict[str, Any]], str | None]:
    """(children, ``after``) of a ``Listing``; ValueError for anything else."""
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        raise ValueError("not a Reddit listing")
    data = payload.get("data") or {}
    return list(data.get("children") or []), data.get("after")


def submission_item(data: dict[str, Any], web: str) -> PostItem:
    """A submission (``t3``) as a post: title, self text, link, score and comment count."""
    links = []
    target = data.get("url_overridden_by_dest") or (None if data.get("is_self") else
                                                     data.get("url"))
    if target:
        links.append(str(target))
    media = []
    if data.get("post_hint") == "image" and target:
        media.append({"type": "image", "url": str(target)})
    return PostItem(
        native_id=str(data["name"]),
        url=f"{web}{data.get('permalink') or ''}",
        body_text=data.get("selftext") or "",
        title=data.get("title"),
        thread_native_id=str(data["name"]),
        thread_title=data.get("title"),
        container=data.get("subreddit_name_prefixed"),
        **_author(data),
        published_at=_time(data.get("created_utc")),
        published_via="api",
        edited_at=_time(data.get("edited")),
        links=links,
        media=media,
        metrics=_metrics(data, replies=data.get("num_comments")),
        kind="post",
        raw=json.dumps(data, ensure_ascii=False),
    )


def comment_items(payload: Any, web: str) -> tuple[list[PostItem], int]:
    """The comments of a ``/comments/ID`` response (the submission's listing, then the
    comment tree), depth first, and how many comments were left behind "more" links."""
    if not isinstance(payload, list) or len(payload) != 2:
        raise ValueError("not a Reddit comments response")
    posts, _ = listing(payload[0])
    submission = posts[0]["data"] if posts else {}
    items: list[PostItem] = []
    more = _walk(payload[1], submission, web, items)
    return items, more


def _walk(tree: Any, submission: dict[str, Any], web: str, out: list[PostItem]) -> int:
    if not isinstance(tree, dict):
        return 0  # "replies": "" where a comment has none
    children, _ = listing(tree)
    more = 0
    for child in children:
        data = child.get("data") or {}
        if child.get("kind") == "more":
            more += int(data.get("count") or 0)
            continue
        if child.get("kind") != "t1":
            continue
        out.append(PostItem(
            native_id=str(data["name"]),
            url=f"{web}{data.get('permalink') or ''}",
            body_text=data.get("body") or "",
            thread_native_id=str(data.get("link_id") or submission.get("name")),
            thread_title=submission.get("title"),
            container=data.get("subreddit_name_prefixed") or submission.get(
                "subreddit_name_prefixed"),
            parent_native_id=data.get("parent_id"),
            **_author(data),
            published_at=_time(data.get("created_utc")),
            published_via="api",
            edited_at=_time(data.get("edited")),
            metrics=_metrics(data),
            kind="comment",
            raw=json.dumps({k: v for k, v in data.items() if k != "replies"},
                           ensure_ascii=False),
        ))
        more += _walk(data.get("replies"), submission, web, out)
    return more


def _author(data: dict[str, Any]) -> dict[str, Any]:
    name = data.get("author")
    if not name or name == DELETED_AUTHOR:
        return {"author_id": None, "author_name": None}
    return {"author_id": data.get("author_fullname") or name, "author_name": name,
            "author_url": f"https://www.reddit.com/user/{name}"}


def _metrics(data: dict[str, Any], replies: Any = None) -> dict[str, int]:
    metrics = {"score": int(data["score"])} if isinstance(data.get("score"), int) else {}
    if isinstance(replies, int):
        metrics["replies"] = replies
    return metrics


def _time(value: Any) -> datetime | None:
    """Reddit's epoch seconds (``edited`` is false when a post was never edited)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)
