"""The render steps on small pages in the system Chromium: bounded loops, honest results."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from crawler.config.settings import Settings
from crawler.extract.render_steps import (
    RenderError,
    StepClock,
    StepResult,
    click_more,
    scroll,
    wait_for,
)
from crawler.runner.browser import launch_options
from tests.chromium import chromium_path

pytestmark = [pytest.mark.browser]

# Rows are tall: only scrolling to the bottom shows the next ones. ``total`` rows in all,
# ``first`` at once, then ``step`` more per scroll (after 20 ms) or per click of the button.
FEED = """
<div id="list"></div><button class="more" hidden>Muat lagi</button>
<script>
  const total = %(total)d, step = %(step)d, list = document.getElementById("list");
  const more = document.querySelector("button.more");
  let shown = 0, busy = false;
  const add = () => {
    busy = false;
    for (let i = 0; i < step && shown < total; i++, shown++) {
      const row = document.createElement("p");
      row.className = "row"; row.style.height = "400px"; row.textContent = "baris " + shown;
      list.appendChild(row);
    }
    more.hidden = %(button)s ? shown >= total : true;
  };
  if (!%(button)s) window.addEventListener("scroll", () => {
    if (busy || window.innerHeight + window.scrollY < document.documentElement.scrollHeight - 40)
      return;
    busy = true;
    setTimeout(add, 20);
  });
  more.addEventListener("click", () => setTimeout(add, 20));
  add();
