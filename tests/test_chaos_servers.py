"""Chaos, server faults: Redis and PostgreSQL restarted in the middle of a real crawl.

A real `pantau worker` crawls the demo forum (1,578 posts in 66 threads, each page held a
little by the server so that the crawl lasts some seconds). After N requests the forum has
served, the test stops a private server of its own (Redis with append-only persistence, as
production runs it; or a private PostgreSQL cluster), waits, and starts it again on the same
port with the same data. The crawl must end as if nothing happened: the run row finalized
'succeeded', the stored posts equal to the forum's ground truth, none lost, none doubled.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
import redis
from psycopg.rows import dict_row

from crawler.demosite import build_forum
from crawler.embedded import EmbeddedPostgres
from crawler.embedded._common import free_port
from crawler.storage.db import DatabaseUnavailable, connect
from crawler.storage.migrate import upgrade
from crawler.storage.retry import is_transient, retry_transient
from crawler.storage.runs import RunStore
from tests.sitelog import LoggedForumServer
from tests.test_crawl_task import source, stored, truth
from tests.workers import client_for, running_worker, worker_env

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

HOLD = 0.25  # seconds the forum takes for each page: the crawl outlasts the outage
FAULT_AFTER = 70  # requests served before the fault (of 202 in the whole crawl)
DOWN_SECONDS = 3.0  # how long the server stays down


# ---- the private servers ------------------------------------------------------------------


class AofRedis:
    """A private redis-server on a free loopback port, append-only with fsync at every write."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        home.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--dir", str(self.home), "--appendonly", "yes", "--appendfsync", "always",
                   "--save", "", "--logfile", str(self.home / "redis.log")]
        self.proc = subprocess.Popen(command, cwd=self.home, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {self.log_tail()}")
            time.sleep(0.05)
        client.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the server and reap it (SIGKILL: a crash; nothing is flushed at exit)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self) -> str:
        path = self.home / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[AofRedis]:
    server = AofRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[tuple[EmbeddedPostgres, str]]:
    """A PostgreSQL cluster of this test's own (run as an unprivileged user when root), migrated."""
    state = tmp_path / "pg-state"
    server = EmbeddedPostgres(state, port=free_port(), binaries="system")
    try:
        url = server.start()
        upgrade(url)
        yield server, url
    finally:
        server.stop()


# ---- the crawl ----------------------------------------------------------------------------


@pytest.fixture
def forum() -> Iterator[LoggedForumServer]:
    with LoggedForumServer(build_forum(seed=62), hold=lambda _path: HOLD) as server:
        yield server


def _source(server: LoggedForumServer, name: str) -> dict[str, Any]:
    return source(name, server.url, politeness={"download_delay": 0, "concurrent_requests": 4})


def _patiently(action: Callable[[], Any], timeout: float = 60) -> Any:
    """``action()``, tried again while the database is unreachable (it is being restarted)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _create_run(database: str, name: str) -> int:
    with psycopg.connect(database) as conn:
        return RunStore(conn).create(name, "62")


def _run_row(database: str, run_id: int) -> dict[str, Any]:
    with psycopg.connect(database, row_factory=dict_row, connect_timeout=3) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE id = %s", [run_id]).fetchone()
    assert row is not None
    return row


def _wait_run(database: str, run_id: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = _patiently(lambda: _run_row(database, run_id))
        if run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish within {timeout}s")


def _wait_requests(server: LoggedForumServer, count: int, timeout: float = 90) -> float:
    """Wait until the forum served ``count`` requests; the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while len(server.request_log) < count:
        assert time.monotonic() < deadline, f"only {len(server.request_log)} requests served"
        time.sleep(0.02)
    return time.monotonic()


def _losses(database: str, name: str, server: LoggedForumServer) -> tuple[int, int]:
    """(posts lost, duplicate rows) of source ``name`` against the forum's ground truth."""
    expected = truth(server)
    got = stored(database, name)
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT (site, native_id)) FROM posts"
                           " WHERE source = %s", [name]).fetchone()
    assert row is not None
    assert not got - expected, f"{len(got - expected)} stored posts differ from the forum's"
    return len(expected - got), row[0] - row[1]


def _report(record_property: Callable[[str, object], None], **measured: object) -> None:
    for name, value in measured.items():
        record_property(name, value)
    print("measured:", ", ".join(f"{k}={v}" for k, v in measured.items()))


