"""Database access of a worker: one pool per pool process, short connections elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import signals
from celery.utils.log import get_logger
from psycopg_pool import ConnectionPool

from crawler.config.settings import get_settings
from crawler.storage.db import connect, make_pool

log = get_logger(__name__)
_pool: ConnectionPool | None = None


def get_pool() -> ConnectionPool:
    """This process's pool, opened on first use (after the fork of a pool process)."""
    global _pool  # noqa: PLW0603 - one pool per process is the point
    if _pool is None:
        url = get_settings().database_url
        if not url:
            raise RuntimeError("PANTAU_DATABASE_URL is not set")
        _pool = make_pool(url, min_size=1, max_size=2)
    return _pool


@signals.worker_process_init.connect
def _forget_inherited_pool(**_: Any) -> None:
    """A forked pool process must not share the parent's sockets."""
    global _pool  # noqa: PLW0603
    _pool = None


def record_once(action: Callable[[Any], Any]) -> None:
    """Run ``action`` on a short-lived connection; log instead of raising.

    Used from the worker's main process (revocations, hard time limits), where no pool is
    kept and a failure must not disturb the worker.
    """
    url = get_settings().database_url
    if not url:
        return
    try:
        with connect(url) as conn:
            action(conn)
    except Exception:
        log.exception("could not record the crawl's end")
