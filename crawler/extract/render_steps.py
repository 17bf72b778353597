"""The browser side of a `render` block: scrapy-playwright ``PageMethod``s built from the YAML.

Each step is a coroutine that scrapy-playwright calls with the page after navigation, in
order: wait for an element, scroll until no new items appear, click "load more" until it is
gone. The steps of one page share one time budget (`timeout`). Each returns a
:class:`StepResult`; the rendered spider reads them from ``response.meta`` and treats a page
whose loop ended at its bound (or at the budget) while content was still coming as cut short.

An incremental crawl passes a :data:`BatchCheck` (``stored``): the items shown at first, and
then each batch a scroll or click added, are handed to it, and the loop ends as soon as a batch
holds only items an earlier crawl stored unchanged. Lists come newest activity first, so
nothing after such a batch is new (the forum spider stops paging a list by the same rule).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from playwright.async_api import TimeoutError as PlaywrightTimeout
from scrapy_playwright.page import PageMethod

from crawler.extract.engines.selectors import is_xpath
from crawler.extract.render import RenderConfig
from crawler.extract.render_js import ROUND, SHOWN

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

# Judges a batch of items (their HTML, on the page at the URL given): True when an earlier
# crawl stored every one of them and none changed since, so nothing newer follows.
BatchCheck = Callable[[str, list[str]], bool]

class RenderError(Exception):
    """A page that could not be rendered as its source says (the message is for the user)."""

    error_kind = "timeout"  # its kind in a run's error_reasons (crawler.bounds.kinds)


@dataclass(slots=True)
class StepResult:
    """What one step did: ``rounds`` scrolls or clicks that added ``added`` items, of
    ``actions`` scrolls or clicks done; ``truncated`` when it stopped at its bound or the time
    budget while items still came; ``stored`` when it stopped at a batch of stored items."""

    step: str
    rounds: int = 0
    added: int = 0
    actions: int = 0
    truncated: bool = False
    stored: bool = False


class StepClock:
    """The time budget shared by the steps of one page; it starts with the first step."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None

    def remaining_ms(self) -> float:
        """Milliseconds left (0 when spent)."""
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.seconds
        return max(0.0, (self.deadline - now) * 1000)


def playwright_selector(expression: str) -> str:
    """pantau's selector convention (XPath starts with ``/``, ``./`` or ``(``) in Playwright's."""
    return f"xpath={expression}" if is_xpath(expression) else f"css={expression}"


def _locator(page: Page, selectors: list[str]) -> Locator:
    found = page.locator(playwright_selector(selectors[0]))
    for expression in selectors[1:]:
        found = found.or_(page.locator(playwright_selector(expression)))
    return found


async def _round(page: Page, items_at: list[str], action: str, button: str | None,
                 wait_ms: float, clock: StepClock, result: StepResult,
                 stored: BatchCheck | None) -> dict[str, Any] | None:
    """One scroll or click round in the page (crawler.extract.render_js); None when the
    page's time budget ran out first."""
    arguments = {"items": items_at, "action": action, "button": button, "idle": wait_ms,
                 "collect": stored is not None}
    try:
        found = await asyncio.wait_for(page.evaluate(ROUND, arguments),
                                       timeout=max(clock.remaining_ms(), wait_ms + 1000) / 1000)
    except TimeoutError:
        return None
    result.actions += action != "click" or bool(found["clicked"])
    return dict(found)


async def _only_stored(page: Page, items_at: list[str], stored: BatchCheck | None,
                       result: StepResult, batch: list[str] | None = None) -> bool:
    """True (and ``result`` marked) when ``batch`` (None: the items shown now) holds only
    stored items, so the step may end."""
    if stored is None:
        return False
    if batch is None:
        batch = list(await page.evaluate(SHOWN, items_at))
    if not stored(page.url, batch):
        return False
    result.stored, result.truncated = True, False
    return True


