"""Run a unit of work on a connection or on one borrowed from a pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import psycopg
from psycopg_pool import ConnectionPool

ConnOrPool: TypeAlias = "psycopg.Connection[Any] | ConnectionPool"


@contextmanager
def borrowed(conn_or_pool: ConnOrPool) -> Iterator[psycopg.Connection[Any]]:
    """The connection itself, or one from the pool returned afterwards."""
    if isinstance(conn_or_pool, ConnectionPool):
        with conn_or_pool.connection() as conn:
            yield conn
    else:
        yield conn_or_pool


@contextmanager
def transaction(conn_or_pool: ConnOrPool) -> Iterator[psycopg.Connection[Any]]:
    """A connection inside one transaction (a savepoint if the caller already opened one)."""
    with borrowed(conn_or_pool) as conn, conn.transaction():
        yield conn
