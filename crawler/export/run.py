"""One export: read the selected posts in batches and hand them to a streaming writer.

A file is written under a temporary name next to the target and renamed when complete, so
an interrupted or failed export never leaves a truncated file under the name asked for,
and an existing file stays as it was. Without a path, CSV or JSON lines go to stdout.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import psycopg

from crawler.export.columns import stream_rows
from crawler.export.files import atomic_path
from crawler.export.writers import CsvWriter, JsonlWriter, ParquetWriter, RowWriter
from crawler.storage.selection import PostFilter

Format = Literal["csv", "jsonl", "parquet"]


@dataclass(frozen=True)
class CsvOptions:
    """CSV only: byte order mark, Excel mode, field delimiter."""

    bom: bool = False
    excel: bool = False
    delimiter: str = ","


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)


def export_posts(conn: psycopg.Connection[Any], selection: PostFilter, fmt: Format,
                 output: Path | None, zone: str, zone_label: str = "",
                 csv_options: CsvOptions | None = None,
                 on_batch: Callable[[int], None] | None = None) -> ExportResult:
    """Write the posts of ``selection`` to ``output`` (None: stdout) in format ``fmt``."""
    started = time.perf_counter()
    rows = 0
    with _target(output, fmt) as (stream, path):
        writer = _writer(fmt, stream, path, zone, zone_label, csv_options or CsvOptions())
        for batch in stream_rows(conn, selection):
            writer.write(batch)
            rows += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
        writer.close()
    return ExportResult(rows, time.perf_counter() - started)


def _writer(fmt: Format, stream: IO[bytes] | None, path: str | None, zone: str,
            zone_label: str, options: CsvOptions) -> RowWriter:
    if fmt == "parquet":
        assert path is not None
        return ParquetWriter(path, zone)
    assert stream is not None
    if fmt == "csv":
        return CsvWriter(stream, zone, bom=options.bom, excel=options.excel,
                         delimiter=options.delimiter, zone_label=zone_label)
    return JsonlWriter(stream, zone)


@contextlib.contextmanager
def _target(output: Path | None, fmt: Format
            ) -> Iterator[tuple[IO[bytes] | None, str | None]]:
    """``(binary stream or None, path or None)`` to write to: stdout, or a temporary file
    that becomes ``output`` only when the body finished without an exception."""
    if output is None:
        yield sys.stdout.buffer, None
        sys.stdout.buffer.flush()
        return
    with atomic_path(output) as temp:
        if fmt == "parquet":
            yield None, temp
        else:
            with open(temp, "wb", buffering=1 << 20) as stream:
                yield stream, temp
