"""The Scrapy settings of the cluster request filter, derived from Settings and a crawl spec.

Kept free of Redis and Scrapy imports: :func:`crawler.runner.scrapy_settings.scrapy_settings`
calls it for every crawl.
"""

from __future__ import annotations

from typing import Any

from crawler.config.settings import Settings
from crawler.runner.spec import CrawlSpec

FILTER_CLASS = "crawler.dedup.filter.ClusterDupeFilter"


def scope_of(spec: CrawlSpec) -> str:
    """Which part of its run a crawl is: ``full``, ``discover`` or ``shard-<n>``.

    Attempts of one scope are the same work delivered again; each takes over the claims
    of the earlier ones (crawler.dedup.claims).
    """
    if spec.mode == "threads" and spec.shard_no is not None:
        return f"shard-{spec.shard_no}"
    return spec.mode


def enabled(settings: Settings, spec: CrawlSpec) -> bool:
    """Whether a crawl shares its request filter: switched on, a Redis, a database, a run."""
    return bool(settings.dedup_cluster and settings.redis_url and settings.database_url
                and spec.run_id is not None)


def cluster_dedup_settings(settings: Settings, spec: CrawlSpec) -> dict[str, Any]:
    """``DUPEFILTER_CLASS`` and ``PANTAU_DEDUP_*`` for one crawl; empty when switched off.

    Empty means Scrapy's default, the in-memory RFPDupeFilter of one process (``pantau
    extract``, unit tests, a crawl without a run).
    """
    if not enabled(settings, spec):
        return {}
    return {
        "DUPEFILTER_CLASS": FILTER_CLASS,
        "PANTAU_REDIS_URL": settings.redis_url,
        "PANTAU_DEDUP_RUN": spec.run_id,
        "PANTAU_DEDUP_SCOPE": scope_of(spec),
        "PANTAU_DEDUP_EXACT_LIMIT": settings.dedup_exact_limit,
        "PANTAU_DEDUP_BLOOM_CAPACITY": settings.dedup_bloom_capacity,
        "PANTAU_DEDUP_BLOOM_ERROR": settings.dedup_bloom_error,
        "PANTAU_DEDUP_TTL": settings.dedup_ttl,
    }
