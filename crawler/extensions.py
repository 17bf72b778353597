"""Scrapy extension that reports a crawl's progress as JSON lines to the task that runs it."""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.middlewares import record_error

COUNTERS = {
    "pages": "response_received_count",
    "items": "pantau/posts_seen",
    "errors": "pantau/errors",
    "posts_new": "pantau/posts_new",
    "posts_edited": "pantau/posts_edited",
    "posts_unchanged": "pantau/posts_unchanged",
    "posts_renormalized": "pantau/posts_renormalized",
    "posts_deleted": "pantau/posts_deleted",
    "threads_complete": "pantau/threads_complete",
    "threads_resumed": "pantau/threads_resumed",
    "threads_unchanged": "pantau/threads_unchanged",
    "threads_refetched": "pantau/threads_refetched",
    "threads_found": "pantau/threads_found",
    "shards": "pantau/shards",
    # rendered crawls (scrapy-playwright; spiders/rendered.py)
    "browser_pages": "playwright/page_count",
    "browser_pages_closed": "pantau/render/pages_closed",
    "browser_pages_max_open": "playwright/page_count/max_concurrent",
    "render_truncated": "pantau/render/truncated",
    # scrolls and clicks done in pages; loops an incremental crawl ended at stored items
    "render_actions": "pantau/render/actions",
    "render_stopped_at_stored": "pantau/render/stopped_at_stored",
}


class ProgressReporter:
    """Every PANTAU_PROGRESS_INTERVAL seconds, and once at the end, write the counters.

    The stream goes to the file descriptor in ``PANTAU_PROGRESS_FD`` (a pipe opened by
    crawler.runner); without it the extension is off.
    """

    def __init__(self, crawler: Crawler, stream: IO[str], interval: float) -> None:
        self.crawler = crawler
        self.stream = stream
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        fd = os.environ.get("PANTAU_PROGRESS_FD")
        if not fd:
            raise NotConfigured("no progress stream")
        stream = os.fdopen(int(fd), "w", buffering=1, encoding="utf-8")
        ext = cls(crawler, stream, crawler.settings.getfloat("PANTAU_PROGRESS_INTERVAL", 1.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        return ext

    def snapshot(self) -> dict[str, Any]:
        stats = self.crawler.stats
        assert stats is not None
        out: dict[str, Any] = {k: int(stats.get_value(v, 0)) for k, v in COUNTERS.items()}
        out["elapsed"] = round(time.monotonic() - self.started, 3)
        out["spider_pid"] = os.getpid()  # leader of the spider's process group
        return out

    def emit(self, message: dict[str, Any]) -> None:
        # A broken pipe means the task is gone; the parent watchdog ends this process.
        with contextlib.suppress(BrokenPipeError, ValueError):
            self.stream.write(json.dumps(message, default=str) + "\n")

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(lambda: self.emit(self.snapshot()))
        self.loop.start(self.interval, now=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        stats = self.crawler.stats
        assert stats is not None
        final = self.snapshot()
        final.update(
            final=True,
            finish_reason=reason,
            error_reasons=stats.get_value("pantau/error_reasons") or [],
            errors_by_kind={
                k.rsplit("/", 1)[1]: v
                for k, v in stats.get_stats().items()
                if k.startswith("pantau/errors/")
            },
        )
        self.emit(final)
        self.stream.close()

    def spider_error(self, failure: Failure, response: Any, spider: Spider) -> None:
        url = getattr(response, "url", "")
        record_error(self.crawler.stats, "parse", url,
                     f"{_name(failure)}: {failure.getErrorMessage()}")

    def item_error(self, item: Any, response: Any, spider: Spider, failure: Failure) -> None:
        url = getattr(response, "url", "")
        record_error(self.crawler.stats, "item", url,
                     f"{_name(failure)}: {failure.getErrorMessage()}")


def _name(failure: Failure) -> str:
    return failure.type.__name__ if failure.type is not None else "Error"
