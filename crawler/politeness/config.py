"""The Scrapy settings of cluster politeness, derived from Settings and a source's overrides.

Kept free of Redis and Scrapy imports: :func:`crawler.runner.scrapy_settings.scrapy_settings`
calls it for every crawl.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from crawler.config.settings import Settings
from crawler.runner.spec import CrawlSpec

# A lease outlives the longest download by this margin (the request may also wait in
# Scrapy's own slot queue after taking its lease).
LEASE_MARGIN = 60


def enabled(settings: Settings) -> bool:
    """Whether the cluster components run: switched on and a Redis to share state in."""
    return bool(settings.polite_cluster and settings.redis_url)


def enabled_in(scrapy_settings: Any) -> bool:
    """Whether a crawl's Scrapy settings switch the cluster components on."""
    return bool(scrapy_settings.getbool("PANTAU_POLITE_CLUSTER")
                and scrapy_settings.get("PANTAU_REDIS_URL"))


def rate_window(requests_per_second: float, min_interval: float | None) -> tuple[int, int]:
    """``(amount, seconds)``: at most ``amount`` requests in any window of ``seconds``.

    The moving window of the ``limits`` package counts whole seconds, so every rounding goes
    the polite way: 2.5/s allows 2 per second, 0.4/s one per 3 seconds, and a minimum
    interval (robots.txt Crawl-delay, a source's download_delay) of 1.5 s one per 2 seconds.
    """
    if requests_per_second >= 1:
        amount, seconds = math.floor(requests_per_second), 1
    else:
        amount, seconds = 1, math.ceil(1 / requests_per_second - 1e-9)
    if min_interval and min_interval > 0:
        gap = math.ceil(min_interval - 1e-9)
        if amount > 1 or gap > seconds:
            amount, seconds = 1, max(seconds, gap)
    return amount, seconds


def cluster_politeness_settings(settings: Settings, spec: CrawlSpec) -> dict[str, Any]:
    """``PANTAU_POLITE_*`` Scrapy settings for one crawl; empty when switched off.

    With the cluster limiter on, Scrapy's per-process delay for the source's own host is set
    to 0 (``DOWNLOAD_SLOTS``): the shared rate replaces it, and a second, per-process delay
    applied after the shared slot was taken would bunch requests of different workers.
    A source's own ``download_delay`` is kept as a cluster-wide minimum interval.
    """
    if not enabled(settings):
        return {}
    polite = spec.politeness
    host = urlsplit(spec.start_url).hostname or ""
    return {
        "PANTAU_POLITE_CLUSTER": True,
        "PANTAU_REDIS_URL": settings.redis_url,
        "PANTAU_POLITE_REQUESTS_PER_SECOND": (
            polite.requests_per_second or settings.polite_requests_per_second
        ),
        "PANTAU_POLITE_MIN_INTERVAL": polite.download_delay or 0.0,
        "PANTAU_POLITE_CONCURRENCY": polite.cluster_concurrency or settings.polite_concurrency,
        "PANTAU_POLITE_LEASE": settings.download_timeout + LEASE_MARGIN,
        "PANTAU_POLITE_ROBOTS_TTL": settings.polite_robots_ttl,
        "PANTAU_POLITE_ROBOTS_WAIT": settings.download_timeout * (settings.retry_times + 1) + 5,
        "PANTAU_POLITE_BACKOFF": settings.polite_backoff,
        "PANTAU_POLITE_MAX_BACKOFF": settings.polite_max_backoff,
        "DOWNLOAD_SLOTS": {host: {"delay": 0}} if host else {},
    }
