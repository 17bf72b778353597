"""Sources that need a browser go to browser.<region>, which only --browser workers consume."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from crawler.cli.worker import worker_queues
from tasks.app import crawl_queue
from tests.test_cli import pantau
from tests.workers import client_for, running_worker, worker_env


def _source(**extra: Any) -> dict[str, Any]:
    return {"name": "forum-x", "kind": "forum", "engine": "phpbb",
            "url": "http://127.0.0.1:8765/", "region": "62", **extra}


def test_crawl_queue_names() -> None:
    assert crawl_queue("62") == "crawl.62"
    assert crawl_queue(None) == "crawl.default"
    assert crawl_queue("62.71", browser=True) == "browser.62.71"
    assert crawl_queue(None, browser=True) == "browser.default"


@pytest.mark.parametrize(("task", "source", "queue"), [
    ("pantau.crawl_source", _source(), "crawl.62"),
    ("pantau.crawl_source", _source(browser=True), "browser.62"),
    ("pantau.crawl_shard", _source(browser=True, region="62.71"), "browser.62.71"),
    ("pantau.crawl_shard", _source(browser=False), "crawl.62"),
])
def test_router_sends_a_crawl_to_its_sources_queue(task: str, source: dict[str, Any],
                                                   queue: str) -> None:
    client = client_for("postgresql://x@127.0.0.1:1/x", "redis://127.0.0.1:1/0")
    route = client.amqp.router.route({}, task, args=[source, 1, 0], kwargs={})
    assert route["queue"].name == queue
    # an explicit queue still wins (the CLI names the queue it reports)
    explicit = client.amqp.router.route({"queue": "crawl.63"}, task, args=[source], kwargs={})
    assert explicit["queue"].name == "crawl.63"
    other = client.amqp.router.route({}, "celery.ping", args=[], kwargs={})
    assert other["queue"].name == "crawl.default"


def test_worker_queues() -> None:
    assert worker_queues(["62"], [], browser=False) == ["crawl.default", "crawl.62",
                                                        "maintenance"]
    assert worker_queues(["62"], [], browser=False, maintenance=False) == [
        "crawl.default", "crawl.62"]
    assert worker_queues(["62", "63", "62"], ["extra"], browser=True) == [
        "crawl.default", "crawl.62", "crawl.63", "browser.default", "browser.62",
        "browser.63", "maintenance", "extra"]


def test_browser_worker_without_chromium_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    result = pantau("worker", "--region", "62", "--browser", env={
        "PANTAU_CHROMIUM_PATH": str(missing), "PANTAU_DATABASE_URL": "postgresql://x@127.0.0.1:1/x",
        "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0", "PANTAU_STATE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: --browser: no Chromium executable at {missing}"
    assert lines[1].startswith("hint: install Chromium")


def _active_queues(client: Celery, node: str) -> set[str]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        replies = client.control.inspect(timeout=1.0, destination=[node]).active_queues()
        if replies and node in replies:
            return {q["name"] for q in replies[node]}
    raise AssertionError(f"{node} did not answer active_queues")


@pytest.mark.integration
@pytest.mark.slow
def test_started_workers_consume_their_queues(database: str, redis_url: str,
                                              tmp_path: Path) -> None:
    client = client_for(database, redis_url)
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\nexit 0\n")
    chromium.chmod(0o755)
    env = worker_env(database, redis_url, tmp_path, PANTAU_CHROMIUM_PATH=str(chromium))
    tag = time.monotonic_ns()
    browser_node, plain_node = f"browser-{tag}@test", f"plain-{tag}@test"
    with running_worker(env, tmp_path / "b.log", client, "--region", "63", "--browser",
                        "--concurrency", "1", "--hostname", browser_node), \
            running_worker(env, tmp_path / "p.log", client, "--concurrency", "1",
                           "--hostname", plain_node):
        browser = _active_queues(client, browser_node)
        plain = _active_queues(client, plain_node)
    assert browser == {"crawl.default", "crawl.62", "crawl.63", "browser.default",
                       "browser.62", "browser.63", "maintenance"}
    assert plain == {"crawl.default", "crawl.62", "maintenance"}
