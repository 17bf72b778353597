"""The cluster request filter: claims per run in Redis, exact up to a limit, then Bloom."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from crawler.config.settings import Settings
from crawler.dedup.bloom import BloomShape, digest, positions, shape_for
from crawler.dedup.claims import DedupLimits, RunClaims, Verdict
from crawler.dedup.config import FILTER_CLASS, scope_of
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec


def fingerprints(count: int, salt: str = "") -> list[bytes]:
    """Distinct 20-byte fingerprints, as Scrapy's (SHA-1) would be."""
    return [digest(f"{salt}{i}".encode())[:16] + i.to_bytes(4, "big") for i in range(count)]


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    conn = redis.Redis.from_url(redis_url)
    yield conn
    conn.close()


def claims(client: redis.Redis, run: str, scope: str, **limits: Any) -> RunClaims:
    attempt = RunClaims(client, run, scope, DedupLimits(**limits))
    attempt.open()
    return attempt


def test_bloom_shape_is_sized_for_the_error_rate() -> None:
    shape = shape_for(1_000_000, 1e-6)
    assert shape.hashes == 20
    assert 7.1 < shape.bytes / 1_000_000 < 7.3  # bytes per URL, two entries each
    assert shape.error_rate(1_000_000) == pytest.approx(1e-6, rel=0.1)
    assert shape.error_rate(2_000_000) > 1e-3  # past capacity it degrades quickly
    with pytest.raises(ValueError, match="512 MiB"):
        shape_for(10**9, 1e-6)


def test_positions_are_spread_and_stable() -> None:
    shape = BloomShape(bits=1009, hashes=7)
    key = digest(b"x" * 20)
    first = positions(key, shape)
    assert first == positions(key, shape)
    assert len(first) == 7 and all(0 <= p < 1009 for p in first)
    assert len(set(first)) == 7
    assert positions(digest(b"x" * 20, b"token"), shape) != first


def test_settings_register_the_filter_only_with_redis_database_and_run() -> None:
    full = CrawlSpec(run_id=7, source="s", region="62", spider="phpbb", platform="phpbb",
                     start_url="http://127.0.0.1:1/", site="http://127.0.0.1:1/")
    on = Settings(redis_url="redis://127.0.0.1:1/0", database_url="postgresql://x@h/db")
    built = scrapy_settings(on, full.for_shard(3, ["http://127.0.0.1:1/viewtopic.php?t=1"]))
    assert built["DUPEFILTER_CLASS"] == FILTER_CLASS
    assert (built["PANTAU_DEDUP_RUN"], built["PANTAU_DEDUP_SCOPE"]) == (7, "shard-3")
    assert scope_of(full) == "full"
    assert "DUPEFILTER_CLASS" not in scrapy_settings(Settings(redis_url=None), full)
    no_run = full.model_copy(update={"run_id": None})
    assert "DUPEFILTER_CLASS" not in scrapy_settings(on, no_run)
    assert "DUPEFILTER_CLASS" not in scrapy_settings(
        on.model_copy(update={"dedup_cluster": False}), full)


@pytest.mark.parametrize("exact_limit", [100, 0], ids=["exact", "bloom"])
def test_claims_across_shards_and_a_redelivered_shard(client: redis.Redis,
                                                      exact_limit: int) -> None:
    run = uuid.uuid4().hex
    a = claims(client, run, "shard-0", exact_limit=exact_limit, capacity=1000, error_rate=1e-6)
    b = claims(client, run, "shard-1", exact_limit=exact_limit, capacity=1000, error_rate=1e-6)
    shared, only_a = fingerprints(2, "u")
    new = Verdict.NEW if exact_limit else Verdict.NEW_BLOOM
    other = Verdict.SEEN_ELSEWHERE if exact_limit else Verdict.SEEN_BLOOM
    assert a.claim(shared) == new
    assert a.claim(shared) == Verdict.SEEN_HERE
    assert b.claim(shared) == other  # another shard of the run fetched it
    assert a.claim(only_a) == new
    # shard 0 dies and is delivered again: its new attempt redoes its claims, once each
    again = claims(client, run, "shard-0", exact_limit=exact_limit)
    assert again.earlier == [a.token]
    assert again.claim(shared) == Verdict.REDO
    assert again.claim(shared) == Verdict.SEEN_HERE
    assert again.claim(only_a) == Verdict.REDO
    assert b.claim(only_a) == other
    # a third attempt takes over from both earlier ones
    third = claims(client, run, "shard-0", exact_limit=exact_limit)
    assert third.earlier == [a.token, again.token]
    assert third.claim(shared) == Verdict.REDO
    # another run's filter is apart
    assert claims(client, uuid.uuid4().hex, "shard-1").claim(shared) == Verdict.NEW
    assert 0 < client.ttl(f"pantau:dedup:{run}:meta") <= DedupLimits().ttl


