"""The ``alerts_sent`` table: every alert delivery (or failed attempt), and the rate limit."""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from crawler.storage._conn import ConnOrPool, transaction

ALERT_STATUSES = ("sent", "failed", "logged")
# Deliveries that count for the rate limit: a failed one is tried again at the next check.
DELIVERED = ("sent", "logged")


class AlertLog:
    """Record alert deliveries and answer "was this alert delivered recently?"."""

    def __init__(self, conn_or_pool: ConnOrPool) -> None:
        self._db = conn_or_pool

    def recently_delivered(self, rule: str, subject: str, window_seconds: float) -> bool:
        """True when (rule, subject) was sent or logged within the last ``window_seconds``."""
        if window_seconds <= 0:
            return False
        with transaction(self._db) as conn:
            row = conn.execute(
                "SELECT 1 FROM alerts_sent WHERE rule = %s AND subject = %s"
                " AND status = ANY(%s) AND created_at > now() - make_interval(secs => %s)"
                " LIMIT 1", (rule, subject, list(DELIVERED), window_seconds)).fetchone()
        return row is not None

    def record(self, *, rule: str, subject: str, region: str | None, status: str,
               message: str, details: dict[str, Any], target: str | None, attempts: int,
               error: str | None) -> int:
        """Store one delivery; returns its id."""
        if status not in ALERT_STATUSES:
            raise ValueError(f"not an alert status: {status!r} (one of {ALERT_STATUSES})")
        with transaction(self._db) as conn:
            row = conn.execute(
                "INSERT INTO alerts_sent (rule, subject, region, status, message, details,"
                " target, attempts, error) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                (rule, subject, region, status, message, Jsonb(details), target, attempts,
                 error)).fetchone()
        assert row is not None
        return int(row[0])

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest deliveries first."""
        with transaction(self._db) as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute("SELECT * FROM alerts_sent ORDER BY id DESC LIMIT %s",
                               (limit,)).fetchall()
