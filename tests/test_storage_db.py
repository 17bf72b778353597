"""Connections, pools and the unreachable-server error."""

from __future__ import annotations

import socket

import pytest

from crawler.storage.db import DatabaseUnavailable, connect, make_pool, redact_url


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:s3cr%40t@db:5433/x", "postgresql://u:***@db:5433/x"),
        ("postgresql://u@db/x?password=hunter2&sslmode=require",
         "postgresql://u@db/x?password=***&sslmode=require"),
        ("host=db password='a b' dbname=x", "host=db password=*** dbname=x"),
        ("host=db password=hunter2 dbname=x", "host=db password=*** dbname=x"),
        ("postgresql://u@db/x", "postgresql://u@db/x"),
    ],
)  # fmt: skip
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_connect_to_closed_port_names_target_without_password() -> None:
    port = closed_port()
    url = f"postgresql://postgres:hunter2@127.0.0.1:{port}/pantau"
    with pytest.raises(DatabaseUnavailable) as info:
        connect(url, connect_timeout=2)
    message = str(info.value)
    assert f"127.0.0.1:{port}/pantau" in message
    assert "hunter2" not in message
    assert "hunter2" not in info.value.url
    assert info.value.reason


def test_make_pool_on_closed_port_raises() -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{closed_port()}/pantau"
    with pytest.raises(DatabaseUnavailable, match="unavailable") as info:
        make_pool(url, connect_timeout=2)
    assert "hunter2" not in str(info.value)


def test_pool_connects_and_checks(migrated_database: str) -> None:
    pool = make_pool(migrated_database, min_size=1, max_size=2)
    try:
        with pool.connection() as conn:
            row = conn.execute("SELECT 1").fetchone()
        assert row == (1,)
    finally:
        pool.close()
