"""PostgreSQL storage: connections, migrations, the batched idempotent writer, run records, queries.

Imports neither Scrapy nor Celery; the Scrapy pipeline and the Celery tasks are thin adapters
over :class:`~crawler.storage.writer.PostWriter` and :class:`~crawler.storage.runs.RunStore`.
"""

from __future__ import annotations

from crawler.storage.db import DatabaseUnavailable, connect, make_pool, redact_url
from crawler.storage.runs import RunStore
from crawler.storage.writer import PostWriter, WriteResult

__all__ = [
    "DatabaseUnavailable",
    "PostWriter",
    "RunStore",
    "WriteResult",
    "connect",
    "make_pool",
    "redact_url",
]
