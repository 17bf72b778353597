"""End to end: a real `pantau worker` runs crawl tasks against the local phpBB forum."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import psycopg
import pytest
from celery import Celery
from psycopg.rows import dict_row

from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.extract.urls import site_key
from crawler.items import normalize_text, post_uid
from tests.workers import EventLog, running_worker, session_processes, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def forum_server() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.fixture(scope="module")
def worker(database: str, redis_url: str, client: Celery,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    state = tmp_path_factory.mktemp("worker-state")
    env = worker_env(database, redis_url, state)
    with running_worker(env, state / "worker.log", client) as proc:
        yield proc


def source(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "forum", "engine": "phpbb", "url": url, "region": "62",
            "timezone": "Asia/Jakarta", "authors": "keep",
            "politeness": {"download_delay": 0, "concurrent_requests": 8}, **extra}


def run_row(database: str, run_id: int) -> dict[str, Any]:
    with psycopg.connect(database, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE id = %s", [run_id]).fetchone()
    assert row is not None
    return row


def crawl(client: Celery, src: dict[str, Any], timeout: float = 180, **options: Any) -> Any:
    result = client.send_task("pantau.crawl_source", args=[src], queue="crawl.62", **options)
    result.get(timeout=timeout, propagate=False)
    return result


def stored(database: str, name: str) -> set[tuple[Any, ...]]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT uid, thread_native_id, position, author_name, published_at, body_text "
            "FROM posts WHERE source = %s AND deleted_at IS NULL", [name]).fetchall()
    return set(rows)


def truth(server: DemoForumServer) -> set[tuple[Any, ...]]:
    site = site_key(server.url)
    return {
        (post_uid("phpbb", site, "post", p.native_id), p.thread_native_id, p.position,
         p.author_name, p.published_at, normalize_text(p.body_text))
        for p in server.forum.truth()
    }


def counts(database: str, name: str) -> tuple[int, int]:
    with psycopg.connect(database) as conn:
        posts = conn.execute("SELECT count(*) FROM posts WHERE source = %s", [name]).fetchone()
        versions = conn.execute(
            "SELECT count(*) FROM post_versions v JOIN posts p USING (uid) WHERE p.source = %s",
            [name]).fetchone()
    assert posts is not None
    assert versions is not None
    return posts[0], versions[0]


def test_crawl_stores_ground_truth_then_recrawl_and_edit(
        worker: Any, client: Celery, database: str, forum_server: DemoForumServer) -> None:
    src = source("forum-truth", forum_server.url)
    with EventLog(client) as events:
        result = crawl(client, src)
        assert result.status == "SUCCESS", result.result
        progress = [e for e in events.for_task(result.id) if e["type"] == "task-progress"]
        done = events.wait_for(result.id, ("task-succeeded",), timeout=10)
    assert stored(database, "forum-truth") == truth(forum_server)
    # At least three rising progress events, all before task-succeeded.
    items = [e["items"] for e in progress]
    assert len(progress) >= 3, progress
    assert items == sorted(items) and len(set(items)) >= 3, items
    assert all(e["timestamp"] <= done["timestamp"] for e in progress)
    summary = result.result
    assert summary["posts_new"] == len(forum_server.forum.truth())

    # Second crawl, deep: the pages are fetched again, nothing is added, last_seen_at advances.
    posts_before, versions_before = counts(database, "forum-truth")
    with psycopg.connect(database) as conn:
        seen_before = conn.execute(
            "SELECT max(last_seen_at) FROM posts WHERE source = 'forum-truth'").fetchone()
    forum_server.request_log.clear()
    second = crawl(client, src, kwargs={"deep": True})
    assert second.status == "SUCCESS", second.result
    assert any("viewtopic.php" in path for path in forum_server.request_log)
    assert counts(database, "forum-truth") == (posts_before, versions_before)
    assert second.result["posts_unchanged"] == posts_before
    with psycopg.connect(database) as conn:
        seen_after = conn.execute(
            "SELECT min(last_seen_at) FROM posts WHERE source = 'forum-truth'").fetchone()
    assert seen_before is not None
    assert seen_after is not None
    assert seen_after[0] > seen_before[0]

    # One edit on the site: exactly one version more, holding the old text.
    victim = forum_server.forum.truth()[5]
    forum_server.forum.edit_post(int(victim.native_id), "Teks ini sudah diubah oleh penulisnya.")
    third = crawl(client, src, kwargs={"deep": True})
    assert third.status == "SUCCESS", third.result
    assert third.result["posts_edited"] == 1
    assert counts(database, "forum-truth") == (posts_before, versions_before + 1)
    assert stored(database, "forum-truth") == truth(forum_server)
    with psycopg.connect(database) as conn:
        old = conn.execute("SELECT body_text FROM post_versions WHERE uid = %s",
                           [post_uid("phpbb", site_key(forum_server.url), "post",
                                     victim.native_id)]).fetchone()
    assert old is not None
    assert old[0] == normalize_text(victim.body_text)


class _Fixed(BaseHTTPRequestHandler):
    status = 200
    body = b""

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def broken_site(request: pytest.FixtureRequest) -> Iterator[str]:
    status, body = request.param
    handler = type("Handler", (_Fixed,), {"status": status, "body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("broken_site", "expected"),
    [
        ((500, b"Internal Server Error"), "HTTP 500"),
        ((200, b"<html><body><p>Selamat datang</p><div>bukan forum</div></body></html>"),
         "no posts found"),
    ],
    indirect=["broken_site"],
    ids=["http-500", "not-a-forum"],
)
def test_broken_site_fails_with_reason_and_worker_keeps_serving(
        worker: Any, client: Celery, database: str, broken_site: str, expected: str,
        forum_server: DemoForumServer) -> None:
    result = crawl(client, source("forum-broken", broken_site), timeout=120)
    assert result.status == "FAILURE"
    assert "CrawlFailed" in type(result.result).__name__ or "CrawlFailed" in repr(result.result)
    with psycopg.connect(database, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE task_id = %s", [result.id]).fetchone()
    assert row is not None
    assert row["status"] == "failed"
    assert expected in (row["reason"] or ""), row
    _assert_same_worker_crawls(worker, client, forum_server)


def test_unreachable_site_fails_with_reason(worker: Any, client: Celery, database: str,
                                            forum_server: DemoForumServer) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nothing listens
    result = crawl(client, source("forum-dead", f"http://127.0.0.1:{port}/"), timeout=120)
    assert result.status == "FAILURE"
    with psycopg.connect(database, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE task_id = %s", [result.id]).fetchone()
    assert row is not None
    assert row["status"] == "failed"
    assert "refused" in (row["reason"] or "").lower(), row
    assert row["error_reasons"]
    assert row["error_reasons"][0]["kind"] == "network"
    _assert_same_worker_crawls(worker, client, forum_server)


def _assert_same_worker_crawls(worker: Any, client: Celery, server: DemoForumServer) -> None:
    """The worker that saw the failure (same main pid) still completes a good crawl."""
    assert worker.poll() is None
    good = crawl(client, source("forum-good", server.url))
    assert good.status == "SUCCESS", good.result
    assert worker.poll() is None
    replies = client.control.inspect(timeout=2).stats() or {}
    assert worker.pid in {reply["pid"] for reply in replies.values()}


def _slow_source(server: DemoForumServer, name: str) -> dict[str, Any]:
    return source(name, server.url, politeness={"download_delay": 0.5, "concurrent_requests": 1})


def _wait_for_spider(events: EventLog, task_id: str) -> int:
    event = events.wait_for(task_id, ("task-progress",), timeout=60)
    return int(event["spider_pid"])


def _wait_until_gone(sid: int, timeout: float = 20) -> list[Any]:
    deadline = time.monotonic() + timeout
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _wait_for_status(database: str, run_id: int, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = run_row(database, run_id)
        if row["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


def test_revoke_kills_spider_session_and_records_reason(
        worker: Any, client: Celery, database: str, forum_server: DemoForumServer) -> None:
    with EventLog(client) as events:
        result = client.send_task("pantau.crawl_source",
                                  args=[_slow_source(forum_server, "forum-revoked")],
                                  queue="crawl.62")
        spider = _wait_for_spider(events, result.id)
        run_id = int(events.wait_for(result.id, ("task-progress",), 5)["run_id"])
        assert session_processes(spider), "spider should be running"
        client.control.revoke(result.id, terminate=True, signal="SIGTERM")
        assert _wait_until_gone(spider) == []
    row = _wait_for_status(database, run_id)
    assert row["status"] == "revoked"
    assert "revoked" in row["reason"]
    assert worker.poll() is None


def test_hard_time_limit_kills_spider_session_and_records_reason(
        worker: Any, client: Celery, database: str, redis_url: str,
        forum_server: DemoForumServer, tmp_path: Path) -> None:
    # The soft limit normally ends a crawl cleanly first; this worker has none, so the hard
    # limit (Celery killing the pool process) is what ends the crawl.
    env = worker_env(database, redis_url, tmp_path, PANTAU_TASK_SOFT_TIME_LIMIT="0")
    log = tmp_path / "worker.log"
    with running_worker(env, log, client, "--queue", "crawl.hard"), \
            EventLog(client) as events:
        result = client.send_task("pantau.crawl_source",
                                  args=[_slow_source(forum_server, "forum-timeout")],
                                  queue="crawl.hard", time_limit=15)
        spider = _wait_for_spider(events, result.id)
        run_id = int(events.wait_for(result.id, ("task-progress",), 5)["run_id"])
        events.wait_for(result.id, ("task-failed",), timeout=40)
        assert _wait_until_gone(spider) == []
        row = _wait_for_status(database, run_id)
    assert "Hard time limit (15s) exceeded" in log.read_text()
    assert row["status"] == "timeout"
    assert "hard time limit" in row["reason"]


def test_soft_time_limit_stops_spider_and_records_timeout(
        worker: Any, client: Celery, database: str, forum_server: DemoForumServer) -> None:
    with EventLog(client) as events:
        result = client.send_task("pantau.crawl_source",
                                  args=[_slow_source(forum_server, "forum-soft")],
                                  queue="crawl.62", time_limit=60, soft_time_limit=15)
        spider = _wait_for_spider(events, result.id)
        run_id = int(events.wait_for(result.id, ("task-progress",), 5)["run_id"])
        events.wait_for(result.id, ("task-failed",), timeout=40)
        assert _wait_until_gone(spider) == []
    row = _wait_for_status(database, run_id)
    assert row["status"] == "timeout"
    assert "soft time limit" in row["reason"]




def test_cli_crawl_url_wait_then_status(worker: Any, database: str, redis_url: str,
                                        forum_server: DemoForumServer, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    env = worker_env(database, redis_url, tmp_path, PANTAU_LANG="en")  # English lines asserted
    command = [sys.executable, "-m", "crawler"]
    result = subprocess.run(
        [*command, "crawl", forum_server.url, "--region", "62", "--engine", "phpbb",
         "--authors", "keep", "--wait"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "queued on crawl.62" in result.stdout
    assert "succeeded" in result.stdout
    status = subprocess.run([*command, "status", "--json", "--limit", "50"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    runs = json.loads(status.stdout)["runs"]
    adhoc = [r for r in runs if r["source"].startswith("adhoc-127-0-0-1")]
    assert adhoc and adhoc[0]["status"] == "succeeded"
    assert adhoc[0]["pages"] > 100 and adhoc[0]["region"] == "62"


def test_invalid_source_definition_fails_its_run(worker: Any, client: Celery,
                                                 database: str) -> None:
    from crawler.storage.runs import RunStore

    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create("forum-news", "62")
    bad = source("forum-news", "http://127.0.0.1:1/", kind="wordpress")
    result = client.send_task("pantau.crawl_source", args=[bad, run_id], queue="crawl.62")
    result.get(timeout=60, propagate=False)
    assert result.status == "FAILURE"
    row = run_row(database, run_id)
    assert row["status"] == "failed"
    assert "kind 'wordpress' has no spider yet" in row["reason"]


def test_pseudonymizing_source_without_key_fails_with_reason(
        worker: Any, client: Celery, database: str, forum_server: DemoForumServer) -> None:
    src = source("forum-secret", forum_server.url, authors="pseudonymize")
    result = crawl(client, src, timeout=60)
    assert result.status == "FAILURE"
    with psycopg.connect(database, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE task_id = %s", [result.id]).fetchone()
    assert row is not None and row["status"] == "failed"
    assert "PANTAU_PSEUDONYM_KEY is not set" in row["reason"]


def test_deleted_post_is_marked_after_its_complete_thread(
        worker: Any, client: Celery, database: str) -> None:
    with DemoForumServer(build_forum(seed=7)) as server:
        src = source("forum-deletions", server.url)
        assert crawl(client, src).status == "SUCCESS"
        # a post on the first page of a long thread: the later posts all shift one place
        thread = max(server.forum.threads.values(), key=lambda t: len(t.posts))
        victim = thread.posts[3]
        server.forum.delete_post(victim.post_id)
        again = crawl(client, src, kwargs={"deep": True})  # deletions: deep crawls judge
        assert again.status == "SUCCESS", again.result
        assert again.result["posts_deleted"] == 1
        assert stored(database, "forum-deletions") == truth(server)
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT deleted_at FROM posts WHERE source = 'forum-deletions' AND "
                           "native_id = %s", [str(victim.post_id)]).fetchone()
    assert row is not None and row[0] is not None
