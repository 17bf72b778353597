"""Crawl tasks: decode the source, run its spider through crawler.runner, record the run.

``crawl_source`` crawls a source in one task, or - for a source with ``threads_per_shard`` -
lists its threads, plans them into shards and enqueues one ``crawl_shard`` task per shard,
which any worker may take. The last shard to finish finishes the run (crawler.storage.shards).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from celery import Task, signals
from celery.exceptions import Reject, SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.log import get_task_logger
from kombu.exceptions import KombuError
from pydantic import ValidationError
from redis.exceptions import RedisError

from crawler.authors import PSEUDONYM_KEY_HINT
from crawler.config.settings import get_settings
from crawler.config.sources import Source
from crawler.config.terms import TERMS_HINT
from crawler.network import CONTACT_HINT, MissingContact, require_contact
from crawler.observe.labels import progress_line
from crawler.runner import CrawlOutcome, CrawlSpec, run_crawl
from crawler.runner.outcome import FAILED, INTERRUPTED, SUCCEEDED, TIMEOUT, judge
from crawler.runner.process import kill_spiders_on_sigterm
from crawler.storage.db import DatabaseUnavailable
from crawler.storage.runs import COUNT_COLUMNS, RunStore
from crawler.storage.shards import ShardStore
from crawler.storage.sources import upsert_source
from tasks.app import app, crawl_queue
from tasks.db import get_pool, record_once
from tasks.observe import bind_run
from tasks.runlock import claim_run

log = get_task_logger(__name__)
# Progress events and states go to Redis; while it restarts the crawl goes on without them
# (the durable progress is in crawl_runs), and tries again after BROKER_QUIET_SECONDS.
BROKER_ERRORS = (KombuError, RedisError, OSError)
BROKER_QUIET_SECONDS = 5.0
SOFT_LIMIT_REASON = "soft time limit reached; spider stopped"
TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (DatabaseUnavailable,),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "max_retries": 6,
}


class CrawlFailed(Exception):
    """The crawl ended without success; the run row holds the details."""


_nodename: str | None = None  # this worker's node name, in its main process


@signals.celeryd_after_setup.connect
def _remember_nodename(sender: Any = None, **_: Any) -> None:
    global _nodename  # noqa: PLW0603 - one worker per process
    _nodename = str(sender) if sender else None


def _end_by_task_id(task_id: str, status: str, reason: str) -> None:
    """Finish whatever run or shard ``task_id`` was still running on this worker (its main
    process). A redelivered task keeps its id: what another worker runs now is left alone."""
    record_once(lambda conn: (
        RunStore(conn).finish_by_task_id(task_id, status, reason, hostname=_nodename),
        ShardStore(conn).finish_by_task_id(task_id, status, reason, hostname=_nodename)))


class CrawlTask(Task):
    """Records the hard time limit on the run or shard: the pool process was killed, it could not.

    A lost worker needs no record: with ``task_reject_on_worker_lost`` the task is delivered
    again and the new attempt takes over the same row.
    """

    throws = (CrawlFailed,)  # an expected outcome: logged in one line, without a traceback

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        if isinstance(exc, TimeLimitExceeded):
            _end_by_task_id(task_id, TIMEOUT, f"hard time limit exceeded ({exc}); spider killed")


@signals.task_revoked.connect
def _record_revocation(sender: Any = None, request: Any = None, terminated: bool = False,
                       expired: bool = False, **_: Any) -> None:
    """Runs in the worker's main process when a task is revoked (and maybe terminated)."""
    if request is None or getattr(sender, "name", None) not in (crawl_source.name,
                                                                crawl_shard.name):
        return
    how = "expired" if expired else ("terminated" if terminated else "revoked before start")
    _end_by_task_id(request.id, "revoked", f"revoked ({how})")


def _source(source: dict[str, Any], fail: Callable[[str], object]) -> Source:
    """The validated source definition, or a failed run with the reason."""
    try:
        src = Source.model_validate(source)
    except ValidationError as err:
        reason = f"invalid source definition: {err.errors()[0]['msg']}"
        fail(reason)
        raise CrawlFailed(reason) from None
    if (blocked := src.terms_block) is not None:  # checked before anything is fetched
        reason = f"{blocked}; {TERMS_HINT}"
        fail(reason)
        raise CrawlFailed(f"{src.name}: {reason}")
    if src.authors == "pseudonymize" and get_settings().pseudonym_key is None:
        fail(PSEUDONYM_KEY_HINT)
        raise CrawlFailed(f"{src.name}: {PSEUDONYM_KEY_HINT}")
    try:
        require_contact(get_settings().user_agent, str(src.url))
    except MissingContact as err:
        fail(f"{err}; {CONTACT_HINT}")
        raise CrawlFailed(f"{src.name}: {err}; {CONTACT_HINT}") from None
    return src


