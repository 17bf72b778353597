"""The crawl task: decode the source, run its spider through crawler.runner, record the run."""

from __future__ import annotations

import os
from typing import Any

from celery import Task, signals
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.log import get_task_logger
from pydantic import ValidationError

from crawler.authors import PSEUDONYM_KEY_HINT
from crawler.config.settings import get_settings
from crawler.config.sources import Source
from crawler.runner import CrawlSpec, run_crawl
from crawler.runner.outcome import FAILED, SUCCEEDED, TIMEOUT, judge
from crawler.runner.process import kill_spiders_on_sigterm
from crawler.storage.db import DatabaseUnavailable
from crawler.storage.runs import RunStore
from crawler.storage.sources import upsert_source
from tasks.app import app
from tasks.db import get_pool, run_store_once

log = get_task_logger(__name__)


class CrawlFailed(Exception):
    """The crawl ended without success; the run row holds the details."""


class CrawlTask(Task):
    """Records the hard time limit on the run row: the pool process was killed, it could not.

    A lost worker needs no record: with ``task_reject_on_worker_lost`` the task is delivered
    again and the new attempt takes over the same run row.
    """

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        if isinstance(exc, TimeLimitExceeded):
            run_store_once(lambda s: s.finish_by_task_id(
                task_id, TIMEOUT, f"hard time limit exceeded ({exc}); spider killed"))


@signals.task_revoked.connect
def _record_revocation(sender: Any = None, request: Any = None, terminated: bool = False,
                       expired: bool = False, **_: Any) -> None:
    """Runs in the worker's main process when a task is revoked (and maybe terminated)."""
    if request is None or getattr(sender, "name", None) != crawl_source.name:
        return
    how = "expired" if expired else ("terminated" if terminated else "revoked before start")
    run_store_once(lambda s: s.finish_by_task_id(request.id, "revoked", f"revoked ({how})"))


@app.task(
    bind=True,
    base=CrawlTask,
    name="pantau.crawl_source",
    autoretry_for=(DatabaseUnavailable,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=6,
    throws=(CrawlFailed,),  # an expected outcome: logged in one line, without a traceback
)
def crawl_source(self: Task, source: dict[str, Any], run_id: int | None = None) -> dict[str, Any]:
    """Crawl one source (its validated definition) and attribute posts to ``run_id``."""
    store = RunStore(get_pool())
    try:
        src = Source.model_validate(source)
    except ValidationError as err:
        invalid = f"invalid source definition: {err.errors()[0]['msg']}"
        if run_id is not None:
            store.finish(run_id, FAILED, reason=invalid, counts={}, error_reasons=[])
        raise CrawlFailed(invalid) from None
    with get_pool().connection() as conn:
        upsert_source(conn, name=src.name, kind=src.kind, engine=src.engine, url=str(src.url),
                      site=CrawlSpec.for_source(src, None).site, region=src.region,
                      config=src.model_dump(mode="json"))
    if run_id is None:
        run_id = store.create(src.name, src.region, task_id=self.request.id)
    if src.authors == "pseudonymize" and get_settings().pseudonym_key is None:
        store.finish(run_id, FAILED, reason=PSEUDONYM_KEY_HINT, counts={}, error_reasons=[])
        raise CrawlFailed(f"{src.name}: {PSEUDONYM_KEY_HINT}")
    store.start(run_id, self.request.id, self.request.hostname or "", os.getpid())
    spec = CrawlSpec.for_source(src, run_id)
    header = {"run_id": run_id, "source": src.name, "region": src.region}

    def report(progress: dict[str, Any]) -> None:
        meta = {**header, **progress}
        self.send_event("task-progress", **meta)
        self.update_state(state="PROGRESS", meta=meta)
        store.progress(run_id, progress["pages"], progress["items"], progress["errors"])

    log.info("crawl %s (run %s) starting", src.name, run_id)
    with kill_spiders_on_sigterm():
        try:
            outcome = run_crawl(spec, on_progress=report)
        except SoftTimeLimitExceeded:
            store.finish(run_id, TIMEOUT, reason="soft time limit reached; spider stopped",
                         counts={}, error_reasons=[])
            raise
    status, reason = judge(outcome, spec)
    stats = outcome.stats
    store.finish(run_id, status, reason=reason, counts=_counts(stats),
                 error_reasons=stats.get("error_reasons", []),
                 stats={**stats, "elapsed": round(outcome.elapsed, 3)})
    summary = {**header, **_counts(stats), "status": status, "reason": reason,
               "elapsed": round(outcome.elapsed, 3)}
    log.info("crawl %s (run %s) %s: %s", src.name, run_id, status, reason or "ok")
    if status != SUCCEEDED:
        raise CrawlFailed(f"{src.name}: {reason}")
    return summary


def _counts(stats: dict[str, Any]) -> dict[str, int]:
    keys = ("pages", "items", "errors", "posts_new", "posts_edited", "posts_unchanged",
            "posts_deleted")
    return {k: int(stats.get(k, 0)) for k in keys}
