"""The `render` block of a rendered source: how a page is brought to its full content in Chromium.

A rendered source is a no-code (selectors) source whose pages exist only after their JavaScript
ran. Its `render` block declares what the browser does on each page before the selectors read
it: wait for an element, scroll until no new items appear, click a "load more" button until it
is gone. Every loop is bounded (rounds, clicks, a time budget per page). The browser side of
the steps is in :mod:`crawler.extract.render_steps`; this module holds only the validated
configuration, so reading a sources file never imports a browser library.
"""

from __future__ import annotations

import re

from parsel import Selector
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawler.extract.engines.selectors import SelectorConfig, is_xpath, select

# Parsel's pseudo-elements and XPath steps that select text or attributes, not elements.
_CSS_PSEUDO = re.compile(r"\s*::(text|attr\([^)]*\))\s*$")
_XPATH_VALUE = re.compile(r"/(text\(\)|@[\w:-]+|@\*)\s*$")


def element_selector(expression: str) -> str:
    """``expression`` without a trailing ``::text``/``::attr(..)`` (CSS) or ``/text()``/``/@x``
    (XPath): the elements it reads from."""
    pattern = _XPATH_VALUE if is_xpath(expression) else _CSS_PSEUDO
    return pattern.sub("", expression).strip()


def content_selectors(config: SelectorConfig) -> list[str]:
    """The elements a page's content is made of, by the source's selectors: posts, thread
    rows (or links) and board links. The default of ``wait_for`` and of the steps' ``item``."""
    found = [config.post, config.thread_row or config.thread_link, config.boards]
    out = [element_selector(s) for s in found if s]
    return list(dict.fromkeys(s for s in out if s))


def _check_element_selector(value: str | None) -> str | None:
    if value is None:
        return None
    kind = "XPath" if is_xpath(value) else "CSS"
    try:
        select(Selector(text="<html></html>"), value)
    except Exception as exc:
        raise ValueError(f"invalid {kind} selector {value!r}: {exc}") from None
    if element_selector(value) != value.strip():
        raise ValueError(f"{value!r} selects text or an attribute; the browser needs "
                         "elements (drop '::text', '::attr(..)', '/text()' or '/@..')")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScrollStep(_Strict):
    """Scroll to the bottom until no new items appear (infinite scroll)."""

    max_rounds: int = Field(default=10, ge=1, le=500, description="Scrolls at most; when the "
                            "last one still added items, the page counts as cut short.")
    item: str | None = Field(default=None, description="The elements that new content adds "
                             "(CSS or XPath). Default: the source's post, thread_row (or "
                             "thread_link) and boards selectors.")
    idle_ms: int = Field(default=1000, ge=50, le=60_000, description="Milliseconds to wait for "
                         "a new item after a scroll; none by then: everything is loaded.")

    @field_validator("item")
    @classmethod
    def _element(cls, value: str | None) -> str | None:
        return _check_element_selector(value)


class ClickMoreStep(_Strict):
    """Click a "load more" button until it is gone."""

    selector: str = Field(description="The button (CSS or XPath), e.g. button.muat-lagi.")
    max_clicks: int = Field(default=10, ge=1, le=500, description="Clicks at most; a button "
                            "still there after them means the page was cut short.")
    item: str | None = Field(default=None, description="As scroll.item.")
    idle_ms: int = Field(default=1000, ge=50, le=60_000, description="Milliseconds to wait for "
                         "a new item after a click.")

    @field_validator("selector", "item")
    @classmethod
    def _elements(cls, value: str | None) -> str | None:
        return _check_element_selector(value)


class RenderConfig(_Strict):
    """The `render` block of a source of kind `rendered` (docs/sources.md)."""

    wait_for: str | None = Field(default=None, description="An element (CSS or XPath) that "
                                 "must appear before the page is read; not within `timeout`: "
                                 "the page fails. Default: any of the source's content "
                                 "selectors (posts, thread rows or links, boards).")
    scroll: ScrollStep | None = Field(default=None, description="Infinite scroll: scroll "
                                      "until no new items appear.")
    click_more: ClickMoreStep | None = Field(default=None, description="A 'load more' "
                                             "button: click until it is gone.")
    timeout: float = Field(default=30, gt=0, le=600, description="Seconds to load a page, "
                           "and again for all its steps together.")

    @field_validator("wait_for")
    @classmethod
    def _element(cls, value: str | None) -> str | None:
        return _check_element_selector(value)


def rendered_source_problem(kind: str, engine: str | None, has_selectors: bool,
                            render: RenderConfig | None, browser: bool) -> str | None:
    """What is wrong with a source's kind/render/browser combination, or None."""
    if kind != "rendered":
        return "'render' applies to sources of kind 'rendered'" if render is not None else None
    if engine not in (None, "auto"):
        return "kind 'rendered' reads pages with 'selectors', not an engine: drop 'engine'"
    if not has_selectors:
        return "kind 'rendered' needs 'selectors' (what to read from the rendered page)"
    if render is None:
        return "kind 'rendered' needs a 'render' block (e.g. render: {timeout: 30})"
    if not browser:
        return "kind 'rendered' runs in Chromium: drop 'browser: false'"
    return None


def browser_by_default(data: object) -> object:
    """Source data of kind 'rendered' without a 'browser' field gets ``browser: true``."""
    if isinstance(data, dict) and data.get("kind") == "rendered" and "browser" not in data:
        return {**data, "browser": True}
    return data
