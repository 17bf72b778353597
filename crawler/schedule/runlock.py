"""The run lock: one run of a source at a time, across the cluster (a Redis key per source).

The key ``pantau:runlock:<source>`` holds ``<run id>:<task id>`` of the run crawling the
source (run id 0 while that task is still creating its run row) and expires after a TTL
longer than any task may run, so a lock whose holder vanished without a trace frees itself.
Whether a holder is still alive is the caller's judgement (its ``crawl_runs`` row); a lock
held by a finished run may be taken over with :meth:`RunLock.acquire` ``replacing`` it.

Skipped slots are counted per source in ``pantau:schedule:skipped:<source>`` (a hash:
``count``, ``last_at``, ``last_reason``), for ``pantau schedule list``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

LOCK_PREFIX = "pantau:runlock:"
SKIP_PREFIX = "pantau:schedule:skipped:"
SKIP_TTL = 30 * 86400  # a skip record outlives a month without skips, then goes

# Take the key if it is free, ours already, or still held by the stale holder we name.
_ACQUIRE = """
local current = redis.call('GET', KEYS[1])
if (not current) or current == ARGV[1] or current == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
    return 1
end
return 0
"""
# Delete or refresh the key only while it still holds the given value.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


@dataclass(frozen=True)
class Holder:
    """Who holds a source's lock: a run id (0: not created yet) and the task's id."""

    run_id: int
    task_id: str

    @property
    def value(self) -> str:
        """The key's value."""
        return f"{self.run_id}:{self.task_id}"

    @classmethod
    def parse(cls, value: str | bytes | None) -> Holder | None:
        """The holder a key's value names (None for no value or a foreign one)."""
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else value
        run, _, task = text.partition(":")
        return cls(int(run), task) if run.isdigit() and task else None


class RunLock:
    """The lock of one source; ``client`` is a redis-py client (any ``decode_responses``)."""

    def __init__(self, client: Any, source: str, ttl: int) -> None:
        if ttl < 1:
            raise ValueError("ttl must be at least 1 second")
        self.client = client
        self.source = source
        self.key = LOCK_PREFIX + source
        self.ttl = ttl

    def holder(self) -> Holder | None:
        """Who holds the lock now, or None."""
        return Holder.parse(self.client.get(self.key))

    def acquire(self, holder: Holder, replacing: Holder | None = None) -> bool:
        """Take the lock for ``holder`` if it is free, already ``holder``'s, or still held by
        ``replacing`` (a holder the caller found dead); True if taken."""
        stale = replacing.value if replacing is not None else ""
        return bool(self.client.eval(_ACQUIRE, 1, self.key, holder.value, stale, self.ttl))

    def refresh(self, holder: Holder) -> bool:
        """Restart the TTL while ``holder`` holds the lock; True if it does."""
        return bool(self.client.eval(_REFRESH, 1, self.key, holder.value, self.ttl))

    def release(self, holder: Holder) -> bool:
        """Free the lock if ``holder`` holds it; True if it did."""
        return bool(self.client.eval(_RELEASE, 1, self.key, holder.value))


def record_skip(client: Any, source: str, reason: str, when: datetime | None = None) -> int:
    """Count a skipped slot of ``source`` with its reason; return the count so far."""
    key = SKIP_PREFIX + source
    at = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    with client.pipeline() as pipe:
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, mapping={"last_at": at, "last_reason": reason})
        pipe.expire(key, SKIP_TTL)
        count, *_ = pipe.execute()
    return int(count)


def skips(client: Any, source: str) -> dict[str, Any]:
    """``{"count": N, "last_at": ISO time, "last_reason": ...}``, or ``{}`` if never skipped."""
    raw = client.hgetall(SKIP_PREFIX + source)
    data = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes)
                                                          else v) for k, v in raw.items()}
    if not data:
        return {}
    return {"count": int(data.get("count", 0)), "last_at": data.get("last_at"),
            "last_reason": data.get("last_reason")}
