"""The claims of one crawl run on its requests, in Redis: an exact hash, then a Bloom filter.

Every spider process of a run (the discovery, each shard, each redelivered attempt) is an
*attempt* with a random token, of a *scope* (``full``, ``discover`` or ``shard-<n>``). A
request is fetched by the attempt that claims it first. A claim records its attempt, so a
redelivered shard (same scope, new token) claims again - and fetches - what its dead
predecessor had claimed, while requests claimed by other shards stay skipped.

Up to ``exact_limit`` claims live in a hash (8-byte digest -> token). Past that, new claims
go into a Bloom filter in a Redis string, sized for ``capacity`` URLs at ``error_rate``
(:mod:`crawler.dedup.bloom`); the hash keeps what it holds. Both are checked and updated in
one Lua script per request, so two processes can never both claim one request.

Keys (``pantau:dedup:<run>:...``, each with the run's TTL, renewed by every new claim):
``claims`` (hash), ``bloom`` (string), ``meta`` (hash: the filter's shape, fixed by the
first attempt so that every worker hashes alike; the tokens of each scope; Bloom count).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from redis import Redis

from crawler.dedup.bloom import BloomShape, digest, positions, shape_for

PREFIX = "pantau:dedup"
MAX_EARLIER = 8  # earlier attempts of one scope whose claims an attempt takes over

# KEYS: meta. ARGV: scope, token, bits, hashes, exact limit, ttl.
_OPEN = """
redis.call('HSETNX', KEYS[1], 'bits', ARGV[3])
redis.call('HSETNX', KEYS[1], 'hashes', ARGV[4])
redis.call('HSETNX', KEYS[1], 'exact_limit', ARGV[5])
local field = 'attempts:' .. ARGV[1]
local earlier = redis.call('HGET', KEYS[1], field)
if earlier then
  redis.call('HSET', KEYS[1], field, earlier .. ',' .. ARGV[2])
else
  redis.call('HSET', KEYS[1], field, ARGV[2])
  earlier = ''
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
return {redis.call('HGET', KEYS[1], 'bits'), redis.call('HGET', KEYS[1], 'hashes'),
        redis.call('HGET', KEYS[1], 'exact_limit'), earlier}
"""

# KEYS: claims, bloom, meta. ARGV: digest, token, exact limit, ttl, k, n earlier tokens,
# filter bits, the earlier tokens, then k bit positions each: the request's, this attempt's,
# and one set per earlier token. Returns a Verdict. The Bloom string is created at its full
# size at once (SETBIT on a longer string would over-allocate as it grows).
_CLAIM = """
local mine, limit, ttl = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local k, nold = tonumber(ARGV[5]), tonumber(ARGV[6])
local function touch()
  for _, name in ipairs(KEYS) do redis.call('EXPIRE', name, ttl) end
end
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then
  if owner == mine then return 3 end
  for i = 1, nold do
    if owner == ARGV[7 + i] then
      redis.call('HSET', KEYS[1], ARGV[1], mine); touch(); return 2
    end
  end
  return 4
end
if redis.call('HLEN', KEYS[1]) < limit then
  redis.call('HSET', KEYS[1], ARGV[1], mine); touch(); return 0
end
local function all_set(first)
  for i = first, first + k - 1 do
    if redis.call('GETBIT', KEYS[2], ARGV[i]) == 0 then return false end
  end
  return true
end
local function set_all(first)
  for i = first, first + k - 1 do redis.call('SETBIT', KEYS[2], ARGV[i], 1) end
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SETBIT', KEYS[2], tonumber(ARGV[7]) - 1, 0)
end
local seen, own = 8 + nold, 8 + nold + k
if not all_set(seen) then
  set_all(seen); set_all(own); redis.call('HINCRBY', KEYS[3], 'bloomed', 1); touch()
  return 1
end
if all_set(own) then return 3 end
for j = 1, nold do
  if all_set(own + j * k) then set_all(own); touch(); return 2 end