def _run_spider(task: Task, spec: CrawlSpec, header: dict[str, Any],
                record: Callable[[dict[str, Any]], None]) -> CrawlOutcome:
    """Run the spider; progress becomes task events, task state and a database record."""

    quiet_until = 0.0  # after the broker failed, Celery hears no progress for a while

    def report(progress: dict[str, Any]) -> None:
        nonlocal quiet_until
        meta = {**header, **progress}
        if time.monotonic() >= quiet_until:
            try:
                # Flower merges an event's fields into its task but shows only Celery's own
                # fields: `result` carries the counters as one line (docs/operations.md)
                task.send_event("task-progress", **meta, result=progress_line(meta))
                task.update_state(state="PROGRESS", meta=meta)
            except BROKER_ERRORS as err:  # Redis restarting: progress there is best-effort
                log.warning("progress not sent to the broker (%s); the crawl goes on", err)
                quiet_until = time.monotonic() + BROKER_QUIET_SECONDS
        record(progress)

    with kill_spiders_on_sigterm():
        return run_crawl(spec, on_progress=report)


def _counts(stats: dict[str, Any]) -> dict[str, int]:
    return {k: int(stats.get(k, 0)) for k in COUNT_COLUMNS}


@app.task(base=CrawlTask, name="pantau.crawl_source", **TASK_OPTIONS)
def crawl_source(self: Task, source: dict[str, Any], run_id: int | None = None,
                 deep: bool | None = None) -> dict[str, Any]:
    """Crawl one source (its validated definition) and attribute posts to ``run_id``.

    ``deep``: fetch every page of every thread (True), only what changed (False), or decide
    by the source's ``deep_every`` and its last deep run (None).
    """
    store = RunStore(get_pool())
    # The run lock (tasks/runlock.py): one run per source; a slot sent by the beat (no run
    # id) gets its run row here, or is skipped without one while another run goes on.
    claim = claim_run(self.request.id, source, run_id, store)
    if claim.skipped is not None:
        if run_id is not None:  # the run row that waited for this task ended 'failed'
            raise CrawlFailed(f"{source.get('name')}: skipped: {claim.skipped['reason']}")
        return claim.skipped
    run_id = the_run = claim.run_id
    src = _source(source, lambda reason: store.finish(
        the_run, FAILED, reason=reason, counts={}, error_reasons=[]))
    _note_terms_override(src, run_id, store)
    deep = _deep(src, store, deep)
    spec = CrawlSpec.for_source(src, run_id).model_copy(update={"deep": deep})
    store.set_deep(run_id, deep)
    with get_pool().connection() as conn:
        upsert_source(conn, name=src.name, kind=src.kind, engine=src.engine, url=str(src.url),
                      site=spec.site, region=src.region, config=src.model_dump(mode="json"))
    owner = (self.request.hostname or "", os.getpid())
    store.start(run_id, self.request.id, *owner)
    header = {"run_id": run_id, "source": src.name, "region": src.region}
    bind_run(run_id)  # log lines name the run also when the task created it (the beat's)
    log.info("crawl %s (run %s, %s) starting", src.name, run_id, spec.mode)
    try:
        outcome = _run_spider(self, spec, header, lambda p: store.progress(
            run_id, p["pages"], p["items"], p["errors"], owner=owner))
    except SoftTimeLimitExceeded:
        store.finish(run_id, TIMEOUT, reason=SOFT_LIMIT_REASON, counts={}, error_reasons=[],
                     owner=owner)
        raise
    status, reason = judge(outcome, spec)
    if status == INTERRUPTED:  # not finished, not failed: the run goes on elsewhere
        store.note(run_id, reason or status, owner=owner)
        log.warning("crawl %s (run %s): %s", src.name, run_id, reason)
        raise Reject(reason, requeue=True)
    stats = outcome.stats
    summary = {**header, **_counts(stats), "status": status, "reason": reason,
               "elapsed": round(outcome.elapsed, 3)}
    if status == SUCCEEDED and spec.mode == "discover" and stats.get("shards"):
        summary["shards"] = _fan_out(src, run_id, store, reason or "", owner)
        return summary
    store.finish(run_id, status, reason=reason, counts=_counts(stats),
                 error_reasons=stats.get("error_reasons", []),
                 stats={**stats, "elapsed": round(outcome.elapsed, 3)}, owner=owner)
    log.info("crawl %s (run %s) %s: %s", src.name, run_id, status, reason or "ok")
    if status != SUCCEEDED:
        raise CrawlFailed(f"{src.name}: {reason}")
    return summary


