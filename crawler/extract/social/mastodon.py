"""Mastodon's REST API (``/api/v1``): statuses of a timeline and of a status's context.

A status becomes a post of kind ``status`` keyed by its canonical ``uri`` (the same status
seen through any instance has one identity); its HTML ``content`` becomes text, the content
warning (``spoiler_text``) its title, ``edited_at`` its edit time, and the counts its metrics.
Replies need the context (``/api/v1/statuses/:id/context``): ``in_reply_to_id`` is the id on
the crawled instance, and only the context maps it to the parent's URI and names the root.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawler.extract.social.api import api_time
from crawler.extract.text import extract_body
from crawler.items import PostItem

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')
METRICS = {"replies_count": "replies", "reblogs_count": "reblogs",
           "favourites_count": "favourites", "quotes_count": "quotes"}


def id_key(status_id: Any) -> tuple[int, str]:
    """A status id as a sort key: Mastodon's snowflakes are decimal strings, other servers of
    the same API use fixed-length sortable strings (Pleroma's flake ids, GoToSocial's ULIDs);
    longer sorts later, then by character."""
    text = str(status_id)
    return len(text), text


def link_header(value: str | None) -> dict[str, str]:
    """Mastodon's paging links: ``<URL?max_id=1>; rel="next", <URL?min_id=9>; rel="prev"``."""
    return {rel: url for url, rel in _LINK.findall(value or "")}


def original(status: dict[str, Any]) -> dict[str, Any]:
    """The status itself, or the reblogged one for a reblog (a reblog has no words of its own)."""
    reblog = status.get("reblog")
    return reblog if isinstance(reblog, dict) else status


def needs_context(status: dict[str, Any]) -> bool:
    """Whether the status is part of a conversation: a reply, or replied to."""
    status = original(status)
    return status.get("in_reply_to_id") is not None or bool(status.get("replies_count"))


def status_item(status: dict[str, Any], instance: str, thread: str | None = None,
                parent: str | None = None) -> PostItem:
    """One status (a reblog: the reblogged status) as a post; ``thread`` and ``parent`` are
    the root's and the replied-to status's URIs where the context told them."""
    status = original(status)
    account = status.get("account") or {}
    uri = str(status["uri"])
    content = Selector(text=f"<div>{status.get('content') or ''}</div>").css("div")[0]
    parts = extract_body(content, status.get("url") or uri)
    links = [url for url in parts.links if url not in _mention_and_tag_links(status, content)]
    card = status.get("card") or {}
    if card.get("url") and card["url"] not in links:
        links.append(card["url"])
    quote = status.get("quote") or {}
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    return PostItem(
        native_id=uri,
        url=status.get("url") or uri,
        body_text=parts.own_text,
        title=status.get("spoiler_text") or None,
        thread_native_id=thread or (uri if status.get("in_reply_to_id") is None else None),
        parent_native_id=parent,
        container=urlsplit(uri).netloc.lower() or None,
        author_id=account.get("uri") or account.get("url"),
        author_name=_acct(account, instance),
        author_url=account.get("url"),
        published_at=api_time(status.get("created_at")),
        published_via="api",
        edited_at=api_time(status.get("edited_at")),
        quoted_native_ids=[quoted["uri"]] if isinstance(quoted, dict) and "uri" in quoted else [],
        links=links,
        media=[_attachment(a) for a in status.get("media_attachments") or []],
        metrics={name: int(status[key]) for key, name in METRICS.items()
                 if isinstance(status.get(key), int)},
        kind="status",
        language=_language(status.get("language")),
        raw=json.dumps(status, ensure_ascii=False),
    )


def context_items(status: dict[str, Any], context: dict[str, Any],
                  instance: str) -> list[PostItem]:
    """The conversation of ``status`` (its ancestors, itself, its descendants), each with the
    root's URI as thread and its parent's URI; a parent the context does not show is None."""
    status = original(status)
    ancestors = list(context.get("ancestors") or [])
    chain = [*ancestors, status, *(context.get("descendants") or [])]
    uris = {str(s["id"]): str(s["uri"]) for s in chain if "id" in s and "uri" in s}
    root = str((ancestors[0] if ancestors else status)["uri"])
    items = []
    for entry in chain:
        parent_id = entry.get("in_reply_to_id")
        items.append(status_item(entry, instance, thread=root,
                                 parent=uris.get(str(parent_id)) if parent_id else None))
    return items


def _mention_and_tag_links(status: dict[str, Any], content: Selector) -> set[str]:
    """Links to accounts and hashtags: ``a.mention`` (``a.mention.hashtag``, ``rel=tag``) in
    the content (the origin server's URLs) and the status's mentions and tags (the viewing
    instance's)."""
    found = set(content.xpath(".//a[contains(concat(' ', normalize-space(@class), ' '), "
                              "' mention ') or contains(concat(' ', @rel, ' '), ' tag ')]"
                              "/@href").getall())
    found |= {m.get("url") for m in status.get("mentions") or []}
    found |= {t.get("url") for t in status.get("tags") or []}
    return {url for url in found if url}


def _acct(account: dict[str, Any], instance: str) -> str | None:
    """``user@host``: a local account's ``acct`` lacks the host."""
    acct = account.get("acct")
    if not acct:
        return None
    return acct if "@" in acct else f"{acct}@{urlsplit(instance).netloc}"


def _language(value: Any) -> str | None:
    """The primary subtag of the status's language (``pt-BR`` -> ``pt``), if stated."""
    return str(value).split("-")[0].lower() or None if value else None


def _attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    media: dict[str, Any] = {"type": attachment.get("type") or "unknown",
                             "url": attachment.get("url") or attachment.get("remote_url")}
    if attachment.get("description"):
        media["alt"] = attachment["description"]
    return media
