"""The normalized post: what spiders yield, what the writer stores, and how identity is derived."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Bumped whenever extraction or normalization changes what a stored post's text looks like.
# A change of this version re-normalizes stored posts without counting as an edit.
EXTRACTOR_VERSION = 1

PUBLISHED_VIA = ("page", "feed", "api", "relative", "first_seen")
# Platforms whose items are keyed by a canonical URI (ActivityPub, AT Protocol): their post and
# author identities leave the site key out, so an item seen through two instances is one post.
FEDERATED_PLATFORMS = frozenset({"mastodon", "bluesky"})
AUTHOR_POLICIES = ("keep", "pseudonymize", "drop")


class UnparsablePage(Exception):
    """A page that should hold posts holds none the spider understands.

    Raised by a spider callback; the crawl records it as a parse error, and the thread is not
    judged for deletions (one broken page must never mark stored posts deleted).
    """


@dataclass(slots=True)
class PostItem:
    """One post, comment, message or article as a spider extracted it from a page.

    Spiders fill only what the page shows; the normalize pipeline derives identity,
    hashes and timestamps (see :class:`Post`).
    """

    native_id: str
    url: str
    body_text: str
    thread_native_id: str | None = None
    thread_title: str | None = None
    container: str | None = None
    position: int | None = None
    author_name: str | None = None
    author_id: str | None = None  # the author's id on the site; None for guests
    author_url: str | None = None
    published_at: datetime | None = None  # timezone-aware
    published_via: str = "page"
    edited_at: datetime | None = None
    title: str | None = None
    parent_native_id: str | None = None
    # Where a page names the replied-to post only by its number in the thread (Discourse's
    # reply_to_post_number): the spider resolves it to parent_native_id from the thread's posts.
    reply_to_position: int | None = None
    quoted_native_ids: list[str] = field(default_factory=list)
    quoted_text: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, int] = field(default_factory=dict)
    kind: str = "post"
    language: str | None = None  # as the page or feed states it (primary subtag, e.g. "id")
    raw: str | None = None  # the post's markup or JSON as fetched
    # Platform facts with no column of their own, kept in posts.raw under their keys whatever
    # the author policy (e.g. Telegram's "forwarded_from" and "edited"): never author names.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ThreadItem:
    """A thread after the last page this run fetched of it, with where an incremental crawl
    resumes it next time.

    ``complete``: every page was fetched in this run, from the first; then the writer uses
    ``post_native_ids`` to mark stored posts missing from the thread as deleted. A resumed
    (incremental) fetch is not complete and never judges deletions.
    """

    native_id: str
    url: str
    title: str | None
    container: str | None
    post_native_ids: list[str]
    pages: int
    complete: bool = True
    signature: str | None = None  # the listing's activity signature when the crawl began
    last_page_url: str | None = None
    last_page_position: int | None = None  # position of the first post on the last page
    post_count: int | None = None  # position of the last post
    last_post_native_id: str | None = None


@dataclass(slots=True)
class ThreadRef:
    """A thread found while listing a source (spider mode ``discover``).

    A sharded run plans these into batches; each batch is crawled by a spider in mode
    ``threads`` with the batch's URLs, on whichever worker takes it.
    """

    native_id: str
    url: str
    container: str | None = None
    signature: str | None = None  # what the listing showed of its activity


# Spider modes every adapter accepts as the ``mode`` argument (with ``urls`` for "threads"):
# "full" crawls everything from start_url; "discover" yields ThreadRefs instead of fetching
# threads; "threads" crawls exactly the thread URLs given.
SPIDER_MODES = ("full", "discover", "threads")

# Request meta key a spider sets (True) on a request that continues the list or thread of the
# page it came from: crawler.bounds.traps stops such chains when they repeat or never end.
NEXT_PAGE = "pantau_next_page"
# Request meta key (True) on a request whose answer may be binary, e.g. a gzip sitemap
# (application/x-gzip): crawler.bounds.traps does not reject it as "not a text page".
BINARY_OK = "pantau_binary_ok"


@dataclass(slots=True)
class Post:
    """A row of the ``posts`` table, built by the normalize pipeline from a :class:`PostItem`."""

    uid: str
    platform: str
    site: str
    source: str
    url: str
    native_id: str
    kind: str
    thread_native_id: str | None
    thread_title: str | None
    container: str | None
    parent_native_id: str | None
    quoted_native_ids: list[str]
    position: int | None
    author_key: str | None
    author_name: str | None
    published_at: datetime | None
    published_via: str
    seen_at: datetime  # becomes first_seen_at on insert and last_seen_at always
    edited_at: datetime | None
    title: str | None
    body_text: str
    language: str | None
    links: list[str]
    hashtags: list[str]
    mentions: list[str]
    media: list[dict[str, Any]]
    metrics: dict[str, int]
    region_codes: list[str]
    watchlist_flags: list[str]
    content_hash: str
    extractor_version: int
    raw: dict[str, Any] | None
    crawl_run: int | None


def stable_hash(*parts: str, length: int = 32) -> str:
    """Hex digest of the parts joined with a separator no part contains."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=32).hexdigest()
    return digest[:length]


def post_uid(platform: str, site: str, kind: str, native_id: str) -> str:
    """The stable identity of a post: (platform, site key, item kind, native id)."""
    return stable_hash(platform, site, kind, native_id)


def identity_site(platform: str, site: str) -> str:
    """The site key that goes into post and author identities: none for federated platforms,
    whose native ids (canonical URIs) are unique on their own."""
    return "" if platform in FEDERATED_PLATFORMS else site


def normalize_text(text: str | None) -> str:
    """NFC, collapsed whitespace per line, no blank runs: the form content hashes are taken of."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def content_hash(title: str | None, body_text: str) -> str:
    """Hash over the normalized title and body only: an edit is a change of this value."""
    return stable_hash(normalize_text(title), normalize_text(body_text))