def _pending_messages(url: str, timeout: float) -> int:
    """Messages still queued or delivered-but-unacknowledged in the broker, once the worker
    had ``timeout`` seconds to acknowledge the task that ended (kombu's Redis transport)."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while True:
        count = int(client.hlen("unacked")) + int(client.llen("crawl.62"))
        if not count or time.monotonic() > deadline:
            client.close()
            return count
        time.sleep(0.2)


# ---- Redis --------------------------------------------------------------------------------


def test_redis_killed_and_restarted_mid_crawl(
        fresh_migrated_database: str, aof_redis: AofRedis, forum: LoggedForumServer,
        tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    database = fresh_migrated_database
    client = client_for(database, aof_redis.url)
    env = worker_env(database, aof_redis.url, tmp_path)
    name = "chaos-redis"
    with running_worker(env, tmp_path / "worker.log", client, "--concurrency", "1"):
        run_id = _create_run(database, name)
        client.send_task("pantau.crawl_source", args=[_source(forum, name), run_id],
                         queue="crawl.62")
        _wait_requests(forum, FAULT_AFTER)
        old_pid = aof_redis.pid
        served_at_kill = len(forum.request_log)
        aof_redis.kill(signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(DOWN_SECONDS)
        aof_redis.start()
        restarted_at = time.monotonic()
        run = _wait_run(database, run_id, timeout=150)
        pending = _pending_messages(aof_redis.url, timeout=10)
    hits = forum.log()
    after = [h for h in hits if h.start > restarted_at]
    lost, doubled = _losses(database, name, forum)
    _report(record_property, requests_total=len(hits), fault_after=served_at_kill,
            messages_pending=pending,
            requests_after_restart=len(after), redis_pid_old=old_pid,
            redis_pid_new=aof_redis.pid, down_seconds=round(restarted_at - killed_at, 1),
            run_status=run["status"], posts_new=run["posts_new"], posts_lost=lost,
            duplicates=doubled)
    assert aof_redis.pid != old_pid, "Redis was not restarted"
    assert (aof_redis.home / "appendonlydir").is_dir(), "Redis kept no append-only file"
    assert after, "no request after the restart: the fault did not land mid-crawl"
    assert run["status"] == "succeeded", run
    assert pending == 0, "the task was not acknowledged: it would be delivered again"
    assert (lost, doubled) == (0, 0)
    assert run["posts_new"] + run["posts_unchanged"] >= len(forum.forum.truth())


# ---- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.parametrize("writer_process", ["false", "true"], ids=["writer-thread",
                                                                    "writer-process"])
def test_postgres_restarted_mid_crawl(
        private_postgres: tuple[EmbeddedPostgres, str], redis_url: str,
        forum: LoggedForumServer, writer_process: str, tmp_path: Path,
        record_property: Callable[[str, object], None]) -> None:
    server, database = private_postgres
    client = client_for(database, redis_url)
    env = worker_env(database, redis_url, tmp_path, PANTAU_WRITER_PROCESS=writer_process,
                     PANTAU_WRITER_BATCH_SIZE="50")
    name = f"chaos-pg-{writer_process}"
    with running_worker(env, tmp_path / "worker.log", client, "--concurrency", "1"):
        run_id = _create_run(database, name)
        client.send_task("pantau.crawl_source", args=[_source(forum, name), run_id],
                         queue="crawl.62")
        _wait_requests(forum, FAULT_AFTER)
        old_pid = _postmaster_pid(server)
        served_at_stop = len(forum.request_log)
        stopped_at = time.monotonic()
        server.stop()  # a fast shutdown: open sessions are terminated, as `pg_ctl -m fast`
        time.sleep(DOWN_SECONDS)
        EmbeddedPostgres(server.home.parent, port=_port(database), binaries="system").start()
        restarted_at = time.monotonic()
        run = _wait_run(database, run_id, timeout=150)
    hits = forum.log()
    after = [h for h in hits if h.start > restarted_at]
    lost, doubled = _losses(database, name, forum)
    new_pid = _postmaster_pid(server)
    _report(record_property, requests_total=len(hits), fault_after=served_at_stop,
            requests_after_restart=len(after), postgres_pid_old=old_pid,
            postgres_pid_new=new_pid, down_seconds=round(restarted_at - stopped_at, 1),
            run_status=run["status"], posts_new=run["posts_new"],
            posts_unchanged=run["posts_unchanged"], errors=run["errors"], posts_lost=lost,
            duplicates=doubled)
    assert new_pid != old_pid, "PostgreSQL was not restarted"
    assert after, "no request after the restart: the fault did not land mid-crawl"
    assert run["status"] == "succeeded", run
    assert run["errors"] == 0, run["error_reasons"]
    assert run["finished_at"] is not None
    assert (lost, doubled) == (0, 0)
    assert run["posts_new"] + run["posts_unchanged"] >= len(forum.forum.truth())


def test_only_connection_level_errors_are_retried(
        fresh_migrated_database: str, caplog: pytest.LogCaptureFixture) -> None:
    """A session terminated by the server (57P01, as in a restart) is retried on a new
    connection; an error of the data (a unique violation) is raised at once, tried once."""
    database = fresh_migrated_database
    conn = connect(database, autocommit=True)
    held = [conn]
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])

    def reconnect() -> None:
        held[0].close()
        held.append(connect(database, autocommit=True))
        held[0] = held[-1]

    with caplog.at_level("WARNING", logger="crawler.storage.retry"):
        value = retry_transient(lambda: held[0].execute("SELECT 41 + 1").fetchone(),
                                what="test", recover=reconnect, sleep=lambda _s: None)
    assert value == (42,) and len(held) == 2, "retried once, on a new connection"
    assert "the database went away" in caplog.text

    calls = []

    def duplicate() -> None:
        calls.append(1)
        held[0].execute("INSERT INTO crawl_runs (id, source) VALUES (-1, 'x'), (-1, 'x')")

    with pytest.raises(psycopg.errors.UniqueViolation):
        retry_transient(duplicate, what="test", recover=reconnect, sleep=lambda _s: None)
    assert calls == [1]
    held[0].close()
    refused = DatabaseUnavailable("postgresql://127.0.0.1:1/x", "connection refused")
    assert is_transient(refused) and not is_transient(ValueError("x"))


def _postmaster_pid(server: EmbeddedPostgres) -> int:
    process = server._process()
    assert process is not None, "PostgreSQL is not running"
    return int(process.pid)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def test_no_private_server_outlives_its_test(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The fixtures' finalizers stopped every server the tests above started (pass or fail)."""
    base = str(tmp_path_factory.getbasetemp())
    mine = []
    for proc in psutil.process_iter(["name", "cwd"]):
        if proc.info["name"] in ("redis-server", "postgres") and \
                str(proc.info["cwd"] or "").startswith(base):
            mine.append((proc.pid, proc.info))
    assert not mine