def _note_terms_override(src: Source, run_id: int, store: RunStore | None) -> None:
    """A source crawled despite its terms note: say so in the log and on the run row."""
    if src.terms_override is None or src.terms is None:
        return
    log.warning("crawl %s (run %s): terms %r overridden %s", src.name, run_id, src.terms,
                src.terms_override.describe())
    if store is not None:
        store.set_terms_override(run_id, src.terms_override.record(src.terms))


def _deep(src: Source, store: RunStore, requested: bool | None) -> bool:
    """Whether this crawl is deep: as requested, else when the last deep run is due again."""
    if requested is not None:
        return requested
    if src.deep_every is None:
        return False
    last = store.last_deep(src.name)
    return last is None or datetime.now(UTC) - last >= src.deep_every


def _fan_out(src: Source, run_id: int, store: RunStore, reason: str,
             owner: tuple[str, int]) -> int:
    """Enqueue a shard task for every shard of the run not crawled yet; return their count.

    A late second fan-out (a discovery that froze, was delivered again and resumed) finds
    fewer shards queued, or none; a shard sent twice is crawled by its latest attempt only
    (crawler.storage.shards). The run's reason is set only while the run is this task's.
    """
    shards = [s for s in ShardStore(get_pool()).of_run(run_id) if s["status"] == "queued"]
    store.note(run_id, reason, owner=owner)
    source = src.model_dump(mode="json")
    for shard in shards:
        crawl_shard.apply_async(args=[source, run_id, shard["shard_no"]],
                                queue=crawl_queue(src.region, browser=src.browser))
    log.info("crawl %s (run %s): %s; %d shard tasks enqueued", src.name, run_id, reason,
             len(shards))
    return len(shards)


@app.task(base=CrawlTask, name="pantau.crawl_shard", **TASK_OPTIONS)
def crawl_shard(self: Task, source: dict[str, Any], run_id: int,
                shard_no: int) -> dict[str, Any]:
    """Crawl the threads of one shard of a run; the last shard to end finishes the run."""
    shards = ShardStore(get_pool())

    def fail(reason: str) -> None:
        shards.finish(run_id, shard_no, FAILED, reason=reason, counts={}, error_reasons=[])

    src = _source(source, fail)
    _note_terms_override(src, run_id, None)  # the run row has it from the discovery task
    shard = shards.get(run_id, shard_no)
    if shard is None:
        raise CrawlFailed(f"run {run_id} has no shard {shard_no}")
    if shard["status"] not in ("queued", "running"):
        return {"run_id": run_id, "shard": shard_no, "status": shard["status"], "skipped": True}
    attempt = shards.start(run_id, shard_no, self.request.id, self.request.hostname or "")
    run = RunStore(get_pool()).get(run_id) or {}
    spec = CrawlSpec.for_source(src, run_id).for_shard(
        shard_no, shard["urls"], shard.get("signatures")).model_copy(
        update={"deep": bool(run.get("deep"))})
    header = {"run_id": run_id, "source": src.name, "region": src.region, "shard": shard_no,
              "attempt": attempt}
    try:
        outcome = _run_spider(self, spec, header, lambda p: shards.progress(
            run_id, shard_no, p["pages"], p["items"], p["errors"], attempt=attempt))
    except SoftTimeLimitExceeded:  # a stale attempt (frozen, redelivered) records nothing
        shards.finish(run_id, shard_no, TIMEOUT, reason=SOFT_LIMIT_REASON, counts={},
                      error_reasons=[], attempt=attempt)
        raise
    status, reason = judge(outcome, spec)
    if status == INTERRUPTED:  # queued again for the next attempt, which takes it over
        shards.interrupt(run_id, shard_no, reason or status, attempt=attempt)
        log.warning("crawl %s (run %s) shard %s: %s", src.name, run_id, shard_no, reason)
        raise Reject(reason, requeue=True)
    stats = outcome.stats
    run_done = shards.finish(run_id, shard_no, status, reason=reason, counts=_counts(stats),
                             error_reasons=stats.get("error_reasons", []), attempt=attempt)
    log.info("crawl %s (run %s) shard %s attempt %s %s%s", src.name, run_id, shard_no,
             attempt, status, "; run finished" if run_done else "")
    if status != SUCCEEDED:
        raise CrawlFailed(f"{src.name} shard {shard_no}: {reason}")
    return {**header, **_counts(stats), "status": status, "run_finished": run_done}
