"""Durable crawl history: one ``crawl_runs`` row per crawl task, from queued to a final status."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from crawler.storage._conn import ConnOrPool, transaction
from crawler.storage.retry import retry_transient

STATUSES = ("queued", "running", "succeeded", "failed", "revoked", "timeout")
FINAL_STATUSES = ("succeeded", "failed", "revoked", "timeout")
# Written by the worker's main process or the revoke path: a later finish() must not undo them.
STICKY_STATUSES = ("revoked", "timeout")
COUNT_COLUMNS = (
    "pages",
    "items",
    "errors",
    "posts_new",
    "posts_edited",
    "posts_unchanged",
    "posts_deleted",
)


P = ParamSpec("P")
R = TypeVar("R")


def _retried(
    method: Callable[Concatenate[RunStore, P], R],
) -> Callable[Concatenate[RunStore, P], R]:
    """An idempotent run update that, on a pool, is tried again while the database is away
    (a restart; crawler.storage.retry). A single connection has no new one to offer."""

    @functools.wraps(method)
    def wrapper(self: RunStore, *args: P.args, **kwargs: P.kwargs) -> R:
        if not isinstance(self._db, ConnectionPool):
            return method(self, *args, **kwargs)
        return retry_transient(lambda: method(self, *args, **kwargs),
                               what=f"crawl run: {method.__name__}")

    return wrapper

Owner = tuple[str, int]  # the hostname and pid of the task process running a run
# An update made for an owner applies only while the run is still that owner's.
OWNED = sql.SQL(" AND (%(owner_host)s::text IS NULL"
                " OR (hostname = %(owner_host)s AND pid = %(owner_pid)s))")


def _owner(owner: Owner | None) -> dict[str, Any]:
    return {"owner_host": owner[0] if owner else None, "owner_pid": owner[1] if owner else None}


class RunStore:
    """Create, advance and read crawl run records; every call is its own short transaction."""

    def __init__(self, conn_or_pool: ConnOrPool) -> None:
        self._db = conn_or_pool

    def create(self, source: str, region: str | None, task_id: str | None = None) -> int:
        """A new 'queued' run; with a task_id already known, that run's id (idempotent)."""
        with transaction(self._db) as conn:
            row = conn.execute(
                "INSERT INTO crawl_runs (source, region, task_id) VALUES (%s, %s, %s)"
                " ON CONFLICT (task_id) DO UPDATE SET task_id = EXCLUDED.task_id"
                " RETURNING id",
                (source, region, task_id),
            ).fetchone()
        assert row is not None
        return int(row[0])

    @_retried
    def set_deep(self, run_id: int, deep: bool) -> None:
        """Record whether the run fetches every page of every thread."""
        with transaction(self._db) as conn:
            conn.execute("UPDATE crawl_runs SET deep = %s WHERE id = %s", (deep, run_id))

    def set_terms_override(self, run_id: int, override: dict[str, Any]) -> None:
        """Record the operator's override of the source's terms note (migration 0007)."""
        with transaction(self._db) as conn:
            conn.execute("UPDATE crawl_runs SET terms_override = %s WHERE id = %s",
                         (Jsonb(override), run_id))

    @_retried
    def last_deep(self, source: str) -> datetime | None:
        """When the source's last successful deep run finished, or None."""
        with transaction(self._db) as conn:
            row = conn.execute(
                "SELECT max(finished_at) FROM crawl_runs"
                " WHERE source = %s AND deep AND status = 'succeeded'", (source,)).fetchone()
        return row[0] if row else None

    @_retried
    def start(
        self, run_id: int, task_id: str | None, hostname: str | None, pid: int | None
    ) -> None:
        """Mark a queued run running (a run already revoked or finished keeps its status)."""
        with transaction(self._db) as conn:
            conn.execute(
                "UPDATE crawl_runs SET"
                " status = CASE WHEN status = 'queued' THEN 'running' ELSE status END,"
                " task_id = COALESCE(%s, task_id), hostname = %s, pid = %s,"
                " started_at = COALESCE(started_at, now())"
                " WHERE id = %s",
                (task_id, hostname, pid, run_id),
            )

    @_retried
    def progress(self, run_id: int, pages: int, items: int, errors: int,
                 owner: Owner | None = None) -> None:
        """Record the running totals so far (with ``owner``: only while the run is its)."""
        with transaction(self._db) as conn:
            conn.execute(
                sql.SQL("UPDATE crawl_runs SET pages = %(pages)s, items = %(items)s,"
                        " errors = %(errors)s WHERE id = %(id)s{}").format(OWNED),
                {"pages": pages, "items": items, "errors": errors, "id": run_id,
                 **_owner(owner)},
            )

    @_retried
    def note(self, run_id: int, reason: str, counts: dict[str, int] | None = None,
             owner: Owner | None = None) -> None:
        """Set a queued or running run's reason (and counts), e.g. when its shards are
        planned; a finished run keeps its own (with ``owner``: only while the run is its)."""
        counts = {k: v for k, v in (counts or {}).items() if k in COUNT_COLUMNS}
        sets = sql.SQL("").join(
            sql.SQL(", {} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in counts)
        with transaction(self._db) as conn:
            conn.execute(
                sql.SQL("UPDATE crawl_runs SET reason = %(reason)s{} WHERE id = %(id)s"
                        " AND status IN ('queued', 'running'){}").format(sets, OWNED),
                {"reason": reason, "id": run_id, **counts, **_owner(owner)},
            )

    @_retried
    def finish(
        self,
        run_id: int,
        status: str,
        *,
        reason: str | None = None,
        counts: dict[str, int] | None = None,
        error_reasons: list[dict[str, Any]] | None = None,
        stats: dict[str, Any] | None = None,
        owner: Owner | None = None,
    ) -> str:
        """Write the final status, counts and error reasons; return the status now stored.

        A run already marked 'revoked' or 'timeout' (by someone else) keeps that status and
        reason; its counts, error reasons and stats are still recorded. With ``owner`` (the
        hostname and pid given to :meth:`start`), a task that is no longer the run's - it
        froze, its message was delivered again and another worker started the run anew -
        records nothing, before or after the run's new owner.
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r} (one of {FINAL_STATUSES})")
        counts = counts or {}
        unknown = set(counts) - set(COUNT_COLUMNS)
        if unknown:
            raise ValueError(f"unknown count columns: {sorted(unknown)}")
        sets = [
            sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name))
            for name in counts
        ]
        query = sql.SQL(
            "UPDATE crawl_runs SET"
            " status = CASE WHEN status IN ('revoked', 'timeout') THEN status"
            " ELSE %(status)s END,"
            " reason = CASE WHEN status IN ('revoked', 'timeout') THEN reason"
            " ELSE %(reason)s END,"
            " finished_at = COALESCE(finished_at, now()),"
            " error_reasons = %(error_reasons)s, stats = COALESCE(%(stats)s, stats){counts}"
            " WHERE id = %(id)s{owned} RETURNING status"
        ).format(counts=sql.SQL("").join(sql.SQL(", ") + s for s in sets), owned=OWNED)
        params: dict[str, Any] = {
            "status": status,
            "reason": reason,
            "error_reasons": Jsonb(list(error_reasons or [])),
            "stats": Jsonb(stats) if stats is not None else None,
            "id": run_id,
            **_owner(owner),
            **counts,
        }
        with transaction(self._db) as conn:
            row = conn.execute(query, params).fetchone()
            if row is None and owner is not None:  # not ours any more: the status as it is
                row = conn.execute("SELECT status FROM crawl_runs WHERE id = %s",
                                   (run_id,)).fetchone()
        if row is None:
            raise LookupError(f"no crawl run {run_id}")
        return str(row[0])

    @_retried
    def finish_by_task_id(self, task_id: str, status: str, reason: str | None,
                          hostname: str | None = None) -> int:
        """Backstop for a dead worker child: finish the task's run if still queued or running.

        A redelivered task keeps its id: with ``hostname`` (the worker that gave up the
        task), a run that another worker has started since is left alone.
        Returns how many rows changed (0 when the run had already finished).
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r} (one of {FINAL_STATUSES})")
        with transaction(self._db) as conn:
            cur = conn.execute(
                "UPDATE crawl_runs SET status = %s, reason = %s,"
                " finished_at = COALESCE(finished_at, now())"
                " WHERE task_id = %s AND status IN ('queued', 'running')"
                " AND (%s::text IS NULL OR hostname IS NULL OR hostname = %s)",
                (status, reason, task_id, hostname, hostname),
            )
            return cur.rowcount

    @_retried
    def get(self, run_id: int) -> dict[str, Any] | None:
        """The run's row as a dict, or None."""
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute("SELECT * FROM crawl_runs WHERE id = %s", (run_id,)).fetchone()

    def recent(self, limit: int = 20, source: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first, optionally of one source."""
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                "SELECT * FROM crawl_runs WHERE %(source)s::text IS NULL OR source = %(source)s"
                " ORDER BY id DESC LIMIT %(limit)s",
                {"source": source, "limit": limit},
            ).fetchall()
