"""No Chromium outlives its crawl: after a time limit, a revocation, or a killed task process.

Playwright starts Chromium in a session of its own, outside the spider's process group, so
killing that group alone would orphan the browser; crawler.runner.tree kills it with the
group. Each test counts the Chromium processes of its spiders (tests/chromium.py), first to
see the browser running, then to see it gone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery
from psycopg.rows import dict_row

from crawler.demosite import build_forum
from crawler.storage.runs import RunStore
from tests.chromium import (
    chromium_path,
    chromium_processes,
    short_tmpdir,
    wait_for_chromium,
    wait_for_no_chromium,
)
from tests.sites.rendered import RENDER, SELECTORS, RenderedForumServer
from tests.workers import running_worker, worker_env

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def site() -> Iterator[RenderedForumServer]:
    chromium_path()
    with RenderedForumServer(build_forum(seed=62)) as server:
        yield server


def slow_source(site: RenderedForumServer, name: str) -> dict[str, Any]:
    """The whole forum, one page a second: minutes of crawling, browser busy throughout."""
    return {"name": name, "kind": "rendered", "url": site.url, "region": "62",
            "authors": "keep", "selectors": SELECTORS, "render": RENDER,
            "politeness": {"download_delay": 1, "concurrent_requests": 1}}


def new_run(database: str, name: str) -> int:
    with psycopg.connect(database) as conn:
        return RunStore(conn).create(name, "62")


def run_row(database: str, run_id: int, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(database, row_factory=dict_row) as conn:
            row = conn.execute("SELECT * FROM crawl_runs WHERE id = %s", [run_id]).fetchone()
        assert row is not None
        if row["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser_worker(database: str, redis_url: str, client: Celery,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A `pantau worker --browser`; its spiders' TMPDIR (to count their Chromium) is yielded."""
    state = tmp_path_factory.mktemp("browser-worker")
    with short_tmpdir() as tmpdir:
        env = worker_env(database, redis_url, state, TMPDIR=str(tmpdir))
        with running_worker(env, state / "worker.log", client, "--browser",
                            "--concurrency", "1"):
            yield tmpdir


def test_a_soft_time_limit_leaves_no_chromium(browser_worker: Path, client: Celery,
                                              database: str, site: RenderedForumServer) -> None:
    run_id = new_run(database, "js-soft")
    result = client.send_task("pantau.crawl_source", args=[slow_source(site, "js-soft"), run_id],
                              queue="browser.62", soft_time_limit=20, time_limit=60)
    assert wait_for_chromium(browser_worker, timeout=20)  # started, and busy
    result.get(timeout=60, propagate=False)
    assert wait_for_no_chromium(browser_worker, timeout=5) == []
    row = run_row(database, run_id)
    assert (row["status"], row["reason"]) == ("timeout", "soft time limit reached; spider stopped")
    assert row["pages"] > 0


def test_a_revoked_crawl_leaves_no_chromium(browser_worker: Path, client: Celery,
                                            database: str, site: RenderedForumServer) -> None:
    run_id = new_run(database, "js-revoked")
    result = client.send_task("pantau.crawl_source",
                              args=[slow_source(site, "js-revoked"), run_id], queue="browser.62")
    assert wait_for_chromium(browser_worker)
    client.control.revoke(result.id, terminate=True, signal="SIGTERM")
    assert wait_for_no_chromium(browser_worker, timeout=5) == []
    row = run_row(database, run_id)
    assert (row["status"], row["reason"]) == ("revoked", "revoked (terminated)")


TASK = textwrap.dedent("""
    import sys
    from crawler.config.sources import Source
    from crawler.runner import CrawlSpec, run_crawl
    source = Source.model_validate_json(sys.argv[1])
    run_crawl(CrawlSpec.for_source(source, int(sys.argv[2])))
""")


def test_a_killed_task_process_leaves_no_chromium(database: str, redis_url: str,
                                                  site: RenderedForumServer,
                                                  tmp_path: Path) -> None:
    """SIGKILL to the process that runs the crawl: the spider's watchdog kills the rest."""
    import json

    run_id = new_run(database, "js-killed")
    with short_tmpdir() as tmpdir:
        env = worker_env(database, redis_url, tmp_path, TMPDIR=str(tmpdir))
        task = subprocess.Popen([sys.executable, "-c", TASK,
                                 json.dumps(slow_source(site, "js-killed")), str(run_id)],
                                env=env, start_new_session=True)
        try:
            assert wait_for_chromium(tmpdir)
            task.send_signal(signal.SIGKILL)  # no chance to clean up
            task.wait(10)
            assert wait_for_no_chromium(tmpdir, timeout=5) == []
        finally:
            if task.poll() is None:
                task.kill()
                task.wait(10)
    assert chromium_processes(tmpdir) == []
