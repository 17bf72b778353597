"""Where the CLI's PostgreSQL and Redis come from: the environment, or embedded servers."""

from __future__ import annotations

import os
from typing import Any

from crawler.cli.errors import err_console
from crawler.config.settings import Settings, get_settings
from crawler.i18n import say


def connected_settings() -> Settings:
    """Settings whose database and Redis URLs are set (see :func:`connect_services`)."""
    return connect_services()[0]


def connect_services() -> tuple[Settings, list[Any]]:
    """Settings whose database and Redis URLs are set, and the embedded servers started here.

    URLs from ``PANTAU_DATABASE_URL``/``PANTAU_REDIS_URL`` win. For whatever is unset, the
    embedded server under the state directory is used, started when it does not run yet; its
    URL is put into this process's environment, so Celery, worker processes and spiders
    started from here read the same settings. Servers started here keep running unless the
    caller stops them (``pantau demo`` does; ``pantau services stop`` does later).
    """
    settings = get_settings()
    if settings.database_url and settings.redis_url:
        return settings, []
    from crawler.embedded import EmbeddedPostgres, EmbeddedRedis

    state = settings.state_dir
    state.mkdir(parents=True, exist_ok=True)
    started: list[Any] = []
    for field, cls, name in (("database_url", EmbeddedPostgres, "PostgreSQL"),
                             ("redis_url", EmbeddedRedis, "Redis")):
        if getattr(settings, field):
            continue
        service = cls(state)
        if not service.is_running():
            err_console.print(say("starting_embedded", name=name, state=state))
            started.append(service)
        os.environ[f"PANTAU_{field.upper()}"] = service.start()
    get_settings.cache_clear()
    return get_settings(), started


def require_schema(conn: Any) -> None:
    """A clear error when the database has no pantau tables yet."""
    from crawler.cli.errors import UserError

    row = conn.execute("SELECT to_regclass('crawl_runs') IS NOT NULL").fetchone()
    if not row or not row[0]:
        raise UserError(say("no_tables"), say("migrate_hint"))
