"""Alembic migrations: head reached, idempotent, safe when two processes upgrade at once."""

from __future__ import annotations

import multiprocessing
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from crawler.storage.db import DatabaseUnavailable
from crawler.storage.migrate import alembic_config, current, head, sqlalchemy_url, upgrade

TABLES = {"sources", "crawl_runs", "crawl_shards", "threads", "posts", "post_versions",
          "crawl_totals", "alerts_sent", "near_duplicate_clusters", "post_minhash",
          "post_minhash_bands", "analyst_regions", "export_audit", "alembic_version"}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def test_sqlalchemy_url() -> None:
    assert sqlalchemy_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert sqlalchemy_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert sqlalchemy_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_config_points_into_package() -> None:
    location = alembic_config().get_main_option("script_location")
    assert location is not None
    assert location.endswith("crawler/storage/migrations")


def test_upgrade_is_idempotent(make_database: Callable[[], str]) -> None:
    url = make_database()
    assert current(url) is None
    upgrade(url)
    assert current(url) == head() == "0007"
    upgrade(url)
    assert current(url) == head()
    assert tables(url) == TABLES


def test_concurrent_upgrades_in_threads(make_database: Callable[[], str]) -> None:
    url = make_database()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: upgrade(url), range(4)))
    assert current(url) == head()
    assert tables(url) == TABLES


def test_concurrent_upgrades_in_processes(make_database: Callable[[], str]) -> None:
    url = make_database()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=upgrade, args=(url,)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0, 0, 0]
    assert current(url) == head()
    assert tables(url) == TABLES


def test_upgrade_on_unreachable_server_raises_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DatabaseUnavailable, match=f"127.0.0.1:{port}/x"):
        upgrade(f"postgresql://postgres:hunter2@127.0.0.1:{port}/x")
