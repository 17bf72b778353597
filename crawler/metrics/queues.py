"""Queue depths in the Redis broker: the crawl and browser queues, found without a worker.

Celery's Redis transport (kombu) keeps a queue as a Redis list named after the queue, plus
one list per priority step (``<queue>\\x06\\x16<priority>``), and records each queue a worker
or client declared in a set ``_kombu.binding.<exchange>``. Messages taken by a worker but
not yet acknowledged sit in the hash ``unacked``. pantau's queues are ``crawl.<region>``
and ``browser.<region>``; other queues (Celery's own ``pidbox`` replies) are ignored, so the
number of series stays bounded by the regions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import redis

PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)  # kombu's default priority steps for Redis
BINDING_PATTERN = "_kombu.binding.*"
UNACKED_KEY = "unacked"
QUEUE_PREFIXES = ("crawl.", "browser.")


def queue_region(queue: str) -> str:
    """``crawl.62.71`` -> ``62.71``; ``crawl.default`` -> ``""``."""
    region = queue.partition(".")[2]
    return "" if region == "default" else region


def region_queues(regions: Iterable[str]) -> list[str]:
    """The crawl and browser queues of these regions and the default ones."""
    names = ["crawl.default", "browser.default"]
    for code in regions:
        names += [f"crawl.{code}", f"browser.{code}"]
    return names


class QueueDepth:
    """Reads queue lengths; queues are the configured ones plus those declared in Redis
    (rediscovered at most every ``rediscover`` seconds: a SCAN walks the whole keyspace)."""

    def __init__(self, client: redis.Redis, configured: Iterable[str] = (),
                 rediscover: float = 60.0) -> None:
        self.client = client
        self.configured = list(dict.fromkeys(configured))
        self.rediscover = rediscover
        self._found: list[str] = []
        self._found_at: float | None = None

    def discover(self) -> list[str]:
        """Queue names declared in the broker (crawl.* and browser.* only)."""
        names: set[str] = set()
        for key in self.client.scan_iter(match=BINDING_PATTERN, count=1000):
            for member in self.client.smembers(key):
                text = member.decode("utf-8", "replace") if isinstance(member, bytes) else member
                queue = text.split(PRIORITY_SEPARATOR)[-1]
                if queue.startswith(QUEUE_PREFIXES):
                    names.add(queue)
        return sorted(names)

    def queues(self) -> list[str]:
        """Configured queues first, then the discovered ones, without repeats."""
        now = time.monotonic()
        if self._found_at is None or now - self._found_at >= self.rediscover:
            self._found, self._found_at = self.discover(), now
        return list(dict.fromkeys([*self.configured, *self._found]))

    def depths(self) -> dict[str, int]:
        """Messages waiting in each queue (all priorities together)."""
        queues = self.queues()
        with self.client.pipeline(transaction=False) as pipe:
            for queue in queues:
                for step in PRIORITY_STEPS:
                    pipe.llen(queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}")
            lengths = pipe.execute()
        per = len(PRIORITY_STEPS)
        return {queue: int(sum(lengths[i * per:(i + 1) * per])) for i, queue in enumerate(queues)}

    def unacked(self) -> int:
        """Messages delivered to workers and not acknowledged yet (running or prefetched)."""
        return int(self.client.hlen(UNACKED_KEY))