def test_the_first_attempt_fixes_the_filter_shape(client: redis.Redis) -> None:
    run = uuid.uuid4().hex
    first = claims(client, run, "discover", exact_limit=5, capacity=1000, error_rate=1e-4)
    later = claims(client, run, "shard-0", exact_limit=50, capacity=99_999, error_rate=1e-6)
    assert (later.shape, later.exact_limit) == (first.shape, 5)


@pytest.mark.slow
def test_switch_to_bloom_at_the_limit_keeps_memory_bounded(client: redis.Redis) -> None:
    """200k URLs: 50k exact claims, 150k in a Bloom filter whose size never changes."""
    run, limit, total = uuid.uuid4().hex, 50_000, 200_000
    a = claims(client, run, "shard-0", exact_limit=limit, capacity=total - limit,
               error_rate=1e-3)
    urls = fingerprints(total, "m")
    verdicts = a.claim_many(urls[:limit])
    assert set(verdicts) == {Verdict.NEW}
    exact = a.usage()
    verdicts = a.claim_many(urls[limit:limit + 1000])
    assert set(verdicts) == {Verdict.NEW_BLOOM}  # the switch, at the limit
    after_switch = a.usage()
    verdicts = a.claim_many(urls[limit + 1000:])
    skipped = len(verdicts) - verdicts.count(Verdict.NEW_BLOOM)  # false positives
    assert skipped <= 3 * len(verdicts) * a.shape.error_rate(total - limit)
    full = a.usage()
    assert full["exact"] == limit and full["bloomed"] + skipped == total - limit
    assert full["claims"] == exact["claims"]  # the hash stopped growing at the limit
    assert full["bloom"] == after_switch["bloom"]  # the Bloom filter is allocated once
    # one allocation of the filter's size, rounded up to jemalloc's size class (< 25 %)
    assert a.shape.bytes <= full["bloom"] <= a.shape.bytes * 1.25 + 1024
    per_url_exact = exact["claims"] / limit
    per_url_bloom = full["bloom"] / (total - limit)
    print(f"exact: {per_url_exact:.1f} B/URL ({exact['claims']} B for {limit}); "
          f"bloom: {per_url_bloom:.2f} B/URL at 1e-3 ({full['bloom']} B for {total - limit})")
    assert per_url_exact < 120
    assert per_url_bloom < 5

    # everything claimed stays claimed, for this attempt and for another shard
    again = a.claim_many(urls[::97])
    assert not any(v.fetch for v in again)
    assert again.count(Verdict.SEEN_HERE) >= len(again) - 5  # the rest: false positives
    b = claims(client, run, "shard-1")
    assert not any(v.fetch for v in b.claim_many(urls[1::101]))
    # new URLs are (nearly all) new: false positives at about the sized rate
    fresh = b.claim_many(fingerprints(20_000, "fresh"))
    false_positives = fresh.count(Verdict.SEEN_BLOOM)
    expected = 20_000 * a.shape.error_rate(total - limit + 10_000)  # they fill it too
    print(f"false positives: {false_positives} of 20000 (expected {expected:.0f})")
    assert false_positives <= 3 * expected + 5
    assert all(v in (Verdict.NEW_BLOOM, Verdict.SEEN_BLOOM) for v in fresh)
    client.delete(*a.keys)


def test_bytes_per_url_at_the_defaults() -> None:
    shape = shape_for(DedupLimits().capacity, DedupLimits().error_rate)
    assert math.isclose(shape.bytes / DedupLimits().capacity, 7.19, abs_tol=0.01)

