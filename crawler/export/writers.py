"""Streaming writers of exported rows: CSV, JSON lines, Parquet.

Each writer takes batches of rows (tuples in ``columns.NAMES`` order) and keeps nothing
but the current batch. Times are written in the region's zone with their offset
(``2019-04-17T10:05:00+07:00``; Parquet: timestamps with the zone); lists and metrics are
JSON in CSV, arrays and objects in JSON lines, lists and JSON text in Parquet.

CSV follows RFC 4180 (``\\r\\n`` between rows, fields with a comma, quote or line break
quoted, line breaks inside a field kept); ``bom`` puts a UTF-8 byte order mark first so
Excel reads UTF-8. ``excel`` also writes times as ``2019-04-17 10:05:00`` (local, which Excel
reads as a date; the header names the zone) and protects text that Excel would run as a
formula (first character ``= + - @``, tab or CR) with a leading apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from crawler.export.columns import COLUMNS, NAMES

ROW_GROUP_ROWS = 25_000  # Parquet row group size (rows buffered before one is written)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TIMES = [i for i, (_, kind) in enumerate(COLUMNS) if kind == "time"]
_LISTS = [i for i, (_, kind) in enumerate(COLUMNS) if kind == "list"]
_TEXTS = [i for i, (_, kind) in enumerate(COLUMNS) if kind in ("text", "json")]
_JSON = [i for i, (_, kind) in enumerate(COLUMNS) if kind == "json"]
# One encoder for every value: json.dumps(..., ensure_ascii=False) builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class RowWriter(Protocol):
    """What the export loop needs of a writer."""

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write one batch of rows."""

    def close(self) -> None:
        """Flush what is buffered and finish the file (not the stream itself)."""


class CsvWriter:
    """CSV to a binary stream (UTF-8)."""

    def __init__(self, stream: IO[bytes], zone: str, *, bom: bool = False,
                 excel: bool = False, delimiter: str = ",", zone_label: str = "") -> None:
        import io

        self.text = io.TextIOWrapper(stream, encoding="utf-8", newline="",
                                     write_through=False)
        if bom or excel:
            self.text.write("\ufeff")
        self.writer = csv.writer(self.text, delimiter=delimiter, lineterminator="\r\n",
                                 quoting=csv.QUOTE_MINIMAL)
        self.zone = ZoneInfo(zone)
        self.excel = excel
        header = [f"{name} ({zone_label})" if excel and kind == "time" and zone_label
                  else name for name, kind in COLUMNS]
        self.writer.writerow(header)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        zone, excel = self.zone, self.excel
        out = []
        for row in rows:
            cells = list(row)  # None and numbers need nothing: csv writes '' and digits
            for i in _TIMES:
                if (value := cells[i]) is not None:
                    local = value.astimezone(zone)
                    cells[i] = (local.strftime("%Y-%m-%d %H:%M:%S") if excel
                                else local.isoformat())
            for i in _LISTS:
                if (value := cells[i]) is not None:
                    cells[i] = _ENCODE(value) if value else "[]"
            if excel:
                for i in _TEXTS:
                    if (value := cells[i]) and value.startswith(_FORMULA_START):
                        cells[i] = "'" + value
            out.append(cells)
        self.writer.writerows(out)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()


class JsonlWriter:
    """One JSON object per line (UTF-8, not ASCII-escaped)."""

    def __init__(self, stream: IO[bytes], zone: str) -> None:
        self.stream = stream
        self.zone = ZoneInfo(zone)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        zone, loads = self.zone, json.loads
        lines = []
        for row in rows:
            cells = list(row)
            for i in _TIMES:
                if (value := cells[i]) is not None:
                    cells[i] = value.astimezone(zone).isoformat()
            for i in _JSON:
                if (value := cells[i]) is not None:
                    cells[i] = loads(value)
            lines.append(_ENCODE(dict(zip(NAMES, cells, strict=True))))
        if lines:
            self.stream.write(("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        self.stream.flush()


class ParquetWriter:
    """Parquet (zstd) to a file path, one row group per ``ROW_GROUP_ROWS`` rows."""

    def __init__(self, path: str, zone: str, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        types = {"text": pa.string(), "int": pa.int64(), "json": pa.string(),
                 "time": pa.timestamp("us", tz=zone), "list": pa.list_(pa.string())}
        self.schema = pa.schema([pa.field(name, types[kind]) for name, kind in COLUMNS])
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.row_group_rows = row_group_rows
        self.pending: list[tuple[Any, ...]] = []

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.pending.extend(rows)
        while len(self.pending) >= self.row_group_rows:
            group, self.pending = (self.pending[:self.row_group_rows],
                                   self.pending[self.row_group_rows:])
            self._flush(group)

    def _flush(self, rows: list[tuple[Any, ...]]) -> None:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
        arrays = [self.pa.array(list(values), type=field.type)
                  for values, field in zip(columns, self.schema, strict=True)]
        self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema),
                                row_group_size=max(len(rows), 1))

    def close(self) -> None:
        if self.pending:
            self._flush(self.pending)
            self.pending = []
        self.writer.close()

