"""Politeness per domain across the whole cluster: limits shared by every spider through Redis.

Scrapy's ``DOWNLOAD_DELAY`` and ``CONCURRENT_REQUESTS_PER_DOMAIN`` hold per process; with N
workers on one site the site would get N times the rate. The components here keep the state
in Redis (keys ``pantau:polite:<domain>:...``, all with expiries) so the limits hold for the
sum of all processes:

- :class:`~crawler.politeness.middleware.ClusterPoliteness` waits for a shared back-off to end,
  takes a concurrency lease and a rate slot before each download, and turns a 429/503 with
  Retry-After into a back-off for every worker;
- :class:`~crawler.politeness.robots.SharedRobotsTxt` fetches robots.txt once per domain per
  TTL for the whole cluster, and publishes its Crawl-delay as the domain's minimum interval.

See docs/operations.md, "Politeness across the cluster".
"""

from __future__ import annotations

from crawler.politeness.config import cluster_politeness_settings
from crawler.politeness.keys import domain_of

__all__ = ["cluster_politeness_settings", "domain_of"]
