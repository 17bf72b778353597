"""Alembic environment: runs on the connection handed over by crawler.storage.migrate."""

from __future__ import annotations

from alembic import context

config = context.config


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade --sql``) without a server."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on the caller's connection, inside the caller's transaction (advisory-locked)."""
    connection = config.attributes["connection"]
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
