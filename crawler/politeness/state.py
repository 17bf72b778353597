"""The shared state of one domain in Redis: rate window, concurrency leases, back-off.

Every key is ``pantau:polite:<domain>:<part>`` and carries an expiry, so a domain nobody
crawls any more leaves nothing behind. All calls are coroutines (``redis.asyncio``), made
from Scrapy's asyncio reactor without blocking it.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Any, cast

from limits.aio.storage import RedisStorage
from redis.asyncio import Redis

from crawler.politeness.keys import PREFIX, key

# Sleeps while polling for a free lease: short enough to keep the pipe full, with jitter
# so that waiting workers do not all ask at the same instant.
POLL_MIN = 0.02
POLL_MAX = 0.2

# Take a lease if fewer than ARGV[1] unexpired ones exist; scores are expiry times in ms of
# the Redis server's clock, so worker clocks do not matter. The key lives as long as its
# newest lease.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
local expires = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expires, ARGV[3])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(newest[2]) - now))
return 1
"""

# Extend a back-off to ARGV[1] ms from now unless it already lasts longer.
_BACKOFF = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
  return 1
end
return 0
"""


def _jitter(low: float, high: float) -> float:
    return random.uniform(low, high)  # spreading retries, not crypto


class RateGate:
    """A moving-window rate per domain (``limits``, Redis storage) shared by all workers."""

    def __init__(self, redis_url: str, redis: Redis) -> None:
        # the limits storage shares the connection pool of ``redis``
        self.storage = RedisStorage(f"async+{redis_url}", implementation="redispy",
                                    key_prefix=PREFIX,
                                    connection_pool=cast(Any, redis.connection_pool))

    async def try_acquire(self, domain: str, amount: int, seconds: int) -> float:
        """Take a slot now and return 0, or return the seconds until one frees up."""
        name = f"{domain}:rate"
        if await self.storage.acquire_entry(name, amount, seconds):
            return 0.0
        oldest, count = await self.storage.get_moving_window(name, amount, seconds)
        if count < amount:  # freed in between: try again at once
            return POLL_MIN
        return max(POLL_MIN, oldest + seconds - time.time())

    async def acquire(self, domain: str, amount: int, seconds: int) -> None:
        """Wait (without blocking the reactor) until a slot is free, and take it."""
        while wait := await self.try_acquire(domain, amount, seconds):
            await asyncio.sleep(wait + _jitter(0, POLL_MIN))


class LeaseSemaphore:
    """At most ``limit`` requests in flight per domain; a lease expires after ``lease`` s.

    A killed worker cannot give its leases back; they expire instead, so its slots return
    to the others after at most ``lease`` seconds.
    """

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._acquire = redis.register_script(_ACQUIRE)

    async def try_acquire(self, domain: str, limit: int, lease: float) -> str | None:
        """A lease token, or None when ``limit`` leases are taken."""
        token = uuid.uuid4().hex
        got = await self._acquire(keys=[key(domain, "slots")],
                                  args=[limit, int(lease * 1000), token])
        return token if got else None

    async def acquire(self, domain: str, limit: int, lease: float) -> str:
        """Wait until a lease is free, take it and return its token."""
        delay = POLL_MIN
        while (token := await self.try_acquire(domain, limit, lease)) is None:
            await asyncio.sleep(_jitter(delay / 2, delay))
            delay = min(POLL_MAX, delay * 1.5)
        return token

    async def release(self, domain: str, token: str) -> None:
        """Give a lease back (a no-op once it expired)."""
        await self.redis.zrem(key(domain, "slots"), token)

    async def in_flight(self, domain: str) -> int:
        """Leases currently held, expired ones included until the next acquire."""
        return int(await self.redis.zcard(key(domain, "slots")))


class Backoff:
    """A domain-wide pause every worker honours, e.g. after 429 with Retry-After."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._extend = redis.register_script(_BACKOFF)

    async def extend(self, domain: str, seconds: float, reason: str = "") -> bool:
        """Pause ``domain`` for ``seconds`` from now, unless a longer pause is set already."""
        ms = int(seconds * 1000)
        if ms <= 0:
            return False
        return bool(await self._extend(keys=[key(domain, "backoff")], args=[ms, reason or "1"]))

    async def remaining(self, domain: str) -> float:
        """Seconds left of the domain's pause, 0 if none."""
        ms = int(await self.redis.pttl(key(domain, "backoff")))
        return ms / 1000 if ms > 0 else 0.0

    async def wait(self, domain: str) -> float:
        """Sleep until the domain's pause is over; the seconds slept."""
        slept = 0.0
        while (left := await self.remaining(domain)) > 0:
            pause = left + _jitter(0, POLL_MAX)
            await asyncio.sleep(pause)
            slept += pause
        return slept
