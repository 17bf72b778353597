"""The run lock as the crawl tasks use it: one run of a source at a time.

``pantau.crawl_source`` claims its source's lock before it crawls (:func:`claim_run`). A
slot sent by the beat (no run id yet) that finds another run of the source alive is
skipped: no ``crawl_runs`` row, one warning line ``skipped slot: source=... reason=...``
and a count in Redis (``pantau schedule list``). A crawl that already has a run row
(``pantau crawl``) ends that row as ``failed`` with reason ``skipped: ...``.

The lock is released when the run it names has ended (``task_postrun``: after a plain
crawl, or after the shard that finished a sharded run), when its task is revoked, and
otherwise taken over by the next claim once the holder's run row is final; its TTL
(``PANTAU_VISIBILITY_TIMEOUT``, longer than any task) is the last resort.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from celery import signals
from celery.utils.log import get_task_logger

from crawler.config.settings import get_settings
from crawler.schedule.runlock import Holder, RunLock, record_skip
from crawler.storage.runs import RunStore
from tasks.app import CRAWL_TASKS
from tasks.db import get_pool

log = get_task_logger(__name__)
ALIVE = ("queued", "running")
EXPIRED_REASON = "slot expired: no worker took it before the next slot"
_client: redis.Redis | None = None


def redis_client() -> redis.Redis:
    """This process's Redis client (redis-py reconnects after a fork by itself)."""
    global _client  # noqa: PLW0603 - one client per process
    if _client is None:
        url = get_settings().redis_url
        if not url:
            raise RuntimeError("PANTAU_REDIS_URL is not set")
        _client = redis.Redis.from_url(url, decode_responses=True)
    return _client


def source_lock(name: str) -> RunLock:
    """The lock of source ``name``; its TTL outlives any task (the visibility timeout)."""
    return RunLock(redis_client(), name, get_settings().visibility_timeout)


@dataclass(frozen=True)
class Claim:
    """The run this task crawls as, or why it does not crawl (``skipped``: its summary;
    ``run_id`` is then the waiting run row's id, or 0 when there is none)."""

    run_id: int
    skipped: dict[str, Any] | None = None


def is_alive(store: RunStore, holder: Holder) -> bool:
    """Whether the holder's run is still queued or running (run 0: its task is starting).

    A row of that id made by another task is not the holder's (a database that was reset,
    or another database on the same Redis): the holder is gone.
    """
    if holder.run_id == 0:
        return True
    row = store.get(holder.run_id)
    return row is not None and row["status"] in ALIVE and row["task_id"] == holder.task_id


def claim_run(task_id: str, source: dict[str, Any], run_id: int | None,
              store: RunStore) -> Claim:
    """Take the source's lock for this task and return its run (created here if needed)."""
    name, region = str(source.get("name", "?")), str(source.get("region", ""))
    lock = source_lock(name)
    holder = lock.holder()
    if holder is not None and holder.task_id == task_id:  # a retry or redelivery of this task
        run_id = run_id or store.create(name, region, task_id=task_id)  # same row again
        lock.acquire(Holder(run_id, task_id), replacing=holder)
        return Claim(run_id)
    if holder is not None and is_alive(store, holder):
        return _skip(name, region, run_id, holder, store)
    starting = Holder(run_id or 0, task_id)
    if not lock.acquire(starting, replacing=holder):  # another task was quicker
        return _skip(name, region, run_id, lock.holder() or starting, store)
    if run_id is None:
        run_id = store.create(name, region, task_id=task_id)
        lock.acquire(Holder(run_id, task_id), replacing=starting)
    return Claim(run_id)


def _skip(name: str, region: str, run_id: int | None, holder: Holder,
          store: RunStore) -> Claim:
    """Log and count a skipped run; end the run row if one was waiting for this task."""
    other = f"run {holder.run_id}" if holder.run_id else f"task {holder.task_id}"
    reason = f"{other} of {name} is still running"
    log.warning("skipped slot: source=%s region=%s reason=%r", name, region or "-", reason)
    record_skip(redis_client(), name, reason)
    if run_id is not None:
        store.finish(run_id, "failed", reason=f"skipped: {reason}", counts={},
                     error_reasons=[])
    return Claim(run_id or 0, {"source": name, "region": region, "run_id": run_id,
                          "status": "skipped", "reason": reason})


def release_if_done(name: str, task_id: str, state: str | None,
                    store: RunStore | None = None) -> bool:
    """After a crawl task: free the source's lock unless its run still goes on."""
    lock = source_lock(name)
    holder = lock.holder()
    if holder is None or (holder.task_id == task_id and state == "RETRY"):
        return False  # nothing held, or the retry of this task claims it again
    if holder.run_id == 0:
        return holder.task_id == task_id and lock.release(holder)
    if is_alive(store or RunStore(get_pool()), holder):
        return False  # another run, or this run's shards, still going
    return lock.release(holder)


def _source_arg(args: Any, kwargs: Any) -> dict[str, Any]:
    source = (args[0] if args else None) or (kwargs or {}).get("source")
    return source if isinstance(source, dict) else {}


def _source_name(args: Any, kwargs: Any) -> str | None:
    name = _source_arg(args, kwargs).get("name")
    return str(name) if name else None


@signals.task_prerun.connect
def _refresh_for_shard(sender: Any = None, args: Any = None, kwargs: Any = None,
                       **_: Any) -> None:
    """A shard of a sharded run keeps its run's lock from expiring."""
    if getattr(sender, "name", None) != "pantau.crawl_shard":
        return
    name = _source_name(args, kwargs)
    try:
        holder = source_lock(name).holder() if name else None
        if name and holder is not None and args and len(args) > 1 and holder.run_id == args[1]:
            source_lock(name).refresh(holder)
    except redis.RedisError:
        log.warning("run lock of %s not refreshed (Redis unreachable)", name)


@signals.task_postrun.connect
def _release_after_run(sender: Any = None, task_id: str | None = None, args: Any = None,
                       kwargs: Any = None, state: str | None = None, **_: Any) -> None:
    if getattr(sender, "name", None) not in CRAWL_TASKS or task_id is None:
        return
    name = _source_name(args, kwargs)
    if name is None:
        return
    try:
        release_if_done(name, task_id, state)
    except Exception:  # never disturb the worker; the next claim or the TTL frees the lock
        log.exception("could not release the run lock of %s", name)


@signals.task_revoked.connect
def _release_revoked(sender: Any = None, request: Any = None, expired: bool = False,
                     **_: Any) -> None:
    """Worker main process: a revoked task no longer runs; an expired slot was skipped."""
    if getattr(sender, "name", None) not in CRAWL_TASKS or request is None:
        return
    source = _source_arg(getattr(request, "args", None), getattr(request, "kwargs", None))
    name = str(source.get("name") or "")
    if not name:
        return
    try:
        if expired and getattr(sender, "name", None) == "pantau.crawl_source":
            log.warning("skipped slot: source=%s region=%s reason=%r", name,
                        source.get("region") or "-", EXPIRED_REASON)
            record_skip(redis_client(), name, EXPIRED_REASON)
        lock = source_lock(name)
        holder = lock.holder()
        if holder is not None and holder.task_id == request.id:
            lock.release(holder)
    except redis.RedisError:
        log.warning("run lock of %s not released (Redis unreachable)", name)
