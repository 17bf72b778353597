"""Helpers of the metrics and alert tests: crawl_runs rows with known numbers, a local
webhook receiver, and a Redis logical database of a test module's own."""

from __future__ import annotations

import contextlib
import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TABLES = "crawl_shards, crawl_runs, crawl_totals, alerts_sent, post_versions, posts, threads"


def clean(url: str) -> None:
    """Empty every table these tests write (the module shares one database)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")


def insert_run(conn: psycopg.Connection[Any], source: str, status: str, *,
               region: str | None = "62", pages: int = 0, items: int = 0, errors: int = 0,
               seconds: float | None = 60.0, finished_at: datetime | None = None,
               deep: bool = False, stats: dict[str, Any] | None = None,
               error_reasons: list[dict[str, str]] | None = None, reason: str | None = None,
               **counts: int) -> int:
    """A crawl_runs row as the worker would leave it (finished ``seconds`` after start)."""
    end = finished_at or NOW
    final = status in ("succeeded", "failed", "revoked", "timeout")
    row = conn.execute(
        "INSERT INTO crawl_runs (source, region, status, reason, started_at, finished_at,"
        " pages, items, errors, posts_new, posts_edited, posts_unchanged, posts_deleted,"
        " deep, stats, error_reasons) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " %s, %s, %s, %s, %s) RETURNING id",
        (source, region, status, reason,
         end - timedelta(seconds=seconds) if seconds is not None else None,
         end if final else None, pages, items, errors, counts.get("posts_new", 0),
         counts.get("posts_edited", 0), counts.get("posts_unchanged", 0),
         counts.get("posts_deleted", 0), deep, Jsonb(stats) if stats is not None else None,
         Jsonb(error_reasons or []))).fetchone()
    assert row is not None
    return int(row[0])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records each request; answers with ``statuses``
    in turn (then 200), each with an optional JSON body."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[tuple[int, dict[str, Any] | None]] = field(default_factory=list)


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state: Receiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert state is not None
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers), json.loads(body)))
            status, answer = state.statuses.pop(0) if state.statuses else (200, {"ok": True})
            data = json.dumps(answer if answer is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def own_redis_db(session_url: str) -> Iterator[str]:
    """An empty Redis logical database other than the session's, flushed afterwards."""
    import redis

    base, _, taken = session_url.rpartition("/")
    for db in random.sample([d for d in range(1, 16) if str(d) != taken], 14):
        client = redis.Redis.from_url(f"{base}/{db}")
        if client.dbsize() == 0:
            break
    else:
        raise RuntimeError("no empty Redis logical database left for this module")
    try:
        yield f"{base}/{db}"
    finally:
        client.flushdb()
        client.close()
