"""Flower in a real browser during a real crawl, and the worker's JSON logs of a crawl.

A `pantau worker` (JSON logs) crawls a slow local forum; `pantau flower` (basic auth) watches
the broker; headless Chromium (Playwright, the system's Chromium) loads Flower's task page and
task list and must find the crawl's readable arguments and its live progress numbers, the
same numbers the task sent in its `task-progress` events.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery

from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.storage.runs import RunStore
from tests.flowerproc import PASSWORD, USER, flower_env, running_flower
from tests.workers import EventLog, running_worker, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PROGRESS = re.compile(r"pages=(\d+) posts=(\d+) new=(\d+) edited=(\d+) deleted=(\d+) "
                      r"errors=(\d+)")
PROGRESS_KEYS = ("pages", "items", "posts_new", "posts_edited", "posts_deleted", "errors")


@pytest.fixture(scope="module")
def forum_server() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.fixture(scope="module")
def worker(database: str, redis_url: str, client: Celery,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A worker writing JSON logs; yields its log file."""
    state = tmp_path_factory.mktemp("flower-worker")
    env = worker_env(database, redis_url, state, PANTAU_LOG_FORMAT="json")
    with running_worker(env, state / "worker.log", client):
        yield state / "worker.log"


def _source(server: DemoForumServer, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "forum", "engine": "phpbb", "url": server.url,
            "region": "62", "timezone": "Asia/Jakarta", "authors": "keep", **extra}


def _run(database: str, name: str) -> int:
    with psycopg.connect(database) as conn:
        return RunStore(conn).create(name, "62")


def _chromium() -> str:
    path = os.environ.get("PANTAU_CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.access(path, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {path} in CI (Debian package chromium)")
        pytest.skip(f"no Chromium at {path}")
    return path


def _shown(page: Any, label: str) -> str:
    return str(page.locator(f"dt:text-is('{label}') + dd").inner_text()).strip()


def _wait_for_progress(page: Any, url: str, timeout: float = 60) -> tuple[int, ...]:
    """Reload the task page until Flower shows it in PROGRESS with posts counted; return the
    numbers of its Result line (pages, posts, new, edited, deleted, errors)."""
    deadline = time.monotonic() + timeout
    state = result = ""
    while time.monotonic() < deadline:
        response = page.goto(url)
        if response is not None and response.status == 200:
            state, result = _shown(page, "Status"), _shown(page, "Result")
            match = PROGRESS.search(result)
            if state == "PROGRESS" and match and int(match[2]) >= 1:
                return tuple(int(n) for n in match.groups())
        time.sleep(0.5)
    raise AssertionError(f"Flower never showed progress at {url}: {state!r} {result!r}")


def _sent(events: EventLog, task_id: str) -> set[tuple[int, ...]]:
    """The counters of every task-progress event the task sent."""
    return {tuple(int(e[k]) for k in PROGRESS_KEYS) for e in events.for_task(task_id)
            if e["type"] == "task-progress"}


@pytest.mark.browser
def test_flower_shows_a_running_crawl_with_its_progress(
        worker: Path, client: Celery, database: str, redis_url: str,
        forum_server: DemoForumServer, tmp_path: Path) -> None:
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    env = flower_env(worker_env(database, redis_url, tmp_path))
    slow = _source(forum_server, "flower-slow",
                   politeness={"download_delay": 0.5, "concurrent_requests": 1})
    run_id = _run(database, "flower-slow")
    with running_flower(env, tmp_path / "flower.log") as (base, flower), \
            EventLog(client) as events, sync_playwright() as playwright:
        result = client.send_task("pantau.crawl_source", args=[slow, run_id], queue="crawl.62")
        task_url = f"{base}/task/{result.id}"
        try:
            events.wait_for(result.id, ("task-progress",), timeout=60)
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=["--no-sandbox"])
            anonymous = browser.new_context().request.get(task_url)
            assert anonymous.status == 401  # no password, no page
            page = browser.new_context(
                http_credentials={"username": USER, "password": PASSWORD}).new_page()
            numbers = _wait_for_progress(page, task_url)
            assert _shown(page, "Arguments") == f"source=flower-slow region=62 run={run_id}"
            assert numbers in _sent(events, result.id), (numbers, _sent(events, result.id))
            assert numbers[1] > 0, "posts are counted while the crawl runs"

            time.sleep(2)  # the page shows live numbers: later, more pages
            later = _wait_for_progress(page, task_url)
            assert later[0] > numbers[0], (numbers, later)

            # The task list (rendered by Flower's JavaScript) shows arguments and progress too.
            page.goto(f"{base}/tasks")
            link = page.locator(f"a[href$='/task/{result.id}']")
            row_locator = page.locator("#tasks-table tbody tr", has=link)
            row_locator.first.wait_for(timeout=20_000)
            row = str(row_locator.first.inner_text())
            assert "PROGRESS" in row and f"source=flower-slow region=62 run={run_id}" in row
            assert PROGRESS.search(row), row
            browser.close()
        finally:
            client.control.revoke(result.id, terminate=True, signal="SIGTERM")
        assert flower.poll() is None
    log = (tmp_path / "flower.log").read_text()
    assert PASSWORD not in log, "the password must never be printed"


def _json_lines(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith('{"timestamp"'):
            records.append(json.loads(line))
    return records


def test_worker_and_spider_write_json_logs_naming_the_crawl(
        worker: Path, client: Celery, database: str, forum_server: DemoForumServer) -> None:
    src = _source(forum_server, "flower-logs", limits={"max_pages": 15},
                  politeness={"download_delay": 0, "concurrent_requests": 8})
    # sent without a run, as the beat does: the task makes the run, its lines still name it
    result = client.send_task("pantau.crawl_source", args=[src], queue="crawl.62")
    summary = result.get(timeout=120)
    assert summary["status"] == "succeeded"
    run_id = summary["run_id"]
    deadline = time.monotonic() + 10
    while True:  # the log is written by other processes: give the last lines a moment
        mine = [r for r in _json_lines(worker) if r.get("run_id") == run_id]
        if any(r["message"].endswith("succeeded: stopped early by a limit "
                                     "(closespider_pagecount)") for r in mine):
            break
        assert time.monotonic() < deadline, mine[-5:]
        time.sleep(0.2)
    task_lines = [r for r in mine if r["process"] == "worker"]
    spider_lines = [r for r in mine if r["process"] == "spider"]
    assert task_lines and spider_lines
    for record in task_lines:
        assert (record["source"], record["region"], record["task_id"], record["task_name"]) \
            == ("flower-logs", "62", result.id, "pantau.crawl_source"), record
    assert any(r["logger"] == "tasks.crawl" and "starting" in r["message"] for r in task_lines)
    for record in spider_lines:
        assert (record["source"], record["region"], record["spider"], record["mode"]) == \
            ("flower-logs", "62", "phpbb", "full"), record
    assert any(r["logger"].startswith("scrapy.") for r in spider_lines)
    # Celery's own lines are JSON too (no crawl context in the main process)
    assert any(r["logger"].startswith("celery.") and "run_id" not in r
               for r in _json_lines(worker))
