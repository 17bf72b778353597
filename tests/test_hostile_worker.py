"""A real `pantau worker` meets hostile sources, records each on its run, and keeps serving.

One worker takes, in turn, a source that drips a byte a second, one that is a gzip bomb,
and one that returns a 50 MB page; each run ends ``failed`` with the bound that stopped it
as its reason and error kind. The same worker then crawls a normal topic successfully.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from celery import Celery
from psycopg.rows import dict_row

from tests.sites.hostile import HostileServer
from tests.workers import running_worker, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAXSIZE = 8 * 1024 * 1024


@pytest.fixture(scope="module")
def site() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture(scope="module")
def worker(database: str, redis_url: str, client: Celery,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    state = tmp_path_factory.mktemp("hostile-worker")
    env = worker_env(database, redis_url, state, PANTAU_DOWNLOAD_TIMEOUT="4",
                     PANTAU_RETRY_TIMES="0", PANTAU_DOWNLOAD_MAXSIZE=str(MAXSIZE))
    with running_worker(env, state / "worker.log", client, "--concurrency", "1") as proc:
        yield proc


def crawl(client: Celery, database: str, name: str, url: str) -> dict[str, Any]:
    """Send one crawl of ``url`` to the worker, wait for it, and return its crawl_runs row."""
    source = {"name": name, "kind": "forum", "engine": "phpbb", "url": url, "region": "62",
              "authors": "keep", "politeness": {"download_delay": 0, "concurrent_requests": 4}}
    result = client.send_task("pantau.crawl_source", args=[source], queue="crawl.62")
    result.get(timeout=120, propagate=False)
    with psycopg.connect(database, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE source = %s ORDER BY id DESC "
                           "LIMIT 1", [name]).fetchone()
    assert row is not None, f"no crawl_runs row for {name}"
    return row


def kinds(row: dict[str, Any]) -> list[str]:
    return [r["kind"] for r in row["error_reasons"] or []]


def test_the_worker_survives_hostile_sources_and_keeps_serving(
        worker: Any, client: Celery, database: str, site: HostileServer) -> None:
    drip = crawl(client, database, "hostile-drip", f"{site.url}viewforum.php?f=12")
    assert drip["status"] == "failed"
    assert drip["reason"].startswith("no posts: DownloadTimeoutError: Getting "), drip["reason"]
    assert "took longer than 4.0 seconds" in drip["reason"]
    assert kinds(drip) == ["timeout"]

    bomb = crawl(client, database, "hostile-bomb", f"{site.url}viewtopic.php?t=15")
    assert bomb["status"] == "failed"
    assert f"exceeded DOWNLOAD_MAXSIZE ({MAXSIZE} B) during decompression" in bomb["reason"]
    assert kinds(bomb) == ["too_large"]

    big = crawl(client, database, "hostile-50mb", f"{site.url}viewforum.php?f=10")
    assert big["status"] == "failed" and kinds(big) == ["too_large"], big["reason"]

    assert worker.poll() is None and client.control.ping(timeout=2)
    normal = crawl(client, database, "hostile-normal", f"{site.url}viewtopic.php?t=1")
    assert normal["status"] == "succeeded", normal["reason"]
    assert (normal["posts_new"], normal["errors"]) == (12, 0)
