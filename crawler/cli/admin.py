"""Administrative commands: ``db migrate``, ``sources validate``, ``services``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.services import connected_settings
from crawler.config.settings import get_settings
from crawler.config.sources import load_sources
from crawler.i18n import say

console = Console(highlight=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
sources_app = typer.Typer(help="The sources file.", no_args_is_help=True)
services_app = typer.Typer(help="Embedded PostgreSQL and Redis under the state directory.",
                           no_args_is_help=True)


# A callback keeps a group with one command a group (`pantau db migrate`, not `pantau db`).
@db_app.callback()
def _db() -> None:
    """Database schema."""


@sources_app.callback()
def _sources() -> None:
    """The sources file."""


@db_app.command("migrate")
def migrate() -> None:
    """Create or upgrade pantau's tables (safe to run from several machines at once)."""
    from crawler.storage.migrate import current, upgrade

    url = connected_settings().database_url
    assert url is not None
    upgrade(url)
    console.print(say("db_revision", revision=current(url)))


@sources_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="The sources YAML file.")]) -> None:
    """Check a sources file; print its regions and sources, or the first mistake."""
    parsed = load_sources(file)
    table = Table(*(say(f"col_{c}") for c in ("region", "source", "kind", "engine", "url",
                                                 "authors")), title=str(file))
    for source in parsed.sources():
        table.add_row(source.region, source.name, source.kind, source.engine or "-",
                      str(source.url), source.authors)
    console.print(table)
    for source in parsed.sources():  # per-source terms (crawler/config/terms.py)
        if source.terms_block is not None:
            console.print(say("terms_blocked", source=source.name, reason=source.terms_block))
        elif source.terms_override is not None:
            console.print(say("terms_overridden", source=source.name, terms=source.terms,
                              override=source.terms_override.describe()))
    console.print(say("validate_ok", regions=len(parsed.regions),
                      sources=len(parsed.sources())))


@services_app.command("status")
def services_status() -> None:
    """Show whether the embedded servers of the state directory run, and their URLs."""
    from crawler.embedded import EmbeddedPostgres, EmbeddedRedis

    state = get_settings().state_dir
    for name, service in (("PostgreSQL", EmbeddedPostgres(state)), ("Redis", EmbeddedRedis(state))):
        running = service.is_running()
        where = service.url if running else "-"
        state_text = f"[green]{say('running')}[/]" if running else say("stopped")
        console.print(f"{name}: {state_text} {where}")


@services_app.command("stop")
def services_stop() -> None:
    """Stop the embedded servers of the state directory."""
    from crawler.embedded import EmbeddedPostgres, EmbeddedRedis

    state = get_settings().state_dir
    EmbeddedRedis(state).stop()
    EmbeddedPostgres(state).stop()
    console.print(say("services_stopped", state=state))
