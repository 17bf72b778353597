"""Streaming exports of posts for analysts (`pantau export`): CSV, JSON lines, Parquet.

``export_posts(conn, selection, format, output, zone)`` reads the posts a ``PostFilter``
selects through a server-side cursor (columns.py) and writes them with a streaming writer
(writers.py) to a file that appears only when complete (files.py). docs/analysts.md.
"""

from __future__ import annotations

from crawler.export.run import CsvOptions, ExportResult, export_posts

__all__ = ["CsvOptions", "ExportResult", "export_posts"]
