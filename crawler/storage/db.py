"""Connections and pools to PostgreSQL, with one clear error when the server cannot be reached."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

CONNECT_TIMEOUT = 5  # seconds; libpq's connect_timeout for every new connection

_URL_PASSWORD = re.compile(
    r"^(?P<head>[a-z][a-z0-9+.-]*://[^:/@?#]*:)(?P<pw>[^@]*)(?P<tail>@)", re.IGNORECASE
)
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&#]*)", re.I)


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be reached (refused, timed out, unknown host, auth or missing db).

    ``url`` is already redacted; the message names host:port/dbname so an operator knows
    which server to look at, and never contains the password.
    """

    def __init__(self, url_redacted: str, reason: str) -> None:
        self.url = url_redacted
        self.reason = reason
        super().__init__(f"PostgreSQL at {describe_target(url_redacted)} is unavailable: {reason}")


def redact_url(url: str) -> str:
    """The URL or keyword/value DSN with any password replaced by ``***``."""
    if "://" in url:
        url = _URL_PASSWORD.sub(r"\g<head>***\g<tail>", url)
        return _QUERY_PASSWORD.sub(r"\g<head>***", url)
    return _KV_PASSWORD.sub(r"\g<head>***", url)


def describe_target(url: str) -> str:
    """``host:port/dbname`` of a libpq URL or DSN (defaults filled in), for messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return redact_url(url)
    host = params.get("host") or params.get("hostaddr") or "localhost"
    port = params.get("port") or 5432
    dbname = params.get("dbname") or params.get("user") or "postgres"
    return f"{host}:{port}/{dbname}"


def _reason(err: Exception, url: str) -> str:
    """First meaningful line of a driver error, scrubbed of the password just in case."""
    text = " ".join(str(err).split()) or type(err).__name__
    password = _password_of(url)
    if password:
        text = text.replace(password, "***")
    return text


def _password_of(url: str) -> str | None:
    try:
        password = conninfo_to_dict(url).get("password")
    except psycopg.ProgrammingError:
        return None
    return str(password) if password else None


def connect(url: str, *, autocommit: bool = False, **kwargs: Any) -> psycopg.Connection[Any]:
    """Open one connection; raise :class:`DatabaseUnavailable` when the server can't be reached."""
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
    try:
        return psycopg.connect(url, autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as err:
        raise DatabaseUnavailable(redact_url(url), _reason(err, url)) from err


def make_pool(
    url: str,
    min_size: int = 1,
    max_size: int = 4,
    *,
    timeout: float = 30.0,
    connect_timeout: int = CONNECT_TIMEOUT,
) -> ConnectionPool:
    """An open pool whose connections are checked before being handed out.

    Probes the server once first so an unreachable server fails fast with
    :class:`DatabaseUnavailable` instead of a pool timeout.
    """
    connect(url, connect_timeout=connect_timeout).close()
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"connect_timeout": connect_timeout},
        timeout=timeout,
        check=ConnectionPool.check_connection,
        name="pantau",
        open=False,
    )
    try:
        pool.open(wait=True, timeout=max(float(connect_timeout), 1.0) * 2)
    except PoolTimeout as err:
        pool.close()
        raise DatabaseUnavailable(redact_url(url), f"pool did not connect: {err}") from err
    return pool