</script>
"""


def feed(total: int, step: int, button: bool = False) -> str:
    return FEED % {"total": total, "step": step, "button": "true" if button else "false"}


class Browser:
    """The system Chromium on an event loop of its own (one launch for the module)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.playwright: Any = None
        self.browser: Any = self.call(self._start())

    def call(self, coroutine: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def _start(self) -> Any:
        self.playwright = await async_playwright().start()
        return await self.playwright.chromium.launch(**launch_options(Settings()))

    async def _stop(self) -> None:
        await self.browser.close()
        await self.playwright.stop()

    def close(self) -> None:
        self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    chromium_path()
    browser = Browser()
    yield browser
    browser.close()


@pytest.fixture
def in_browser(chromium: Browser) -> Callable[[str, Callable[[Page], Awaitable[Any]]], Any]:
    """Run steps on a fresh page showing some HTML."""

    async def run(html: str, steps: Callable[[Page], Awaitable[Any]]) -> Any:
        page = await chromium.browser.new_page()
        try:
            await page.set_content(html)
            return await steps(page)
        finally:
            await page.close()

    return lambda html, steps: chromium.call(run(html, steps))


InBrowser = Callable[[str, Callable[[Page], Awaitable[Any]]], Any]


def test_scroll_until_nothing_new_then_the_bounds(in_browser: InBrowser) -> None:
    async def steps(page: Page) -> list[Any]:
        whole = await scroll(page, ["p.row"], 20, 300, StepClock(20))
        count = await page.locator("p.row").count()
        return [whole, count]

    whole, count = in_browser(feed(total=23, step=5), steps)
    assert (whole, count) == (StepResult("scroll", rounds=4, added=18, actions=5), 23)

    async def bounded(page: Page) -> list[Any]:
        cut = await scroll(page, ["//p[@class='row']"], 2, 300, StepClock(20))
        return [cut, await page.locator("p.row").count()]

    cut, count = in_browser(feed(total=23, step=5), bounded)
    assert (cut, count) == (StepResult("scroll", rounds=2, added=10, actions=2,
                                       truncated=True), 15)


def test_click_more_until_the_button_is_gone_then_the_bounds(in_browser: InBrowser) -> None:
    async def steps(page: Page) -> list[Any]:
        done = await click_more(page, "button.more", ["p.row"], 10, 1000, StepClock(20))
        return [done, await page.locator("p.row").count()]

    done, count = in_browser(feed(total=12, step=4, button=True), steps)
    assert (done, count) == (StepResult("click_more", rounds=2, added=8, actions=2), 12)

    async def bounded(page: Page) -> list[Any]:
        return [await click_more(page, "button.more", ["p.row"], 1, 1000, StepClock(20)),
                await page.locator("p.row").count()]

    cut, count = in_browser(feed(total=12, step=4, button=True), bounded)
    assert (cut, count) == (StepResult("click_more", rounds=1, added=4, actions=1,
                                      truncated=True), 8)


def test_the_time_budget_cuts_a_loop_short(in_browser: InBrowser) -> None:
    async def steps(page: Page) -> StepResult:
        clock = StepClock(0.5)
        await wait_for(page, ["p.row"], clock)
        await asyncio.sleep(0.6)  # the page's budget is spent
        return await scroll(page, ["p.row"], 20, 300, clock)

    assert in_browser(feed(total=50, step=5), steps) == StepResult("scroll", truncated=True)


def test_wait_for_an_element_that_never_comes_is_a_clear_error(
        in_browser: InBrowser) -> None:
    async def steps(page: Page) -> None:
        await wait_for(page, ["article.pesan", "//div[@id='nothing']"], StepClock(0.5))

    with pytest.raises(RenderError, match=r"^render: nothing matched article.pesan or "
                       r"//div\[@id='nothing'\] within 0.5 s \(render.wait_for\)$"):
        in_browser(feed(total=3, step=3), steps)


def test_a_button_that_cannot_be_clicked_cuts_the_page_short(in_browser: InBrowser) -> None:
    """A disabled (or covered) button: what is loaded is read, and the page is cut short."""
    html = "<p class='row'>baris 0</p><button class='more' disabled>Muat lagi</button>"

    async def steps(page: Page) -> StepResult:
        return await click_more(page, "button.more", ["p.row"], 5, 300, StepClock(1))

    assert in_browser(html, steps) == StepResult("click_more", rounds=1, actions=1,
                                                  truncated=True)


def rows_from(first: int) -> tuple[list[list[str]], Callable[[str, list[str]], bool]]:
    """A BatchCheck that calls rows numbered ``first`` and above stored, and the batches it
    was asked about (as row texts)."""
    asked: list[list[str]] = []

    def stored(url: str, batch: list[str]) -> bool:
        texts = [html.split(">", 1)[1].split("<", 1)[0] for html in batch]
        asked.append(texts)
        return all(int(text.split()[1]) >= first for text in texts)

    return asked, stored


def test_a_loop_ends_at_the_first_batch_of_stored_items(in_browser: InBrowser) -> None:
    """Rows 0-7 are new: the first batch (0-4) and the second (5-9) hold new ones, the third
    (10-14) none, so the scroll stops there, without the idle wait for more."""
    asked, stored = rows_from(8)

    async def steps(page: Page) -> list[Any]:
        done = await scroll(page, ["p.row"], 20, 1000, StepClock(20), stored)
        return [done, await page.locator("p.row").count()]

    done, count = in_browser(feed(total=23, step=5), steps)
    assert (done, count) == (StepResult("scroll", rounds=2, added=10, actions=2,
                                        stored=True), 15)
    assert asked == [[f"baris {i}" for i in range(j, j + 5)] for j in (0, 5, 10)]

    asked, stored = rows_from(0)  # nothing new: not even one click

    async def clicks(page: Page) -> list[Any]:
        done = await click_more(page, "button.more", ["p.row"], 10, 1000, StepClock(20),
                                stored)
        return [done, await page.locator("p.row").count()]

    done, count = in_browser(feed(total=12, step=4, button=True), clicks)
    assert (done, count) == (StepResult("click_more", stored=True), 4)
    assert asked == [[f"baris {i}" for i in range(4)]]

    asked, stored = rows_from(100)  # all new: the loop runs to its end, as without a check
    done, count = in_browser(feed(total=12, step=4, button=True), clicks)
    assert (done, count) == (StepResult("click_more", rounds=2, added=8, actions=2), 12)
    assert len(asked) == 2  # what was shown, and the first click's batch (the last one ends
    # the loop by hiding the button)
