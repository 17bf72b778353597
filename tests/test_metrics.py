"""Prometheus metrics from PostgreSQL and Redis: exact values for known runs, queue depths,
the endpoint's auth rule, and a backend that is down."""

from __future__ import annotations

import base64
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from crawler.metrics import build_registry
from crawler.metrics.collector import DURATION_BUCKETS
from crawler.metrics.queues import QueueDepth, region_queues
from crawler.metrics.server import InsecureBind, make_metrics_server
from crawler.storage.db import connect
from crawler.storage.migrate import upgrade
from crawler.storage.runs import RunStore
from crawler.storage.shards import ShardStore
from tests.alerting import NOW, clean, insert_run, own_redis_db
from tests.test_cli import closed_port, pantau, unreachable

Samples = list[tuple[str, dict[str, str], float]]


@pytest.fixture(scope="module")
def module_redis(redis_url: str) -> Iterator[str]:
    with own_redis_db(redis_url) as url:
        yield url


@pytest.fixture
def redis_db(module_redis: str) -> str:
    """This module's Redis database, emptied for each test."""
    import redis

    with redis.Redis.from_url(module_redis) as client:
        client.flushdb()
    return module_redis


@pytest.fixture
def db(database: str) -> Iterator[str]:
    clean(database)
    yield database
    clean(database)


