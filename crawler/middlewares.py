"""Downloader middleware that records, with a reason, every request the crawl gave up on."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.bounds.kinds import describe
from crawler.network import redact_credentials

MAX_ERROR_REASONS = 50
# Request meta: the request's failure is recorded where it is understood (e.g. an OAuth
# token refused, crawler.social_auth), not as a bare HTTP status here.
UNRECORDED = "pantau_unrecorded"


def record_error(stats: StatsCollector | None, kind: str, url: str, message: str) -> None:
    """Count an error and keep its reason (the first MAX_ERROR_REASONS of them)."""
    if stats is None:
        return
    stats.inc_value("pantau/errors")
    stats.inc_value(f"pantau/errors/{kind}")
    reasons: list[dict[str, str]] = stats.get_value("pantau/error_reasons") or []
    if len(reasons) < MAX_ERROR_REASONS:
        reasons.append({"kind": kind, "url": redact_credentials(url),
                        "message": redact_credentials(message)[:500]})
        stats.set_value("pantau/error_reasons", reasons)


class FailureRecorder:
    """Sits below RetryMiddleware, so it sees only final failures and final error responses."""

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureRecorder:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        if (response.status >= 400 and not request.url.endswith("/robots.txt")
                and not request.meta.get(UNRECORDED)):
            record_error(self.stats, "http", request.url, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception,
                          spider: Spider | None = None) -> Any:
        if not request.url.endswith("/robots.txt") and not request.meta.get(UNRECORDED):
            # timeout, too_large, blocked (SSRF guard), otherwise network: crawler.bounds.kinds
            kind, message = describe(exception)
            record_error(self.stats, kind, request.url, message)
        return None
