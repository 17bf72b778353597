"""Durable crawl history: one ``crawl_runs`` row per crawl task, from queued to a final status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from crawler.storage._conn import ConnOrPool, transaction

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

    def set_deep(self, run_id: int, deep: bool) -> None:
        """Record whether the run fetches every page of every thread."""
        with transaction(self._db) as conn:
            conn.execute("UPDATE crawl_runs SET deep = %s WHERE id = %s", (deep, run_id))

    def last_deep(self, source: str) -> datetime | None:
        """When the source's last successful deep run finished, or None."""
        with transaction(self._db) as conn:
            row = conn.execute(
                "SELECT max(finished_at) FROM crawl_runs"
                " WHERE source = %s AND deep AND status = 'succeeded'", (source,)).fetchone()
        return row[0] if row else None

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

    def progress(self, run_id: int, pages: int, items: int, errors: int) -> None:
        """Record the running totals so far."""
        with transaction(self._db) as conn:
            conn.execute(
                "UPDATE crawl_runs SET pages = %s, items = %s, errors = %s WHERE id = %s",
                (pages, items, errors, run_id),
            )

    def note(self, run_id: int, reason: str, counts: dict[str, int] | None = None) -> None:
        """Set a running run's reason (and counts), e.g. when its shards are planned."""
        counts = {k: v for k, v in (counts or {}).items() if k in COUNT_COLUMNS}
        sets = sql.SQL("").join(
            sql.SQL(", {} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in counts)
        with transaction(self._db) as conn:
            conn.execute(
                sql.SQL("UPDATE crawl_runs SET reason = %(reason)s{} WHERE id = %(id)s")
                .format(sets),
                {"reason": reason, "id": run_id, **counts},
            )

    def finish(
        self,
        run_id: int,
        status: str,
        *,
        reason: str | None = None,
        counts: dict[str, int] | None = None,
        error_reasons: list[dict[str, Any]] | None = None,
        stats: dict[str, Any] | None = None,
    ) -> str:
        """Write the final status, counts and error reasons; return the status now stored.

        A run already marked 'revoked' or 'timeout' (by someone else) keeps that status and
        reason; its counts, error reasons and stats are still recorded.
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
            " WHERE id = %(id)s RETURNING status"
        ).format(counts=sql.SQL("").join(sql.SQL(", ") + s for s in sets))
        params: dict[str, Any] = {
            "status": status,
            "reason": reason,
            "error_reasons": Jsonb(list(error_reasons or [])),
            "stats": Jsonb(stats) if stats is not None else None,
            "id": run_id,
            **counts,
        }
        with transaction(self._db) as conn:
            row = conn.execute(query, params).fetchone()
        if row is None:
            raise LookupError(f"no crawl run {run_id}")
        return str(row[0])

    def finish_by_task_id(self, task_id: str, status: str, reason: str | None) -> int:
        """Backstop for a dead worker child: finish the task's run if still queued or running.

        Returns how many rows changed (0 when the run had already finished).
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r} (one of {FINAL_STATUSES})")
        with transaction(self._db) as conn:
            cur = conn.execute(
                "UPDATE crawl_runs SET status = %s, reason = %s,"
                " finished_at = COALESCE(finished_at, now())"
                " WHERE task_id = %s AND status IN ('queued', 'running')",
                (status, reason, task_id),
            )
            return cur.rowcount

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
