"""Prometheus metrics read from PostgreSQL and Redis at every scrape (``pantau metrics``).

``collector`` turns the durable crawl history and the broker's queues into metric
families, ``queues`` reads queue depths from the Redis broker, ``server`` serves
``/metrics`` (basic auth required beyond loopback). The metrics are listed in
docs/operations.md ("Metrics and alerts").
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from crawler.metrics.collector import PantauCollector
from crawler.metrics.queues import QueueDepth


def build_registry(database_url: str | None, redis_url: str | None,
                   queues: list[str] | None = None) -> CollectorRegistry:
    """A registry holding only pantau's collector (no metrics of the exporter process)."""
    import redis

    depth = None
    if redis_url:
        client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        depth = QueueDepth(client, queues or [])
    registry = CollectorRegistry()
    registry.register(PantauCollector(database_url, depth))
    return registry


__all__ = ["PantauCollector", "QueueDepth", "build_registry"]