end
return 5
"""


class Verdict(IntEnum):
    """The answer to one claim."""

    NEW = 0  # first claim of the run (exact hash): fetch
    NEW_BLOOM = 1  # first claim of the run (Bloom filter): fetch
    REDO = 2  # claimed by an earlier attempt of this scope (a redelivery): fetch again
    SEEN_HERE = 3  # claimed by this attempt already: skip
    SEEN_ELSEWHERE = 4  # claimed by another shard or attempt (exact hash): skip
    SEEN_BLOOM = 5  # in the Bloom filter, not this attempt's (rarely a false positive): skip

    @property
    def fetch(self) -> bool:
        """Whether the request is to be downloaded by this attempt."""
        return self in (Verdict.NEW, Verdict.NEW_BLOOM, Verdict.REDO)


@dataclass(frozen=True)
class DedupLimits:
    """Size and lifetime of one run's claims (PANTAU_DEDUP_* settings)."""

    exact_limit: int = 100_000
    capacity: int = 1_000_000
    error_rate: float = 1e-6
    ttl: int = 172_800


class RunClaims:
    """One attempt's view of its run's claims; :meth:`open` registers the attempt."""

    def __init__(self, redis: Redis, run_key: str, scope: str, limits: DedupLimits) -> None:
        self.redis = redis
        self.scope = scope
        self.token = uuid.uuid4().hex[:8]
        self.ttl = limits.ttl
        self.exact_limit = limits.exact_limit
        self.shape: BloomShape = shape_for(limits.capacity, limits.error_rate)
        self.earlier: list[str] = []
        base = f"{PREFIX}:{run_key}"
        self.keys = [f"{base}:claims", f"{base}:bloom", f"{base}:meta"]
        self._open = redis.register_script(_OPEN)
        self._claim = redis.register_script(_CLAIM)

    def open(self) -> None:
        """Register this attempt; adopt the filter shape the run's first attempt fixed."""
        bits, hashes, limit, earlier = self._open(
            keys=[self.keys[2]],
            args=[self.scope, self.token, self.shape.bits, self.shape.hashes,
                  self.exact_limit, self.ttl])
        self.shape = BloomShape(bits=int(bits), hashes=int(hashes))
        self.exact_limit = int(limit)
        self.earlier = [t for t in _text(earlier).split(",") if t][-MAX_EARLIER:]

    def claim(self, fingerprint: bytes) -> Verdict:
        """Claim a request (its Scrapy fingerprint) for this attempt; the verdict says why."""
        return Verdict(int(self._claim(keys=self.keys, args=self._args(fingerprint))))

    def claim_many(self, fingerprints: Iterable[bytes], chunk: int = 1000) -> list[Verdict]:
        """:meth:`claim` for many requests, pipelined ``chunk`` at a time."""
        verdicts: list[Verdict] = []
        batch = list(fingerprints)
        for start in range(0, len(batch), chunk):
            pipe = self.redis.pipeline(transaction=False)
            for fingerprint in batch[start:start + chunk]:
                self._claim(keys=self.keys, args=self._args(fingerprint), client=pipe)
            verdicts.extend(Verdict(int(v)) for v in pipe.execute())
        return verdicts

    def usage(self) -> dict[str, int]:
        """Bytes each key takes (``MEMORY USAGE``), exact claims and Bloom claims."""
        sizes = {name.rsplit(":", 1)[1]: int(self.redis.memory_usage(name, samples=0) or 0)
                 for name in self.keys}
        return {**sizes, "exact": int(self.redis.hlen(self.keys[0])),
                "bloomed": int(self.redis.hget(self.keys[2], "bloomed") or 0)}

    def _args(self, fingerprint: bytes) -> list[Any]:
        key = digest(fingerprint)
        args: list[Any] = [key[:8], self.token, self.exact_limit, self.ttl, self.shape.hashes,
                           len(self.earlier), self.shape.bits, *self.earlier,
                           *positions(key, self.shape)]
        for token in (self.token, *self.earlier):
            args.extend(positions(digest(fingerprint, token.encode()), self.shape))
        return args


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")