async def wait_for(page: Page, selectors: list[str], clock: StepClock) -> StepResult:
    """Wait until one of ``selectors`` matches; RenderError when nothing does in time."""
    try:
        await _locator(page, selectors).first.wait_for(
            state="attached", timeout=max(clock.remaining_ms(), 1))
    except PlaywrightTimeout:
        raise RenderError(f"render: nothing matched {' or '.join(selectors)} within "
                          f"{clock.seconds:g} s (render.wait_for)") from None
    return StepResult("wait_for")


async def scroll(page: Page, items_at: list[str], max_rounds: int, idle_ms: int,
                 clock: StepClock, stored: BatchCheck | None = None) -> StepResult:
    """Scroll to the bottom until no new item appears within ``idle_ms``, or ``max_rounds``,
    or (``stored`` given) the items shown or a batch added were all stored before."""
    result = StepResult("scroll", truncated=True)
    if await _only_stored(page, items_at, stored, result):
        return result
    while result.rounds < max_rounds:
        wait = min(idle_ms, clock.remaining_ms())
        if wait <= 0:
            return result
        done = await _round(page, items_at, "scroll", None, wait, clock, result, stored)
        if done is None:
            return result
        if done["after"] <= done["before"]:
            result.truncated = wait < idle_ms  # the budget, not the page, ended the wait
            return result
        result.rounds += 1
        result.added += done["after"] - done["before"]
        if await _only_stored(page, items_at, stored, result, done["added"]):
            return result
    return result


async def click_more(page: Page, button_at: str, items_at: list[str], max_clicks: int,
                     idle_ms: int, clock: StepClock, stored: BatchCheck | None = None
                     ) -> StepResult:
    """Click the button until it is gone (or ``max_clicks``), waiting for new items each
    time; with ``stored``, until the items shown or a batch added were all stored before."""
    result = StepResult("click_more", truncated=True)
    if await _only_stored(page, items_at, stored, result):
        return result
    while result.rounds < max_clicks:
        wait = min(idle_ms, clock.remaining_ms())
        if wait <= 0:
            return result
        done = await _round(page, items_at, "click", button_at, wait, clock, result, stored)
        if done is None:
            return result
        if not done["clicked"]:  # no visible button: everything is shown
            result.truncated = False
            return result
        result.rounds += 1
        result.added += done["after"] - done["before"]
        if done["after"] <= done["before"] or not done["more"]:
            # Nothing came (a disabled button?), or the button went away with the last items:
            # the page is whole only in the second case.
            result.truncated = done["more"]
            return result
        if await _only_stored(page, items_at, stored, result, done["added"]):
            return result
    return result


def page_methods(config: RenderConfig, content: list[str],
                 stored: BatchCheck | None = None) -> list[PageMethod]:
    """Fresh PageMethods (they carry their results) for one request of a rendered source.

    ``content``: the elements of a page's content (see
    :func:`crawler.extract.render.content_selectors`), the default of ``wait_for`` and of
    the steps' ``item``. ``stored``: an incremental crawl's check that ends the loops at a
    batch of stored items.
    """
    clock = StepClock(config.timeout)
    methods = [PageMethod(wait_for, [config.wait_for] if config.wait_for else content, clock)]
    if config.scroll is not None:
        step = config.scroll
        methods.append(PageMethod(scroll, [step.item] if step.item else content,
                                  step.max_rounds, step.idle_ms, clock, stored))
    if config.click_more is not None:
        click = config.click_more
        methods.append(PageMethod(click_more, click.selector,
                                  [click.item] if click.item else content,
                                  click.max_clicks, click.idle_ms, clock, stored))
    return methods


def step_results(methods: list[PageMethod]) -> list[StepResult]:
    """What the steps of a rendered page did (those that ran)."""
    return [m.result for m in methods if isinstance(m.result, StepResult)]


def cut_short(methods: list[PageMethod]) -> list[str]:
    """The steps of a rendered page that stopped while content was still coming."""
    return [m.result.step for m in methods
            if isinstance(m.result, StepResult) and m.result.truncated]