def scrape(database_url: str | None, redis_url: str | None,
           queues: list[str] | None = None) -> Samples:
    text = generate_latest(build_registry(database_url, redis_url, queues)).decode()
    return [(s.name, s.labels, s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


def series(samples: Samples, name: str, by: tuple[str, ...] = ("source", "region"),
           **fixed: str) -> dict[tuple[str, ...], float]:
    """The samples of one metric whose labels include ``fixed``, keyed by the labels ``by``
    (every other label must be fixed, so no two samples share a key)."""
    out = {}
    for sample, labels, value in samples:
        if sample == name and set(fixed.items()) <= set(labels.items()):
            assert set(labels) == set(by) | set(fixed), labels
            out[tuple(labels[k] for k in by)] = value
    return out


def test_counters_histogram_and_gauges_for_known_runs(db: str, redis_db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        insert_run(conn, "forum-a", "succeeded", pages=10, items=100, errors=3, seconds=20,
                   finished_at=NOW.replace(hour=9), posts_new=80, posts_edited=5,
                   posts_unchanged=15, posts_deleted=2,
                   stats={"errors_by_kind": {"http": 2, "parse": 1}})
        insert_run(conn, "forum-a", "failed", pages=2, errors=4, seconds=45,
                   finished_at=NOW.replace(hour=10),
                   error_reasons=[{"kind": "network", "url": "u", "message": "m"}] * 2
                   + [{"kind": "http", "url": "u", "message": "m"}])
        insert_run(conn, "forum-a", "timeout", pages=1, seconds=4000,
                   finished_at=NOW.replace(hour=11))
        revoked = insert_run(conn, "forum-b", "revoked", region="62.71", seconds=None)
        insert_run(conn, "forum-b", "running", region="62.71")
        insert_run(conn, "forum-b", "queued", region="62.71", seconds=None)
        # Sticky 'revoked': the task's later finish() still records counts; only the
        # increase counts, and the run is not counted as ended twice.
        RunStore(conn).finish(revoked, "failed", counts={"pages": 7, "items": 3})
    s = scrape(db, redis_db)
    assert series(s, "pantau_pages_total") == {("forum-a", "62"): 13, ("forum-b", "62.71"): 7}
    assert series(s, "pantau_posts_seen_total") == {("forum-a", "62"): 100,
                                                     ("forum-b", "62.71"): 3}
    assert series(s, "pantau_posts_total", ("change",), source="forum-a", region="62") == {
        ("new",): 80, ("edited",): 5, ("unchanged",): 15, ("deleted",): 2}
    assert series(s, "pantau_errors_total", ("kind",), source="forum-a", region="62") == {
        ("http",): 3, ("parse",): 1, ("network",): 2, ("other",): 1}
    assert series(s, "pantau_runs_total", ("source", "status"), region="62") == {
        ("forum-a", "succeeded"): 1, ("forum-a", "failed"): 1, ("forum-a", "timeout"): 1,
        ("forum-a", "revoked"): 0}
    assert series(s, "pantau_runs_total", ("region",), source="forum-b", status="revoked") == {
        ("62.71",): 1}
    buckets = series(s, "pantau_run_duration_seconds_bucket", ("le",), source="forum-a",
                     region="62")
    expected = dict.fromkeys([*(f"{float(b)}" for b in DURATION_BUCKETS), "+Inf"], 0.0)
    for bound in expected:
        expected[bound] = sum(1 for d in (20, 45, 4000) if bound == "+Inf" or d <= float(bound))
    assert {le: v for (le,), v in buckets.items()} == expected
    assert series(s, "pantau_run_duration_seconds_sum") == {("forum-a", "62"): 4065,
                                                           ("forum-b", "62.71"): 0}
    assert series(s, "pantau_run_duration_seconds_count") == {("forum-a", "62"): 3,
                                                             ("forum-b", "62.71"): 0}
    assert series(s, "pantau_last_success_timestamp_seconds") == {
        ("forum-a", "62"): NOW.replace(hour=9).timestamp(), ("forum-b", "62.71"): 0}
    assert series(s, "pantau_last_run_timestamp_seconds", ("region",), source="forum-a") == {
        ("62",): NOW.replace(hour=11).timestamp()}
    assert series(s, "pantau_consecutive_failed_runs") == {("forum-a", "62"): 2,
                                                          ("forum-b", "62.71"): 0}
    assert series(s, "pantau_runs_open", ("source", "region", "status")) == {
        ("forum-b", "62.71", "queued"): 1, ("forum-b", "62.71", "running"): 1}
    assert series(s, "pantau_exporter_up", ("backend",)) == {("postgresql",): 1, ("redis",): 1}


def test_runs_recorded_by_the_stores_are_counted_once_they_end(db: str, redis_db: str) -> None:
    with connect(db) as conn:
        runs, shards = RunStore(conn), ShardStore(conn)
        run = runs.create("forum-s", "62")
        runs.start(run, "task-s", "host", 1)
        runs.progress(run, pages=4, items=0, errors=0)
        shards.plan(run, [["u1"], ["u2"], ["u3"]])
        shards.finish(run, 0, "succeeded", reason=None, error_reasons=[],
                      counts={"pages": 5, "items": 50, "posts_new": 50})
        shards.start(run, 1, "task-s1", "host")
        s = scrape(db, redis_db)
        assert [x for x in s if x[0] == "pantau_pages_total"] == []  # nothing ended yet
        assert series(s, "pantau_runs_open", status="running") == {("forum-s", "62"): 1}
        assert series(s, "pantau_shards_open", ("status",), source="forum-s", region="62") == {
            ("queued",): 1, ("running",): 1}
        shards.finish(run, 1, "succeeded", reason=None, error_reasons=[],
                      counts={"pages": 6, "items": 60, "posts_new": 55, "posts_edited": 5})
        shards.start(run, 2, "task-s2", "host")
        shards.finish(run, 2, "failed", reason="no posts", counts={"pages": 1, "errors": 1},
                      error_reasons=[{"kind": "parse", "url": "u3", "message": "no posts"}])
    s = scrape(db, redis_db)
    assert series(s, "pantau_pages_total") == {("forum-s", "62"): 12}
    assert series(s, "pantau_posts_total", change="new") == {("forum-s", "62"): 105}
    assert series(s, "pantau_errors_total", kind="parse") == {("forum-s", "62"): 1}
    assert series(s, "pantau_runs_total", status="failed") == {("forum-s", "62"): 1}
    assert series(s, "pantau_consecutive_failed_runs") == {("forum-s", "62"): 1}
    assert [x for x in s if x[0] in ("pantau_runs_open", "pantau_shards_open")] == []
    assert series(s, "pantau_run_duration_seconds_count") == {("forum-s", "62"): 1}


def test_migration_back_fills_totals_of_earlier_runs(make_database: Callable[[], str]) -> None:
    url = make_database()
    upgrade(url, "0003")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO crawl_runs (source, region, status, pages, errors,"
                     " error_reasons, started_at, finished_at) VALUES ('old', '62', 'failed',"
                     " 3, 2, '[{\"kind\": \"http\"}]', now() - interval '70 s', now()),"
                     " ('old', '62', 'running', 9, 0, '[]', now(), NULL)")
    upgrade(url)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pages, errors_by_kind, runs_by_status, duration_buckets,"
                           " consecutive_failures FROM crawl_totals").fetchall()
    assert row == [(3, {"http": 1, "other": 1}, {"failed": 1},
                    [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 1)]


def test_queue_depths_come_from_the_broker(db: str, redis_db: str) -> None:
    from tests.workers import client_for

    client = client_for(db, redis_db)
    client.send_task("pantau.crawl_source", args=[{}], queue="crawl.62")
    client.send_task("pantau.crawl_source", args=[{}], queue="crawl.62", priority=5)
    client.send_task("pantau.crawl_source", args=[{}], queue="crawl.62")
    client.send_task("pantau.crawl_source", args=[{}], queue="browser.62.71")
    client.send_task("pantau.other", args=[], queue="maintenance")  # not a crawl queue
    import redis

    depth = QueueDepth(redis.Redis.from_url(redis_db), ["crawl.99"])
    assert depth.discover() == ["browser.62.71", "crawl.62"]
    with client.connection_for_write() as conn:
        queue = conn.SimpleQueue("crawl.62")
        queue.get(timeout=5)  # taken, not acknowledged
        assert depth.depths() == {"crawl.99": 0, "browser.62.71": 1, "crawl.62": 2}
        assert depth.unacked() == 1
        s = scrape(db, redis_db, region_queues(["62"]))
        assert series(s, "pantau_queue_messages", ("queue", "region")) == {
            ("crawl.default", ""): 0, ("browser.default", ""): 0, ("crawl.62", "62"): 2,
            ("browser.62", "62"): 0, ("browser.62.71", "62.71"): 1}
        assert series(s, "pantau_queue_unacked_messages", ()) == {(): 1}
        queue.close()
    client.close()


def test_a_backend_that_is_down_is_reported_not_raised(db: str, redis_db: str) -> None:
    s = scrape(f"postgresql://x@127.0.0.1:{closed_port()}/x", redis_db, ["crawl.62"])
    assert series(s, "pantau_exporter_up", ("backend",)) == {("postgresql",): 0, ("redis",): 1}
    assert series(s, "pantau_queue_messages", ("queue", "region")) == {("crawl.62", "62"): 0}
    assert [x for x in s if x[0] == "pantau_pages_total"] == []
    s = scrape(db, f"redis://127.0.0.1:{closed_port()}/0")
    assert series(s, "pantau_exporter_up", ("backend",)) == {("postgresql",): 1, ("redis",): 0}


def _get(url: str, auth: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url)
    if auth is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


@pytest.fixture
def serve(db: str, redis_db: str) -> Iterator[Callable[..., str]]:
    servers: list[Any] = []

    def start(host: str = "127.0.0.1", auth: str | None = None) -> str:
        server = make_metrics_server(build_registry(db, redis_db), host, 0, auth)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_endpoint_requires_basic_auth_when_configured(serve: Callable[..., str],
                                                      db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        insert_run(conn, "forum-a", "succeeded", pages=4)
    base = serve(auth="prometheus:s3cret")
    status, headers, _ = _get(f"{base}/metrics")
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="pantau metrics"'
    assert _get(f"{base}/metrics", "prometheus:wrong")[0] == 401
    assert _get(f"{base}/metrics", "prometheus")[0] == 401
    status, headers, body = _get(f"{base}/metrics", "prometheus:s3cret")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert 'pantau_pages_total{region="62",source="forum-a"} 4.0' in body
    assert _get(f"{base}/other", "prometheus:s3cret")[0] == 404


def test_loopback_is_open_and_anything_else_needs_a_password(serve: Callable[..., str]) -> None:
    status, _, body = _get(f"{serve('127.0.0.1')}/metrics")
    assert status == 200 and "pantau_exporter_up" in body
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        with pytest.raises(InsecureBind, match=f"on {host} without a password"):
            make_metrics_server(build_registry(None, None), host, 0, None)


def test_cli_refuses_a_public_address_without_auth_and_prints_once(db: str, redis_db: str,
                                                                   tmp_path: Any) -> None:
    env = {"PANTAU_DATABASE_URL": db, "PANTAU_REDIS_URL": redis_db,
           "PANTAU_STATE_DIR": str(tmp_path)}
    result = pantau("metrics", "--host", "0.0.0.0", env=unreachable(tmp_path))  # checked first
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: refusing to serve metrics on 0.0.0.0 without a password",
        "hint: set PANTAU_METRICS_BASIC_AUTH=user:password (Prometheus sends it as "
        "basic_auth), or listen on 127.0.0.1"]
    with psycopg.connect(db, autocommit=True) as conn:
        insert_run(conn, "forum-a", "failed", pages=2)
    result = pantau("metrics", "--once", env=env)
    assert result.returncode == 0, result.stderr
    assert 'pantau_consecutive_failed_runs{region="62",source="forum-a"} 1.0' in result.stdout
    assert 'pantau_queue_messages{queue="crawl.default",region=""} 0.0' in result.stdout
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = pantau("metrics", "--port", str(port), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: 127.0.0.1:{port} is already in use",
        "hint: choose another with --port or PANTAU_METRICS_PORT"]


def test_downgrade_removes_the_totals_and_upgrade_rebuilds_them(
        make_database: Callable[[], str]) -> None:
    import sqlalchemy as sa
    from alembic import command

    from crawler.storage.migrate import alembic_config, sqlalchemy_url

    url = make_database()
    upgrade(url, "0004")
    with psycopg.connect(url, autocommit=True) as conn:
        insert_run(conn, "forum-a", "succeeded", pages=5)
    engine = sa.create_engine(sqlalchemy_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('crawl_totals'), to_regclass('alerts_sent'),"
                            " to_regprocedure('pantau_crawl_totals()')").fetchone() == (
            None, None, None)
        insert_run(conn, "forum-a", "failed", pages=2)  # no trigger any more
    upgrade(url, "0004")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT pages, runs_by_status FROM crawl_totals").fetchall() == [
            (7, {"succeeded": 1, "failed": 1})]


def test_a_failing_totals_update_never_blocks_recording_a_run(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        insert_run(conn, "forum-a", "succeeded", pages=5)
        conn.execute("ALTER TABLE crawl_totals ADD CONSTRAINT small CHECK (pages < 10)")
        try:
            run = insert_run(conn, "forum-a", "running")
            RunStore(conn).finish(run, "succeeded", counts={"pages": 20})
            assert RunStore(conn).get(run)["status"] == "succeeded"  # type: ignore[index]
            assert conn.execute("SELECT pages, runs_by_status FROM crawl_totals").fetchall() == [
                (5, {"succeeded": 1})]
        finally:
            conn.execute("ALTER TABLE crawl_totals DROP CONSTRAINT small")
