"""Shared fixtures: an isolated PostgreSQL database and Redis db per test session; no internet."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from psycopg import sql

REAL_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"

# Every crawl the tests start targets a site on 127.0.0.1, which the SSRF guard refuses by
# default: allow loopback for this process and every process it starts (tests of the guard
# itself pass their own allowlist). tests/workers.py's FAST_ENV says the same for workers.
os.environ.setdefault("PANTAU_ALLOWED_NETWORKS", "127.0.0.0/8,::1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Benchmarks run only when asked for by marker (`-m benchmark`), whatever else -m says."""
    if "benchmark" in (config.getoption("markexpr") or ""):
        return
    kept = [item for item in items if item.get_closest_marker("benchmark") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _unavailable(what: str, err: Exception) -> None:
    """Skip locally when a service is missing; in CI a missing service is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not reachable in CI: {err}")
    pytest.skip(f"{what} is not reachable: {err}")


@pytest.fixture(scope="session")
def real_fixtures() -> Path:
    """../shared/fixtures/real, or skip where that folder is absent."""
    if not REAL_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures/real is absent")
    return REAL_FIXTURES


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A server where this session may create and drop its own databases."""
    import psycopg

    url = os.environ.get("PANTAU_DATABASE_URL", DEFAULT_PG)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as err:
        _unavailable("PostgreSQL", err)
    return url


@pytest.fixture(scope="session")
def make_database(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """Factory of fresh empty databases on the test server, all dropped at session end."""
    import psycopg

    created: list[str] = []

    def make() -> str:
        name = f"pantau_t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return urlsplit(pg_admin_url)._replace(path=f"/{name}").geturl()

    yield make
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@pytest.fixture(scope="session")
def migrated_database(make_database: Callable[[], str]) -> str:
    """One migrated database shared by the session (tests must not assume it is empty)."""
    from crawler.storage.migrate import upgrade

    url = make_database()
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def database(make_database: Callable[[], str]) -> str:
    """A migrated database of this test module's own (shared by its tests)."""
    from crawler.storage.migrate import upgrade

    url = make_database()
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def client(database: str, redis_url: str) -> Any:
    """A Celery client configured as pantau's app, for this module's database and Redis."""
    from tests.workers import client_for

    return client_for(database, redis_url)


@pytest.fixture
def fresh_migrated_database(make_database: Callable[[], str]) -> str:
    """A migrated database of this test's own."""
    from crawler.storage.migrate import upgrade

    url = make_database()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """An empty Redis logical database of this session's own, flushed at the end."""
    import redis

    base = os.environ.get("PANTAU_REDIS_URL", DEFAULT_REDIS).rsplit("/", 1)[0]
    try:
        client = redis.Redis.from_url(base + "/0", socket_connect_timeout=3)
        client.ping()
    except redis.RedisError as err:
        _unavailable("Redis", err)
    for db in random.sample(range(1, 16), 15):
        client = redis.Redis.from_url(f"{base}/{db}")
        if client.dbsize() == 0:
            break
    else:
        pytest.fail("no empty Redis logical database in 1..15 for this session")
    url = f"{base}/{db}"
    yield url
    client.flushdb()
