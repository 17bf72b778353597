"""Bounded retry of database work across connection-level failures (a PostgreSQL restart).

Only errors that say the connection or the server went away are retried: a broken or closed
connection (no SQLSTATE: the server never answered), SQLSTATE class 08 (connection
exception), and 57P01-57P03 (the server shutting down, crashed, or still starting). Errors of
the data or the SQL (constraint violations, bad values, timeouts) are raised at once. The
work retried must be idempotent: the writer's batches are (they upsert by uid), and so are
the run record's updates. Measured against a real restart: tests/test_chaos_servers.py.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg

from crawler.storage.db import DatabaseUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 90.0  # how long one piece of work waits for the database to come back
FIRST_PAUSE = 0.5
MAX_PAUSE = 5.0
_SHUTTING_DOWN = ("57P01", "57P02", "57P03")  # admin_shutdown, crash_shutdown, cannot_connect_now


def is_transient(err: BaseException) -> bool:
    """Whether ``err`` says the connection or the server went away (worth a retry)."""
    if isinstance(err, DatabaseUnavailable):
        return True
    if not isinstance(err, psycopg.OperationalError):
        return False
    state = err.sqlstate
    return state is None or state.startswith("08") or state in _SHUTTING_DOWN


def retry_transient(action: Callable[[], T], *, what: str,
                    recover: Callable[[], None] | None = None,
                    seconds: float = RETRY_SECONDS,
                    sleep: Callable[[float], None] = time.sleep) -> T:
    """``action()``; after a transient error, ``recover()`` (e.g. reconnect) and try again,
    with growing pauses, until it succeeds or ``seconds`` have passed since the first error
    (then that error is raised). ``recover`` may raise a transient error too."""
    first_failure: float | None = None
    pause = FIRST_PAUSE
    while True:
        try:
            if first_failure is not None and recover is not None:
                recover()
            return action()
        except Exception as err:
            if not is_transient(err):
                raise
            now = time.monotonic()
            if first_failure is None:
                first_failure = now
                logger.warning("%s: the database went away (%s); retrying for up to %.0f s",
                               what, " ".join(str(err).split()) or type(err).__name__, seconds)
            if now - first_failure > seconds:
                raise
            sleep(random.uniform(pause / 2, pause))  # spreading retries, not crypto
            pause = min(MAX_PAUSE, pause * 2)
