"""Readable task arguments (argsrepr) and progress lines for Flower: the labels themselves, and
the label that really travels in a crawl task's message through the Redis broker."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from celery import Celery

from crawler.observe.labels import crawl_context, progress_line, task_label
from tasks.app import route_crawl

SOURCE = {"name": "forum-kalteng", "kind": "forum", "engine": "phpbb", "region": "62",
          "url": "http://127.0.0.1:9/"}


def test_crawl_source_label_names_source_region_run_and_mode() -> None:
    assert task_label("pantau.crawl_source", [SOURCE, 17], None) == \
        "source=forum-kalteng region=62 run=17"
    assert task_label("pantau.crawl_source", [SOURCE, 17, True], None) == \
        "source=forum-kalteng region=62 run=17 deep=yes"
    assert task_label("pantau.crawl_source", [SOURCE], {"run_id": 3, "deep": False}) == \
        "source=forum-kalteng region=62 run=3 deep=no"
    assert task_label("pantau.crawl_source", [], {"source": SOURCE}) == \
        "source=forum-kalteng region=62 run=new"


def test_shard_label_and_context() -> None:
    sub = {**SOURCE, "region": "62.71"}
    assert task_label("pantau.crawl_shard", [sub, 17, 4], None) == \
        "source=forum-kalteng region=62.71 run=17 shard=4"
    assert crawl_context("pantau.crawl_shard", [sub, 17, 4], None) == {
        "source": "forum-kalteng", "region": "62.71", "run_id": 17, "shard": 4}


def test_other_tasks_and_bad_arguments_get_no_label() -> None:
    assert task_label("celery.chord_unlock", [SOURCE, 1], None) is None
    assert task_label("pantau.crawl_source", ["not a source", 1], None) is None
    assert crawl_context("pantau.crawl_source", None, None) == {}
    no_region = {**SOURCE, "region": ""}
    assert task_label("pantau.crawl_source", [no_region, 5], None) == \
        "source=forum-kalteng region=- run=5"


def test_progress_line() -> None:
    progress = {"pages": 120, "items": 340, "errors": 1, "posts_new": 300, "posts_edited": 2,
                "posts_deleted": 0, "posts_unchanged": 38, "elapsed": 12.4, "spider_pid": 9}
    assert progress_line(progress) == \
        "pages=120 posts=340 new=300 edited=2 deleted=0 errors=1 elapsed=12s"
    assert progress_line({}) == "pages=0 posts=0 new=0 edited=0 deleted=0 errors=0"
    assert progress_line({**progress, "run_id": 17}).startswith("run=17 pages=120 posts=340 ")


def test_router_sets_argsrepr_only_for_crawl_tasks() -> None:
    route = route_crawl("pantau.crawl_source", [SOURCE, 17, None], {}, {})
    assert route == {"queue": "crawl.62", "argsrepr": "source=forum-kalteng region=62 run=17"}
    assert route_crawl("celery.backend_cleanup", [], {}, {}) is None


def _queued(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in client.lrange(queue, 0, -1)]


@pytest.mark.integration
def test_label_travels_in_the_message_even_with_an_explicit_queue(client: Celery,
                                                                 redis_url: str) -> None:
    """What a worker reports to Flower (task-received) is the message's argsrepr header."""
    broker = redis.Redis.from_url(redis_url)
    queue = "observe-labels-test"
    broker.delete(queue)
    try:
        client.send_task("pantau.crawl_source", args=[SOURCE, 17, True], queue=queue)
        client.send_task("pantau.crawl_shard", args=[SOURCE, 17, 2], queue=queue)
        client.send_task("pantau.crawl_source", args=[SOURCE, 18], queue=queue,
                         argsrepr="chosen by the caller")
        headers = [m["headers"] for m in _queued(broker, queue)]
    finally:
        broker.delete(queue)
    assert [h["argsrepr"] for h in reversed(headers)] == [
        "source=forum-kalteng region=62 run=17 deep=yes",
        "source=forum-kalteng region=62 run=17 shard=2",
        "chosen by the caller",
    ]
    assert all(h["task"].startswith("pantau.crawl_") for h in headers)
