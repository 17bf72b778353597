"""Schema migrations with Alembic, driven from code: ``upgrade(url)`` and ``current(url)``.

Accepts plain libpq URLs (``postgresql://...``) or keyword/value DSNs; SQLAlchemy talks to the
server through psycopg 3 (``postgresql+psycopg``). Concurrent upgrades are serialized by a
transaction-scoped advisory lock, and the whole upgrade is one transaction (PostgreSQL has
transactional DDL), so a second process waits and then finds nothing to do.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.pool import NullPool

from crawler.storage.db import connect

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key: "pantau migrations" as a stable 64-bit number
MIGRATION_LOCK_KEY = 0x70616E7461754D67


def sqlalchemy_url(database_url: str) -> str:
    """``postgresql://`` (or ``postgres://``) URL in SQLAlchemy's psycopg 3 dialect form."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return "postgresql+psycopg://"  # a keyword/value DSN: the engine's creator connects


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic configuration built in code (no alembic.ini) pointing into this package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        # '%' is ConfigParser interpolation syntax; URL-encoded passwords contain it
        cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return cfg


def _engine(database_url: str) -> sa.Engine:
    """An engine whose connections come from :func:`crawler.storage.db.connect`."""

    def creator() -> psycopg.Connection[object]:
        return connect(database_url)

    return sa.create_engine(sqlalchemy_url(database_url), creator=creator, poolclass=NullPool)


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database to ``revision``; idempotent and safe to run from many processes."""
    engine = _engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def current(database_url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine = _engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
