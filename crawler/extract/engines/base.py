"""What a forum engine adapter is: a parser from one fetched page to what that page holds.

An engine never fetches anything. The generic forum spider (``spiders/forum.py``) fetches
pages and asks the engine what each one holds: boards to list, threads (with what the listing
shows of their activity), posts, the thread the posts belong to, and the next page of the same
list or thread. ``pantau extract`` runs the same parsers on a saved page, so what a user sees
there is exactly what a crawl would take from that page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawler.extract.sanitize import clean_tree, load_json, parseable
from crawler.items import PostItem

# What a page is: "index" (boards), "board" (a thread list), "thread" (posts), "other".
PAGE_KINDS = ("index", "board", "thread", "other")


class EngineError(ValueError):
    """An engine name nobody knows, or a page no engine recognizes."""


@dataclass(slots=True)
class ParseContext:
    """What a parser needs besides the page: the site's time zone and the fetch time.

    ``timezone`` is the IANA zone the forum shows its times in (pages rarely say);
    ``now`` is what relative dates ("Kemarin, 10:05", "2 jam yang lalu") refer to.
    """

    timezone: str = "Asia/Jakarta"
    now: datetime | None = None

    def current(self) -> datetime:
        """``now``, or the current time in the site's zone."""
        return self.now or datetime.now(ZoneInfo(self.timezone))


@dataclass
class Page:
    """One fetched page or API response: its final URL, text and response headers."""

    url: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    status: int = 200

    @classmethod
    def from_bytes(cls, url: str, body: bytes, headers: dict[str, str] | None = None,
                   status: int = 200) -> Page:
        """Decode ``body`` as a browser would: BOM, then Content-Type, then ``<meta charset>``."""
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        _, text = html_to_unicode(lowered.get("content-type"), body)
        return cls(url=url, text=text, headers=lowered, status=status)

    @cached_property
    def selector(self) -> Selector:
        """The page as HTML (parsel): without control characters and lone surrogates, link
        attributes urllib cannot split defanged (``crawler.extract.sanitize``)."""
        text = parseable(self.text) or "<html></html>"
        return clean_tree(Selector(text=text, type="html"), text)

    @cached_property
    def data(self) -> Any:
        """The page as JSON, or None when it is not JSON."""
        text = self.text.lstrip()
        if not text.startswith(("{", "[")):
            return None
        try:  # "\ud800" escapes decode to lone surrogates, which lxml cannot take
            return load_json(text)
        except (ValueError, RecursionError):
            return None

    @property
    def is_json(self) -> bool:
        """True when the body parses as JSON."""
        return self.data is not None


@dataclass(slots=True)
class ThreadLink:
    """A thread as a board's thread list shows it.

    ``signature`` is what the list shows of the thread's activity (reply count, last post id
    or time): when it equals the signature stored after the last crawl of the thread, the
    thread holds nothing new and an incremental crawl skips it. None: the list shows nothing
    usable, and the thread is always fetched.
    """

    url: str  # canonical URL of the thread's first page
    native_id: str | None = None
    title: str | None = None
    container: str | None = None
    signature: str | None = None
    sticky: bool = False  # announcements and stickies: shown on every page, out of date order


@dataclass(slots=True)
class ThreadInfo:
    """The thread a page of posts belongs to, as far as the page shows it."""

    native_id: str | None = None
    title: str | None = None
    container: str | None = None
    url: str | None = None  # canonical URL of the thread's first page


@dataclass(slots=True)
class PageResult:
    """What one page holds.

    ``posts`` are in page order. Their ``thread_native_id``/``thread_title``/``container``
    may be left None (the spider fills them from ``thread`` or from earlier pages of the
    thread); ``position`` is set where the page states it (a post number) and otherwise left
    None for the spider to count. ``next_url`` is the next page of the same thread or list.
    """

    kind: str  # one of PAGE_KINDS
    boards: list[str] = field(default_factory=list)
    threads: list[ThreadLink] = field(default_factory=list)
    posts: list[PostItem] = field(default_factory=list)
    thread: ThreadInfo | None = None
    next_url: str | None = None


@dataclass(slots=True)
class KnownThread:
    """What the last crawl stored of a thread: where an incremental crawl resumes it."""

    native_id: str
    url: str | None  # first page
    signature: str | None
    post_count: int
    last_page_url: str | None
    last_page_position: int | None  # position of the first post on the last page
    last_post_native_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the spider receives these as plain dicts)."""
        return {"native_id": self.native_id, "url": self.url, "signature": self.signature,
                "post_count": self.post_count, "last_page_url": self.last_page_url,
                "last_page_position": self.last_page_position,
                "last_post_native_id": self.last_post_native_id}


class Engine:
    """Base class of engine adapters. Subclasses set ``name`` and implement ``parse``.

    Adapters hold no per-site branches: what differs between installations of one engine
    (styles, language packs, URL rewriting) is handled by the markup the engine always emits.
    """

    name: ClassVar[str] = ""
    platform: ClassVar[str] = ""  # posts.platform; defaults to name
    # True where the engine records which post a post replies to (Discourse, Flarum, WordPress).
    has_reply_to: ClassVar[bool] = False
    # True where thread lists are sorted by latest activity, so an incremental crawl may stop
    # paging a list at the first page where nothing changed (False: blogs sorted by publication).
    lists_by_activity: ClassVar[bool] = True

    def detect(self, page: Page) -> str | None:
        """Why this page was made by this engine (e.g. 'meta generator "XenForo"'), or None."""
        raise NotImplementedError

    def start_url(self, url: str) -> str:
        """The first URL to fetch for a source whose configured URL is ``url``.

        HTML engines start where the user points; API engines map a site URL to the API
        (Discourse: ``/categories.json``).
        """
        return url

    def resume_url(self, known: KnownThread) -> str | None:
        """Where an incremental crawl resumes a thread that changed: its last known page."""
        return known.last_page_url or known.url

    def fallback_url(self, url: str, status: int) -> str | None:
        """Where to go instead when fetching ``url`` (a URL this engine asked for) failed with
        HTTP ``status``: e.g. the HTML page when a site switched its JSON API off. None: the
        failure is recorded as an error."""
        del url, status
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        """Everything ``page`` holds. Raises :class:`crawler.items.UnparsablePage` for a thread
        page without any post this engine understands."""
        raise NotImplementedError

    @property
    def platform_name(self) -> str:
        """``platform`` or, unset, ``name``."""
        return self.platform or self.name
