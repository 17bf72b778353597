"""The export audit (migration 0007): who read personal data out of pantau, what and when.

``pantau export`` and ``pantau report`` run inside :func:`audited`, which appends one row to
``export_audit`` when the command ends, whether it succeeded, failed or was interrupted
(Ctrl-C). The server sets ``db_user``; the row cannot be changed or deleted afterwards
(a trigger refuses it, also for the table's owner). A process killed outright (SIGKILL,
power loss) records nothing: the row is written at the end, with the figures.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

log = logging.getLogger(__name__)
COLUMNS = ("id", "command", "status", "error", "os_user", "hostname", "db_user", "region",
           "sources", "since", "until", "format", "output", "rows", "details", "started_at",
           "finished_at")
MAX_ERROR = 500


class AuditUnavailable(Exception):
    """The export audit cannot be written: the command must not read personal data."""


@dataclass
class AuditEntry:
    """What one command reads and writes; ``rows`` is filled in by the command."""

    command: str
    region: str | None = None
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    format: str | None = None
    output: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    rows: int | None = None


def require_audit(conn: psycopg.Connection[Any]) -> None:
    """Raise :class:`AuditUnavailable` unless this user may append to ``export_audit``."""
    row = conn.execute(
        "SELECT to_regclass('export_audit') IS NOT NULL AND"
        " has_table_privilege('export_audit', 'INSERT')").fetchone()
    conn.rollback()
    if not row or not row[0]:
        raise AuditUnavailable("the export audit (table export_audit, migration 0007) is "
                               "missing or this database user may not append to it")


@contextlib.contextmanager
def audited(conn: psycopg.Connection[Any], entry: AuditEntry) -> Iterator[AuditEntry]:
    """Run the body as one audited command; its row is appended when the body ends."""
    started = datetime.now(UTC)
    status, error = "succeeded", None
    try:
        yield entry
    except KeyboardInterrupt:
        status, error = "interrupted", "interrupted (Ctrl-C)"
        raise
    except BaseException as exc:
        status, error = "failed", _one_line(exc)
        raise
    finally:
        try:
            append(conn, entry, status, error, started, datetime.now(UTC))
        except psycopg.Error as err:
            if status == "succeeded":
                raise AuditUnavailable(f"the export audit row was not written: {err}") from err
            log.error("export audit row of a %s %s not written: %s", status, entry.command, err)


def append(conn: psycopg.Connection[Any], entry: AuditEntry, status: str, error: str | None,
           started: datetime, finished: datetime) -> None:
    """Append one row (a transaction of its own, after whatever the command left open)."""
    if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()  # the command only read: nothing of it is lost
    with conn.transaction():
        conn.execute(
            "INSERT INTO export_audit (command, status, error, os_user, hostname, region,"
            " sources, since, until, format, output, rows, details, started_at, finished_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (entry.command, status, error, _os_user(), socket.gethostname(), entry.region,
             list(entry.sources), entry.since, entry.until, entry.format, entry.output,
             entry.rows, Jsonb(entry.details), started, finished))


def recent(conn: psycopg.Connection[Any], limit: int = 50) -> list[dict[str, Any]]:
    """The latest ``limit`` audit rows, newest first, times in UTC."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SET LOCAL TimeZone = 'UTC'")
        return cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM export_audit"  # noqa: S608 - constant columns
            " ORDER BY started_at DESC, id DESC LIMIT %s", [limit]).fetchall()


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:MAX_ERROR]
