"""Where the CLI's PostgreSQL and Redis come from: the environment, or embedded servers."""

from __future__ import annotations

import os
from typing import Any

from crawler.cli.errors import err_console
from crawler.config.settings import Settings, get_settings


def connected_settings(*, start: bool = True) -> Settings:
    """Settings whose database and Redis URLs are set.

    URLs from ``PANTAU_DATABASE_URL``/``PANTAU_REDIS_URL`` win. For whatever is unset, the
    embedded server under the state directory is used (and started when ``start``); its URL
    is put into this process's environment, so Celery, worker processes and spiders started
    from here read the same settings.
    """
    settings = get_settings()
    if settings.database_url and settings.redis_url:
        return settings
    from crawler.embedded import EmbeddedPostgres, EmbeddedRedis

    state = settings.state_dir
    state.mkdir(parents=True, exist_ok=True)
    if not settings.database_url:
        pg = EmbeddedPostgres(state)
        if not pg.is_running():
            if not start:
                raise RuntimeError("embedded PostgreSQL is not running")
            err_console.print(f"[dim]starting embedded PostgreSQL in {state}[/]")
        os.environ["PANTAU_DATABASE_URL"] = pg.start()
    if not settings.redis_url:
        rd = EmbeddedRedis(state)
        if not rd.is_running():
            if not start:
                raise RuntimeError("embedded Redis is not running")
            err_console.print(f"[dim]starting embedded Redis in {state}[/]")
        os.environ["PANTAU_REDIS_URL"] = rd.start()
    get_settings.cache_clear()
    return get_settings()


def require_schema(conn: Any) -> None:
    """A clear error when the database has no pantau tables yet."""
    from crawler.cli.errors import UserError

    row = conn.execute("SELECT to_regclass('crawl_runs') IS NOT NULL").fetchone()
    if not row or not row[0]:
        raise UserError("the database has no pantau tables yet", "run `pantau db migrate`")
