"""Migration 0007, the export audit: every `pantau export` and `pantau report` appends one
row (who, what, when, how many rows), a failed export too; analysts may append but not
read, change or delete rows; nobody may change or delete them."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.rows import dict_row

from tests.reportdata import END, START, seed_database
from tests.test_export import region_window

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeded(database: str) -> tuple[str, list[dict[str, Any]]]:
    return database, seed_database(database)


@pytest.fixture(scope="module")
def analyst(pg_admin_url: str, seeded: tuple[str, Any]) -> Iterator[str]:
    """A login in pantau_analyst (not an office: unfiltered), as its database URL."""
    role = f"t_audit_analyst_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE pantau_analyst").format(
            sql.Identifier(role)))
    parts = urlsplit(seeded[0])
    yield parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}").geturl()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def pantau(*args: str, database: str, stdout: IO[bytes] | None = None, lang: str = "en"
           ) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    return subprocess.run([sys.executable, "-m", "crawler", *args], stdout=stdout or
                          subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False,
                          env={**base, "PANTAU_DATABASE_URL": database, "PANTAU_LANG": lang})


def audit_rows(database: str, since: datetime) -> list[dict[str, Any]]:
    with psycopg.connect(database, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM export_audit WHERE started_at >= %s ORDER BY id",
                            [since]).fetchall()


def test_an_export_appends_one_row_with_its_figures(
        seeded: tuple[str, Any], tmp_path: Path) -> None:
    database, _ = seeded
    out = tmp_path / "kalteng.jsonl"
    before = datetime.now(UTC)
    done = pantau("export", "--region", "62", "--since", "2019-04-03", "--until", "2019-05-01",
                  "--format", "jsonl", "-o", str(out), database=database)
    after = datetime.now(UTC)
    assert done.returncode == 0, done.stderr
    written = out.read_text(encoding="utf-8").splitlines()
    assert len(written) == len(region_window(database)) > 0
    [row] = audit_rows(database, before)
    assert row["command"] == "export"
    assert row["status"] == "succeeded"
    assert row["error"] is None
    assert (row["os_user"], row["db_user"]) == (getpass.getuser(), "postgres")
    assert (row["region"], row["sources"], row["format"]) == ("62", [], "jsonl")
    assert (row["since"], row["until"]) == (START, END)  # local days in WIB, stored in UTC
    assert row["rows"] == len(written)
    assert row["output"] == str(out.resolve())
    assert row["details"] == {"flagged": False, "timezone": "Asia/Jakarta", "excel": False}
    assert before <= row["started_at"] <= row["finished_at"] <= after


def test_a_failed_export_is_recorded_as_failed(seeded: tuple[str, Any]) -> None:
    """stdout on /dev/full: every write fails with ENOSPC once the rows are read."""
    database, _ = seeded
    before = datetime.now(UTC)
    with open("/dev/full", "wb") as full:
        done = pantau("export", "--source", "forum-kalsel", "--format", "csv",
                      database=database, stdout=full)
    assert done.returncode != 0
    assert b"No space left on device" in done.stderr
    assert b"Traceback" not in done.stderr
    [row] = audit_rows(database, before)
    assert (row["command"], row["status"], row["output"]) == ("export", "failed", "stdout")
    assert "No space left on device" in row["error"]
    assert row["sources"] == ["forum-kalsel"]
    assert row["rows"] == 0  # rows written before the failure: the first batch failed


def test_a_report_appends_one_row(seeded: tuple[str, Any], tmp_path: Path) -> None:
    database, _ = seeded
    out = tmp_path / "report.json"
    before = datetime.now(UTC)
    done = pantau("report", "--region", "62", "--event", "2019-04-17", "--format", "json",
                  "-o", str(out), database=database)
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    posts = figures["comparison"]["posts"]
    [row] = audit_rows(database, before)
    assert (row["command"], row["status"], row["format"]) == ("report", "succeeded", "json")
    assert (row["since"], row["until"]) == (START, END)
    assert row["rows"] == posts["before"] + posts["after"] > 0
    assert row["details"] == {"event": "2019-04-17", "before": "14d", "after": "14d"}


def test_analysts_append_as_themselves_and_cannot_read_change_or_delete(
        seeded: tuple[str, Any], analyst: str, tmp_path: Path) -> None:
    database, _ = seeded
    before = datetime.now(UTC)
    done = pantau("export", "--source", "news-kalteng", "-o", str(tmp_path / "n.csv"),
                  database=analyst)
    assert done.returncode == 0, done.stderr
    [row] = audit_rows(database, before)
    assert row["db_user"] == urlsplit(analyst).username
    with psycopg.connect(analyst) as conn:
        conn.execute("INSERT INTO export_audit (command, status, db_user, started_at,"
                     " finished_at) VALUES ('export', 'succeeded', 'someone_else', now(),"
                     " now())")  # a forged db_user is replaced by the server's
        conn.commit()
        for statement in ("SELECT * FROM export_audit", "UPDATE export_audit SET rows = 0",
                          "DELETE FROM export_audit"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
    rows = audit_rows(database, before)
    assert [r["db_user"] for r in rows] == [urlsplit(analyst).username] * 2
    with psycopg.connect(database) as conn:  # the owner (here a superuser) cannot either
        for statement in ("UPDATE export_audit SET rows = 0", "DELETE FROM export_audit",
                          "TRUNCATE export_audit"):
            with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
            conn.rollback()
    assert audit_rows(database, before) == rows


def test_access_audit_lists_rows_for_the_owner_only(
        seeded: tuple[str, Any], analyst: str) -> None:
    database, _ = seeded
    listed = pantau("access", "audit", "--json", "--limit", "500", database=database)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    with psycopg.connect(database) as conn:
        count = conn.execute("SELECT count(*) FROM export_audit").fetchone()
    assert count is not None
    assert len(rows) == count[0] > 0
    assert {"command", "status", "os_user", "db_user", "rows", "since", "until",
            "output", "started_at", "finished_at"} <= set(rows[0])
    assert rows == sorted(rows, key=lambda r: (r["started_at"], r["id"]), reverse=True)
    assert all(r["started_at"].endswith("+00:00") for r in rows)
    refused = pantau("access", "audit", database=analyst)
    assert refused.returncode == 2
    assert b"may not read the export audit" in refused.stderr


def test_without_the_audit_table_exports_and_access_refuse_in_one_line(
        make_database: Callable[[], str]) -> None:
    """A database at migration 0006 has the analysts' views but no export audit: an export
    refuses to start (it must not read personal data unaudited), in the user's language."""
    from crawler.storage.migrate import upgrade

    old = make_database()
    upgrade(old, "0006")
    for lang, lines in (
            ("en", ["error: the export audit (table export_audit, migration 0007) is missing "
                    "or this database user may not append to it",
                    "hint: run `pantau db migrate`; a login of its own needs INSERT on "
                    "export_audit (docs/analysts.md)"]),
            ("id", ["galat: audit ekspor (tabel export_audit, migrasi 0007) tidak ada atau "
                    "pengguna database ini tidak boleh menambah barisnya",
                    "saran: jalankan `pantau db migrate`; login tersendiri perlu hak INSERT "
                    "pada export_audit (docs/analysts.md)"])):
        refused = pantau("export", "--format", "jsonl", database=old, lang=lang)
        assert (refused.returncode, refused.stdout) == (2, b"")
        assert refused.stderr.decode().splitlines() == lines
    listed = pantau("access", "list", database=old)
    assert listed.returncode == 2
    assert listed.stderr.decode().splitlines() == [
        "error: the database has no access tables yet (migration 0007)",
        "hint: run `pantau db migrate`"]
