"""Scrapy's DUPEFILTER_CLASS for pantau: one request filter per crawl run, shared in Redis.

Scrapy's own filter remembers fingerprints in the memory of one spider process; the
shards of a run crawl in many processes on many machines. ``ClusterDupeFilter`` asks
:class:`~crawler.dedup.claims.RunClaims` instead, so a request is fetched once per run by
whichever shard meets it first (requests with ``dont_filter`` never reach a dupefilter).

The run is named by its id *and* its ``crawl_runs.queued_at``, so a database that was reset
(or the next test's database) never meets the claims of an older run with the same id.
Scrapy calls ``request_seen`` synchronously; each call is one Lua round trip to Redis. When
Redis fails, or the run is not in the database, requests are filtered in this process's
memory only (Scrapy's RFPDupeFilter): a request may then be fetched twice in a run, which
the idempotent writer makes harmless, but none is skipped.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis, RedisError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter, RFPDupeFilter
from scrapy.statscollectors import StatsCollector
from scrapy.utils.request import RequestFingerprinterProtocol

from crawler.dedup.claims import DedupLimits, RunClaims, Verdict

logger = logging.getLogger(__name__)

STAT = "pantau/dedup/"
STAT_NAMES = {
    Verdict.NEW: "claimed", Verdict.NEW_BLOOM: "claimed_bloom", Verdict.REDO: "redone",
    Verdict.SEEN_HERE: "seen_here", Verdict.SEEN_ELSEWHERE: "seen_elsewhere",
    Verdict.SEEN_BLOOM: "seen_bloom",
}


def run_key(database_url: str, run_id: int) -> str | None:
    """``<run id>.<queued_at in µs>`` of a stored run, or None when it cannot be read."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=10) as conn:
            row = conn.execute("SELECT (extract(epoch FROM queued_at) * 1e6)::bigint"
                               " FROM crawl_runs WHERE id = %s", (run_id,)).fetchone()
    except psycopg.Error as err:
        logger.warning("cluster dedup: cannot read run %s (%s); filtering locally", run_id, err)
        return None
    if row is None:
        logger.warning("cluster dedup: no crawl_runs row %s; filtering locally", run_id)
        return None
    return f"{run_id}.{row[0]}"


class ClusterDupeFilter(BaseDupeFilter):
    """Fetch each request once per crawl run across all workers (claims in Redis)."""

    def __init__(self, claims: RunClaims | None, local: RFPDupeFilter,
                 fingerprinter: RequestFingerprinterProtocol,
                 stats: StatsCollector | None) -> None:
        self.claims = claims
        self.local = local
        self.fingerprinter = fingerprinter
        self.stats = stats
        self.logdupes = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterDupeFilter:
        settings = crawler.settings
        key = run_key(settings["PANTAU_DATABASE_URL"], settings.getint("PANTAU_DEDUP_RUN"))
        claims = None
        if key is not None:
            redis = Redis.from_url(settings["PANTAU_REDIS_URL"], socket_timeout=10,
                                   socket_connect_timeout=10)
            limits = DedupLimits(
                exact_limit=settings.getint("PANTAU_DEDUP_EXACT_LIMIT"),
                capacity=settings.getint("PANTAU_DEDUP_BLOOM_CAPACITY"),
                error_rate=settings.getfloat("PANTAU_DEDUP_BLOOM_ERROR"),
                ttl=settings.getint("PANTAU_DEDUP_TTL"))
            claims = RunClaims(redis, key, settings["PANTAU_DEDUP_SCOPE"], limits)
        return cls(claims, RFPDupeFilter.from_crawler(crawler), crawler.request_fingerprinter,
                   crawler.stats)

    def open(self) -> None:
        if self.claims is None:
            return
        try:
            self.claims.open()
        except RedisError as err:
            self._lost(err)
            return
        logger.info("cluster dedup: run %s, %s, attempt %s (%d earlier); Bloom filter of "
                    "%d bits, %d hashes, after %d exact claims", self.claims.keys[0],
                    self.claims.scope, self.claims.token, len(self.claims.earlier),
                    self.claims.shape.bits, self.claims.shape.hashes, self.claims.exact_limit)
        self._set("attempt", self.claims.token)

    def request_seen(self, request: Request) -> bool:
        if self.claims is None:
            return self.local.request_seen(request)
        try:
            verdict = self.claims.claim(self.fingerprinter.fingerprint(request))
        except RedisError as err:
            self._lost(err)
            return self.local.request_seen(request)
        self._inc(STAT + STAT_NAMES[verdict])
        return not verdict.fetch

    def close(self, reason: str) -> None:
        self.local.close(reason)
        if self.claims is not None:
            try:
                for name, value in self.claims.usage().items():
                    self._set(f"usage/{name}", value)
            except RedisError:
                pass
            self.claims.redis.close()

    def log(self, request: Request, spider: Spider) -> None:
        if self.logdupes:
            logger.debug("Filtered duplicate request: %(request)s - no more duplicates will be "
                         "shown", {"request": request}, extra={"spider": spider})
            self.logdupes = False
        self._inc("dupefilter/filtered")

    def _lost(self, err: RedisError) -> None:
        """Redis failed: filter in this process's memory from now on."""
        logger.warning("cluster dedup: Redis failed (%s); filtering in this process only", err)
        self._inc(STAT + "redis_errors")
        self.claims = None

    def _inc(self, name: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(name)

    def _set(self, name: str, value: Any) -> None:
        if self.stats is not None:
            self.stats.set_value(STAT + name, value)
