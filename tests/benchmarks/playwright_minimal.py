"""The baseline of the rendered benchmark: a minimal Playwright script over a list of pages.

``python -m tests.benchmarks.playwright_minimal URLS_JSON CONCURRENCY RENDER_JSON`` launches
the same Chromium with the same options as a pantau crawl, opens one context, and renders
every URL with at most CONCURRENCY pages at once: load the page, wait for its content, scroll
until nothing new comes, click "load more" until it is gone (the loops of a `render` block,
written plainly here), read the HTML, close the page. No Scrapy, no parsing, no storage.
Prints one JSON line: pages, bytes of HTML, seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from crawler.config.settings import Settings
from crawler.runner.browser import launch_options

CONTENT = "article.pesan, div.topik, ul.daftar-papan a.papan"


async def grew(page: Page, count: int, ms: int) -> bool:
    try:
        await page.locator(CONTENT).nth(count).wait_for(state="attached", timeout=ms)
    except PlaywrightTimeout:
        return False
    return True


async def render(page: Page, url: str, steps: dict[str, Any]) -> str:
    timeout = steps.get("timeout", 30) * 1000
    await page.goto(url, wait_until="load", timeout=timeout)
    await page.locator(CONTENT).first.wait_for(state="attached", timeout=timeout)
    scroll = steps.get("scroll")
    for _ in range(scroll["max_rounds"] if scroll else 0):
        count = await page.locator(CONTENT).count()
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        if not await grew(page, count, scroll["idle_ms"]):
            break
    click = steps.get("click_more")
    button = page.locator(click["selector"]).first if click else None
    for _ in range(click["max_clicks"] if click else 0):
        assert button is not None and click is not None
        if not await button.is_visible():
            break
        count = await page.locator(CONTENT).count()
        await button.click(timeout=timeout)
        if not await grew(page, count, click["idle_ms"]):
            break
    return await page.content()


async def main(urls: list[str], concurrency: int, steps: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    gate = asyncio.Semaphore(concurrency)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(Settings()))
        context = await browser.new_context()

        async def one(url: str) -> int:
            async with gate:
                page = await context.new_page()
                try:
                    return len(await render(page, url, steps))
                finally:
                    await page.close()

        sizes = await asyncio.gather(*(one(url) for url in urls))
        await context.close()
        await browser.close()
    return {"pages": len(sizes), "bytes": sum(sizes), "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    result = asyncio.run(main(json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])))
    print(json.dumps(result))
