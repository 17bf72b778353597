"""The rendered spider: the forum spider with the no-code adapter, every page loaded in Chromium.

Each request is marked for scrapy-playwright (``meta["playwright"]``) with the PageMethods of
the source's `render` block (crawler/extract/render_steps.py). The page is handed to the
callback (``playwright_include_page``), which closes it before parsing the rendered HTML, so a
page holds its slot (PLAYWRIGHT_MAX_PAGES_PER_CONTEXT) only while it renders; the errback
closes it too.

A page whose scroll or "load more" loop stopped at its bound (or the time budget) while content
was still coming is cut short: some of its posts are missing. Its thread is then incomplete, so
it is not judged for deletions; the posts of the thread's later pages get no position (the
count is off; a stored post keeps its position) and the thread's resume point is not updated.

An incremental crawl (stored threads known, not ``deep``) skips unchanged threads and resumes
changed ones as the forum spider does, and it also ends a list's scroll and "load more" loops
at the first batch of rows whose threads are all stored and unchanged (the rule by which the
forum spider stops paging a list): the list comes newest activity first, so nothing after it
is new. Thread pages are always rendered whole: their new posts come last.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract.engines import Page
from crawler.extract.engines.selectors import SelectorEngine
from crawler.extract.render import RenderConfig, content_selectors
from crawler.extract.render_steps import BatchCheck, cut_short, page_methods, step_results
from crawler.items import PostItem, ThreadItem, UnparsablePage
from spiders.forum import ForumSpider, ThreadCrawl


class RenderedSpider(ForumSpider):
    """ForumSpider with ``selectors`` whose pages are rendered; ``render`` is the source's
    `render` block (crawler.extract.render.RenderConfig as a dict)."""

    name = "rendered"

    def __init__(self, *args: Any, render: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.adapter, SelectorEngine):
            raise ValueError("a rendered source needs selectors")
        self.render = RenderConfig.model_validate(render or {})
        self.content = content_selectors(self.adapter.config)
        self.cut_threads: dict[int, ThreadCrawl] = {}  # by id: threads with a cut-short page

    def start_requests(self) -> Iterator[scrapy.Request]:
        """The forum spider's start requests, rendered."""
        for request in super().start_requests():
            yield self._rendered(request)

    def _rendered(self, request: scrapy.Request) -> scrapy.Request:
        """``request`` marked for the browser, with fresh steps and our callbacks."""
        stored: BatchCheck | None = None
        if (self.incremental and "thread" not in request.cb_kwargs and self.adapter is not None
                and self.adapter.lists_by_activity):
            stored = self.only_stored
        meta = {**request.meta, "playwright": True, "playwright_include_page": True,
                "playwright_page_methods": page_methods(self.render, self.content, stored),
                "playwright_page_goto_kwargs": {"wait_until": "load",
                                                "timeout": self.render.timeout * 1000}}
        return request.replace(meta=meta, callback=self.parse_rendered,
                               errback=self.on_render_error)

    async def parse_rendered(self, response: Response, thread: ThreadCrawl | None = None,
                             **kwargs: Any) -> AsyncIterator[Any]:
        """Close the page, then parse its rendered HTML as the forum spider does."""
        await self._close_page(response.meta)
        methods = response.meta.get("playwright_page_methods") or []
        for result in step_results(methods):
            self._count("pantau/render/actions", result.actions)
            self._count("pantau/render/stopped_at_stored", int(result.stored))
        steps = cut_short(methods)
        if steps:
            self._count("pantau/render/truncated")
            self.logger.warning("%s: %s stopped while content was still coming (raise its "
                                "bound?); the thread is not judged for deletions",
                                response.url, "+".join(steps))
        shifted = thread is not None and self.cut_threads.pop(id(thread), None) is not None
        for out in self.parse(response, thread=thread, **kwargs):
            yield self._follow(out, cut=bool(steps), shifted=shifted)

    def only_stored(self, url: str, batch: list[str]) -> bool:
        """True when the rows in ``batch`` (HTML elements of the list at ``url``) hold at least
        one thread and every thread in them is stored and unchanged (sticky ones aside)."""
        assert self.adapter is not None
        page = Page(url=url, text=f"<html><body>{''.join(batch)}</body></html>", status=200,
                    headers={})
        try:
            result = self.adapter.parse(page, self.context())
        except UnparsablePage:  # posts, not rows: a thread page
            return False
        threads = [link for link in result.threads if not link.sticky]
        return bool(threads) and all(
            self._unchanged(link, self.known.get(link.native_id or "")
                            or self.known_by_url.get(link.url)) for link in threads)

    async def on_render_error(self, failure: Failure) -> AsyncIterator[Any]:
        """Close the page of a failed request, then handle the failure as the forum spider."""
        request = getattr(failure, "request", None)
        if request is not None:
            await self._close_page(request.meta)
        for out in self.on_error(failure):
            yield self._follow(out, cut=False, shifted=False)

    def _follow(self, out: Any, cut: bool, shifted: bool) -> Any:
        """Requests are rendered; items pass. ``cut``: this page was cut short; ``shifted``:
        an earlier page of its thread was. Then the thread (carried by its next page's
        request, or ended by its ThreadItem) is incomplete, and, after the cut, post
        positions and the resume point are unknown."""
        if isinstance(out, scrapy.Request):
            crawl = out.cb_kwargs.get("thread")
            if (cut or shifted) and isinstance(crawl, ThreadCrawl):
                crawl.complete = False
                self.cut_threads[id(crawl)] = crawl
            return self._rendered(out)
        if shifted and isinstance(out, PostItem):
            out.position = None
        if (cut or shifted) and isinstance(out, ThreadItem):
            out.complete = False
            out.post_count = out.last_page_position = None  # keeps the stored resume point
        return out

    async def _close_page(self, meta: dict[str, Any]) -> None:
        page = meta.pop("playwright_page", None)
        if page is not None and not page.is_closed():
            await page.close()
            self._count("pantau/render/pages_closed")
