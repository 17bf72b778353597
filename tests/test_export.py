"""`pantau export`: CSV (BOM, Excel mode), JSON lines and Parquet round-trip the stored posts;
filters select what SQL selects; a failed export leaves no file and no old file damaged."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from crawler.export.columns import COLUMNS, NAMES, stream_rows
from crawler.export.run import export_posts
from crawler.export.writers import ParquetWriter
from crawler.storage.selection import PostFilter
from tests.reportdata import END, SOURCES, START, TRICKY, in_window, seed_database

WIB = ZoneInfo("Asia/Jakarta")
REGION_ARGS = ("--region", "62", "--since", "2019-04-03", "--until", "2019-05-01")


@pytest.fixture(scope="module")
def seeded(database: str) -> tuple[str, list[dict[str, Any]]]:
    return database, seed_database(database)


def pantau(*args: str, database: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    return subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True,
                          env={**base, "PANTAU_DATABASE_URL": database, **env},
                          timeout=120, check=False)


def stored(database: str, where: str = "TRUE", *params: Any) -> list[dict[str, Any]]:
    """The posts as the database holds them, in export order (time, then uid)."""
    with psycopg.connect(database) as conn:
        cur = conn.execute(
            f"SELECT {', '.join(NAMES)} FROM posts WHERE {where}"
            " ORDER BY coalesce(published_at, first_seen_at), uid", params)
        return [dict(zip(NAMES, row, strict=True)) for row in cur.fetchall()]


def region_window(database: str) -> list[dict[str, Any]]:
    return stored(database, "('62' = ANY(region_codes) OR source = ANY(%s)) AND "
                  "coalesce(published_at, first_seen_at) >= %s AND "
                  "coalesce(published_at, first_seen_at) < %s",
                  [n for n, s in SOURCES.items() if s[0].startswith("62")], START, END)


def as_text(value: Any, kind: str) -> str:
    """How a stored value reads back from the CSV."""
    if value is None:
        return ""
    if kind == "time":
        return str(value.astimezone(WIB).isoformat())
    if kind in ("list", "json"):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def test_csv_with_bom_round_trips(seeded: tuple[str, list[dict[str, Any]]],
                                  tmp_path: Path) -> None:
    database, posts = seeded
    out = tmp_path / "posts.csv"
    result = pantau("export", *REGION_ARGS, "--format", "csv", "--bom", "-o", str(out),
                    "--lang", "en", database=database)
    assert result.returncode == 0, result.stderr
    expected = region_window(database)
    assert len(expected) == sum(in_window(p) for p in posts)
    assert result.stderr.decode().strip().startswith(f"{len(expected)} posts exported to {out}")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with out.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    assert read[0] == list(NAMES)
    assert len(read) == len(expected) + 1
    for row, want in zip(read[1:], expected, strict=True):
        assert row == [as_text(want[name], kind) for name, kind in COLUMNS]
    bodies = {row[NAMES.index("body_text")] for row in read[1:]}
    assert {text for text, _ in TRICKY} <= bodies  # newlines, CR LF, quotes, emoji intact


def test_csv_for_excel(seeded: tuple[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    database, _ = seeded
    out = tmp_path / "excel.csv"
    result = pantau("export", *REGION_ARGS, "--excel", "--delimiter", ";", "-o", str(out),
                    database=database)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle, delimiter=";"))
    header = read[0]
    assert header[NAMES.index("published_at")] == "published_at (WIB)"
    body = header.index("body_text")
    cells = {row[body] for row in read[1:]}
    assert "'" + TRICKY[0][0] in cells  # =HYPERLINK(...) would run as a formula
    assert "'" + TRICKY[1][0] in cells and "'" + TRICKY[3][0] in cells  # "-..." and "+62..."
    expected = region_window(database)
    first = expected[0]["first_seen_at"].astimezone(WIB)
    assert read[1][header.index("first_seen_at (WIB)")] == first.strftime("%Y-%m-%d %H:%M:%S")


def test_jsonl_round_trips_and_streams_to_stdout(
        seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, _ = seeded
    result = pantau("export", *REGION_ARGS, "--format", "jsonl", database=database)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    expected = region_window(database)
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected, strict=True):
        record = json.loads(line)
        assert list(record) == list(NAMES)
        for name, kind in COLUMNS:
            value = want[name]
            if kind == "time" and value is not None:
                assert datetime.fromisoformat(record[name]) == value
                assert record[name].endswith("+07:00")
            else:
                assert record[name] == value
    assert "unggahan diekspor ke stdout" in result.stderr.decode()


def test_parquet_round_trips_in_row_groups(seeded: tuple[str, list[dict[str, Any]]],
                                           tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    database, _ = seeded
    out = tmp_path / "posts.parquet"
    result = pantau("export", "--region", "62", "--format", "parquet", "-o", str(out),
                    database=database)
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    expected = stored(database, "'62' = ANY(region_codes) OR source = ANY(%s)",
                      [n for n, s in SOURCES.items() if s[0].startswith("62")])
    assert table.column_names == list(NAMES)
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=Asia/Jakarta]"
    for record, want in zip(table.to_pylist(), expected, strict=True):
        metrics = json.dumps(want["metrics"], separators=(", ", ": "))
        assert record == {**want, "metrics": metrics}
    # small row groups: the writer never holds more than one group
    small = tmp_path / "small.parquet"
    with psycopg.connect(database) as conn:
        writer = ParquetWriter(str(small), "Asia/Jakarta", row_group_rows=40)
        for batch in stream_rows(conn, PostFilter(region="62"), batch=25):
            writer.write(batch)
            assert len(writer.pending) < 40
        writer.close()
    meta = pq.ParquetFile(small).metadata
    assert meta.num_rows == len(expected)
    assert meta.num_row_groups == -(-len(expected) // 40)


def test_filters_select_what_sql_selects(seeded: tuple[str, list[dict[str, Any]]]) -> None:
    database, _ = seeded
    result = pantau("export", "--source", "forum-kalsel", "--source", "news-kalteng",
                    "--flagged", "--since", "2019-04-10 12:00+08:00", "--until", "30d",
                    "--format", "jsonl", database=database)
    assert result.returncode == 0, result.stderr
    uids = [json.loads(line)["uid"] for line in result.stdout.decode().splitlines()]
    expected = stored(database, "source IN ('forum-kalsel', 'news-kalteng') AND "
                      "watchlist_flags <> '{}' AND coalesce(published_at, first_seen_at) >= "
                      "'2019-04-10 04:00+00'")
    assert uids == [p["uid"] for p in expected] and uids


def test_failed_export_keeps_the_old_file_and_leaves_nothing(
        seeded: tuple[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    database, _ = seeded
    out = tmp_path / "keep.csv"
    out.write_text("old export\n")

    def fail(_rows: int) -> None:
        raise RuntimeError("disk gone")

    with psycopg.connect(database) as conn, pytest.raises(RuntimeError, match="disk gone"):
        export_posts(conn, PostFilter(region="62"), "csv", out, "Asia/Jakarta",
                     on_batch=fail)
    assert out.read_text() == "old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]
    # without --force the old file is not touched either
    result = pantau("export", "--region", "62", "-o", str(out), "--lang", "en",
                    database=database)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"error: {out} already exists", "hint: choose another name, or --force to overwrite it"]
    assert out.read_text() == "old export\n"


def test_csv_writer_quotes_like_rfc_4180() -> None:
    from crawler.export.writers import CsvWriter

    stream = io.BytesIO()
    writer = CsvWriter(stream, "Asia/Jakarta")
    row = tuple(None for _ in COLUMNS)
    body = NAMES.index("body_text")
    writer.write([(*row[:body], 'a,b "c"\nd', *row[body + 1:])])
    writer.close()
    data = stream.getvalue().decode("utf-8")
    assert data.endswith(',"a,b ""c""\nd",,,,,,,,,,\r\n')
