"""The no-code adapter: a forum no engine adapter knows, described by selectors in YAML.

A selector is CSS (parsel's dialect, with ``::text`` and ``::attr(name)``) or, when it starts
with ``/``, ``./`` or ``(``, XPath. Selectors inside a post (``post_id``, ``author``, ``time``,
``body``, ...) are relative to the post container.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from parsel import Selector, SelectorList
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawler.extract.dates import parse_forum_date
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, UnparsablePage, normalize_text

_DIGITS = re.compile(r"\d+")


def is_xpath(expression: str) -> bool:
    """True for XPath expressions; everything else is CSS."""
    return expression.startswith(("/", "./", "("))


def select(node: Selector | SelectorList[Selector], expression: str) -> SelectorList[Selector]:
    """``expression`` (CSS or XPath) evaluated on ``node``."""
    return node.xpath(expression) if is_xpath(expression) else node.css(expression)


def _text(node: Selector, expression: str | None) -> str | None:
    if not expression:
        return None
    found = select(node, expression)
    if not found:
        return None
    values = found.getall()
    return normalize_text(" ".join(values)) or None


class SelectorConfig(BaseModel):
    """The selectors of a no-code forum source (docs/sources.md, "No-code forums")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    boards: str | None = Field(default=None, description="Links to boards, on the index.")
    thread_row: str | None = Field(default=None, description="One thread in a thread list.")
    thread_link: str = Field(description="The thread's link (inside thread_row if given).")
    replies: str | None = Field(default=None, description="Reply count inside thread_row: "
                                "makes incremental re-crawls skip unchanged threads.")
    next_page: str = Field(description="The link to the next page of a list or thread.")
    thread_title: str | None = Field(default=None, description="Thread title on its pages.")
    thread_id: str = Field(default=r"(\d+)", description="Regular expression whose first "
                           "group, searched in a thread link's path, is the thread id.")
    post: str = Field(description="One post (container); its presence makes a thread page.")
    post_id: str = Field(description="The post's id, relative to the post, e.g. ::attr(id).")
    author: str | None = None
    author_link: str | None = Field(default=None, description="Profile link, e.g. a::attr(href)")
    time: str | None = None
    date_format: str | None = Field(default=None, description="strptime format of `time`; "
                                    "unset: parsed as a forum date (any language, relative).")
    body: str = Field(description="The post body, relative to the post.")
    quote: str | None = Field(default=None, description="Quoted text inside the body, left "
                              "out of the post's own words (blockquote always is).")
    quote_id: str | None = Field(default=None, description="Inside a quote: the quoted post's "
                                 "id or a link to it (digits are taken).")

    @field_validator("boards", "thread_row", "thread_link", "replies", "next_page",
                     "thread_title", "post", "post_id", "author", "author_link", "time", "body",
                     "quote", "quote_id")
    @classmethod
    def _valid_selector(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                select(Selector(text="<html></html>"), value)
            except Exception as exc:
                kind = "XPath" if is_xpath(value) else "CSS"
                raise ValueError(f"invalid {kind} selector {value!r}: {exc}") from None
        return value

    @field_validator("thread_id")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value


class SelectorEngine(Engine):
    """Parses pages with a source's :class:`SelectorConfig`."""

    name = "selectors"
    platform = "forum"

    def __init__(self, config: SelectorConfig) -> None:
        self.config = config
        self._thread_id = re.compile(config.thread_id)

    @classmethod
    def from_config(cls, raw: dict[str, Any] | SelectorConfig) -> SelectorEngine:
        """Validate ``raw`` (a source's ``selectors`` mapping) and build the adapter."""
        config = raw if isinstance(raw, SelectorConfig) else SelectorConfig.model_validate(raw)
        return cls(config)

    def detect(self, page: Page) -> str | None:
        if select(page.selector, self.config.post) or select(page.selector,
                                                                self.config.thread_link):
            return "the source's selectors match"
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel, cfg = page.selector, self.config
        next_hrefs = _hrefs(select(sel, cfg.next_page))
        next_url = canonicalize_url(urljoin(page.url, next_hrefs[0])) if next_hrefs else None
        nodes = select(sel, cfg.post)
        if nodes:
            found = [self._post(node, page, context) for node in nodes]
            posts = [p for p in found if p is not None]
            if not posts:
                raise UnparsablePage(f"no post with an id on {page.url} (selector post_id)")
            info = ThreadInfo(title=_text(sel, cfg.thread_title))
            return PageResult(kind="thread", posts=posts, thread=info, next_url=next_url)
        boards = [canonicalize_url(urljoin(page.url, href)) for href in
                  (_hrefs(select(sel, cfg.boards)) if cfg.boards else [])]
        rows = select(sel, cfg.thread_row) if cfg.thread_row else [sel]
        threads = []
        for row in rows:
            for link in select(row, cfg.thread_link):
                href = _hrefs(SelectorList([link]))
                if href:
                    threads.append(self._thread_link(page, link, href[0], row))
        kind = "board" if threads else "index"
        return PageResult(kind=kind, boards=boards, threads=threads, next_url=next_url)

    def _thread_link(self, page: Page, link: Selector, href: str, row: Selector) -> ThreadLink:
        url = canonicalize_url(urljoin(page.url, href))
        match = self._thread_id.search(url.split("://", 1)[-1].split("/", 1)[-1])
        replies = _text(row, self.config.replies) if self.config.thread_row else None
        count = _DIGITS.findall(replies or "")
        return ThreadLink(url=url, native_id=match.group(1) if match else url,
                          title=normalize_text(" ".join(link.css("::text").getall())) or None,
                          signature="".join(count) if count else None)

    def _post(self, node: Selector, page: Page, context: ParseContext) -> PostItem | None:
        cfg = self.config
        raw_id = _text(node, cfg.post_id)
        digits = _DIGITS.findall(raw_id or "")
        if not digits:
            return None
        quoted_ids: list[str] = []
        if cfg.quote:
            for quote in select(node, cfg.quote):
                if cfg.quote_id:
                    found = _DIGITS.findall(_text(quote, cfg.quote_id) or "")
                    if found:
                        quoted_ids.append(found[-1])
                quote.root.tag = "blockquote"  # left out of the own text by extract_body
        body_nodes = select(node, cfg.body)
        body = extract_body(body_nodes[0], page.url) if body_nodes else None
        author_href = _text(node, cfg.author_link) if cfg.author_link else None
        return PostItem(
            native_id=digits[-1],
            url=canonicalize_url(page.url),
            body_text=body.own_text if body else "",
            author_name=_text(node, cfg.author),
            author_id=(_DIGITS.findall(author_href)[-1:] or [None])[0] if author_href else None,
            author_url=canonicalize_url(urljoin(page.url, author_href)) if author_href else None,
            published_at=self._time(_text(node, cfg.time), context),
            quoted_native_ids=quoted_ids or (body.quoted_ids if body else []),
            quoted_text=body.quoted_texts if body else [],
            links=body.links if body else [],
            media=body.media if body else [],
            raw=node.get(),
        )

    def _time(self, text: str | None, context: ParseContext) -> datetime | None:
        if not text:
            return None
        if self.config.date_format:
            try:
                parsed = datetime.strptime(text.strip(), self.config.date_format)
            except ValueError:
                return None
            zone = ZoneInfo(context.timezone)
            return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed
        return parse_forum_date(text, tz=context.timezone, now=context.current())


def _hrefs(nodes: SelectorList[Selector]) -> list[str]:
    """The link targets of selected nodes: their href, or the selected text (``::attr``)."""
    out = []
    for node in nodes:
        if isinstance(node.root, str):
            href: str | None = node.root
        else:
            href = node.attrib.get("href") or node.xpath(".//@href").get()
        if href and href.strip():
            out.append(href.strip())
    return out
