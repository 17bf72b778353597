"""Shards of a crawl run: planned once, crawled by any worker, aggregated into the run.

A sharded run has a discovery step that lists a source's threads and plans them into
numbered batches (``crawl_shards`` rows). Each shard is crawled by its own task on whichever
worker takes it; a shard task delivered twice (a worker died) crawls its batch again, which
the idempotent writer makes harmless. When the last shard reaches a final status, the run
gets the sum of its shards' counts and its own final status - once, under a row lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from crawler.storage._conn import ConnOrPool, transaction
from crawler.storage.runs import COUNT_COLUMNS, FINAL_STATUSES

MAX_REASONS = 50
ASSIGN_COUNTS = sql.SQL(", ").join(
    sql.SQL("{} = {}").format(sql.Identifier(n), sql.Placeholder(n)) for n in COUNT_COLUMNS)
SUM_COUNTS = sql.SQL(", ").join(
    sql.SQL("sum({0})::int AS {0}").format(sql.Identifier(n)) for n in COUNT_COLUMNS)


class ShardStore:
    """Plan, start, finish and read the shards of crawl runs."""

    def __init__(self, conn_or_pool: ConnOrPool) -> None:
        self._db = conn_or_pool

    def plan(self, run_id: int, batches: Sequence[Sequence[str]],
             signatures: Mapping[str, str] | None = None) -> int:
        """Store the run's shards (idempotent: a second plan of the same run changes nothing).

        ``signatures`` maps thread URLs to what the thread list showed of their activity;
        each shard keeps those of its threads. Returns the number of shards the run has.
        """
        signatures = signatures or {}
        with transaction(self._db) as conn:
            conn.execute("SELECT 1 FROM crawl_runs WHERE id = %s FOR UPDATE", (run_id,))
            existing = conn.execute(
                "SELECT count(*) FROM crawl_shards WHERE run_id = %s", (run_id,)).fetchone()
            if existing and existing[0]:
                return int(existing[0])
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO crawl_shards (run_id, shard_no, urls, signatures) "
                    "VALUES (%s, %s, %s, %s)",
                    [(run_id, no, list(urls),
                      Jsonb({u: signatures[u] for u in urls if u in signatures}))
                     for no, urls in enumerate(batches)],
                )
            conn.execute("UPDATE crawl_runs SET shards = %s WHERE id = %s",
                         (len(batches), run_id))
        return len(batches)

    def get(self, run_id: int, shard_no: int) -> dict[str, Any] | None:
        """One shard as a dict, or None."""
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT * FROM crawl_shards WHERE run_id = %s AND shard_no = %s",
                        (run_id, shard_no))
            return cur.fetchone()

    def of_run(self, run_id: int) -> list[dict[str, Any]]:
        """Every shard of a run, in order."""
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT * FROM crawl_shards WHERE run_id = %s ORDER BY shard_no",
                        (run_id,))
            return cur.fetchall()

    def start(self, run_id: int, shard_no: int, task_id: str, hostname: str) -> int:
        """Mark a shard running (again, after a redelivery); returns its attempt number."""
        with transaction(self._db) as conn:
            row = conn.execute(
                "UPDATE crawl_shards SET status = 'running', task_id = %s, hostname = %s,"
                " attempts = attempts + 1, started_at = now(), finished_at = NULL"
                " WHERE run_id = %s AND shard_no = %s RETURNING attempts",
                (task_id, hostname, run_id, shard_no),
            ).fetchone()
        if row is None:
            raise LookupError(f"no shard {shard_no} of run {run_id}")
        return int(row[0])

    def progress(self, run_id: int, shard_no: int, pages: int, items: int, errors: int,
                 attempt: int | None = None) -> None:
        """Record a running shard's totals so far (only while ``attempt`` is its latest)."""
        with transaction(self._db) as conn:
            conn.execute(
                "UPDATE crawl_shards SET pages = %s, items = %s, errors = %s"
                " WHERE run_id = %s AND shard_no = %s"
                " AND (%s::int IS NULL OR attempts = %s)",
                (pages, items, errors, run_id, shard_no, attempt, attempt),
            )

    def interrupt(self, run_id: int, shard_no: int, reason: str, attempt: int) -> bool:
        """A running shard's attempt was stopped from outside before it finished: the shard
        is queued again, with the reason, for the attempt its redelivered task makes."""
        with transaction(self._db) as conn:
            return bool(conn.execute(
                "UPDATE crawl_shards SET status = 'queued', reason = %s"
                " WHERE run_id = %s AND shard_no = %s AND attempts = %s"
                " AND status = 'running'", (reason, run_id, shard_no, attempt)).rowcount)

    def finish_by_task_id(self, task_id: str, status: str, reason: str,
                          hostname: str | None = None) -> bool:
        """Backstop for a killed shard task: finish its shard if it is still running.

        A redelivered task keeps its id: with ``hostname`` (the worker that gave up the
        task), a shard that another worker has taken over since is left alone.
        """
        with transaction(self._db) as conn:
            row = conn.execute(
                "SELECT run_id, shard_no, attempts FROM crawl_shards"
                " WHERE task_id = %s AND status = 'running'"
                " AND (%s::text IS NULL OR hostname = %s)",
                (task_id, hostname, hostname)).fetchone()
        if row is None:
            return False
        return self.finish(row[0], row[1], status, reason=reason, counts={}, error_reasons=[],
                           attempt=row[2])

    def finish(self, run_id: int, shard_no: int, status: str, *, reason: str | None,
               counts: dict[str, int], error_reasons: list[dict[str, Any]],
               attempt: int | None = None) -> bool:
        """Record a shard's end; when it was the run's last open shard, finish the run.

        With ``attempt`` (what :meth:`start` returned), only the shard's latest attempt
        records its end: a stale one (its worker froze, the shard was delivered again and
        another worker took it over) changes nothing, whether it ends before or after
        the attempt that replaced it. Returns True when this call finished the run.
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r}")
        values = {name: int(counts.get(name, 0)) for name in COUNT_COLUMNS}
        with transaction(self._db) as conn:
            conn.execute("SELECT 1 FROM crawl_runs WHERE id = %s FOR UPDATE", (run_id,))
            updated = conn.execute(
                sql.SQL("UPDATE crawl_shards SET status = %(status)s, reason = %(reason)s,"
                        " finished_at = now(), error_reasons = %(reasons)s, {}"
                        " WHERE run_id = %(run_id)s AND shard_no = %(shard_no)s"
                        " AND (%(attempt)s::int IS NULL OR attempts = %(attempt)s)"
                        ).format(ASSIGN_COUNTS),
                {**values, "status": status, "reason": reason, "run_id": run_id,
                 "shard_no": shard_no, "reasons": Jsonb(error_reasons[:MAX_REASONS]),
                 "attempt": attempt},
            ).rowcount
            if not updated:
                return False  # a stale attempt (or no such shard): nothing to record
            return _finish_run_if_complete(conn, run_id)


def _finish_run_if_complete(conn: Any, run_id: int) -> bool:
    """Aggregate the shards into the run once none is open (caller holds the run's lock)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            sql.SQL("SELECT count(*) FILTER (WHERE status IN ('queued', 'running')) AS open,"
                    " array_agg(shard_no ORDER BY shard_no) FILTER"
                    " (WHERE status <> 'succeeded') AS bad, {} FROM crawl_shards"
                    " WHERE run_id = %s").format(SUM_COUNTS),
            (run_id,),
        )
        total = cur.fetchone()
        cur.execute(
            "SELECT coalesce(jsonb_agg(r), '[]') AS reasons FROM (SELECT r FROM crawl_shards,"
            " jsonb_array_elements(error_reasons) AS r WHERE run_id = %s LIMIT %s) AS x",
            (run_id, MAX_REASONS),
        )
        reasons = cur.fetchone()
        cur.execute("SELECT status FROM crawl_runs WHERE id = %s", (run_id,))
        run = cur.fetchone()
    if total is None or run is None or total["open"] or run["status"] in FINAL_STATUSES:
        return False
    bad = total["bad"] or []
    status = "failed" if bad else "succeeded"
    reason = (f"{len(bad)} shard(s) did not succeed: {', '.join(map(str, bad[:20]))}"
              if bad else None)
    conn.execute(
        sql.SQL("UPDATE crawl_runs SET status = %(status)s, reason = %(reason)s,"
                " finished_at = now(), error_reasons = %(reasons)s, {}"
                " WHERE id = %(id)s").format(ASSIGN_COUNTS),
        {**{name: total[name] or 0 for name in COUNT_COLUMNS}, "status": status,
         "reason": reason, "reasons": Jsonb(reasons["reasons"] if reasons else []),
         "id": run_id},
    )
    return True
