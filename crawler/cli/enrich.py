"""`pantau enrich` and `pantau purge-raw`: work on stored posts, never crawling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.cli.errors import UserError
from crawler.cli.services import connected_settings, require_schema
from crawler.config.settings import get_settings
from crawler.config.sources import REGION_CODE, SourcesFile, load_sources
from crawler.i18n import say

console = Console(highlight=False)
_AGO = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``--since``: a date (2024-11-01), a date and time with or without offset (read as
    UTC without), or an age (36h, 7d, 2w)."""
    if value is None:
        return None
    if match := _AGO.match(value):
        return (now or datetime.now(UTC)) - int(match.group(1)) * _UNITS[match.group(2)]
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UserError(say("bad_time", option="--since", value=value),
                        say("bad_time_hint", option="--since")) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sources_file() -> SourcesFile | None:
    path = get_settings().config
    return load_sources(path) if path is not None else None


def enrich(
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Every selected post, not only those written since the last run "
        "(after a watchlist change).")] = False,
    region: Annotated[str | None, typer.Option(
        help="Only posts of this region (Kemendagri code), by source or by mention.")] = None,
    since: Annotated[str | None, typer.Option(
        help="Only posts published (else first seen) since: 2024-11-01, or an age: 7d.")
    ] = None,
) -> None:
    """Enrich stored posts (language, regions, watchlist flags) and cluster near-duplicates."""
    from crawler.enrich.stored import EnrichBusy, EnrichOptions, enrich_stored, pending_count
    from crawler.storage.db import connect

    if region is not None and not REGION_CODE.match(region):
        raise UserError(say("bad_region", value=region), say("bad_region_hint"))
    settings = connected_settings()
    assert settings.database_url is not None
    with connect(settings.database_url) as conn:
        require_schema(conn)
        row = conn.execute("SELECT to_regclass('post_minhash') IS NOT NULL").fetchone()
        if not row or not row[0]:
            raise UserError(say("no_enrich_tables"), say("migrate_hint"))
    options = EnrichOptions(rebuild=rebuild, region=region, since=parse_since(since),
                            batch_size=settings.enrich_batch_size,
                            threshold=settings.neardup_threshold,
                            min_words=settings.neardup_min_words)
    sources_file = _sources_file()
    total = pending_count(settings.database_url, options)
    columns = (TextColumn(say("enriching")), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(say("enriching"), total=total)
        try:
            stats = enrich_stored(settings.database_url, options, sources_file,
                                  on_batch=lambda n: progress.advance(bar, n))
        except EnrichBusy:
            raise UserError(say("enrich_busy"), say("enrich_busy_hint"), code=1) from None
    if sources_file is None:
        console.print(say("enrich_no_config"))
    console.print(say("enrich_done", posts=stats.posts, flagged=stats.flagged,
                      signatures=stats.signatures, clusters=len(stats.clusters)))


def purge_raw(
    days: Annotated[int | None, typer.Option(
        min=1, help="Retention in days (default PANTAU_RAW_RETENTION_DAYS).")] = None,
) -> None:
    """Remove the raw markup of posts first seen longer ago than the retention period."""
    from crawler.storage.db import connect
    from crawler.storage.enrichment import PurgeBusy, purge_raw_exclusive

    settings = connected_settings()
    assert settings.database_url is not None
    keep = days if days is not None else settings.raw_retention_days
    if keep == 0:
        console.print(say("purge_kept"))
        return
    before = datetime.now(UTC) - timedelta(days=keep)
    with connect(settings.database_url, autocommit=True) as conn:
        require_schema(conn)
        try:
            purged = purge_raw_exclusive(conn, before)
        except PurgeBusy:
            raise UserError(say("purge_busy"), say("enrich_busy_hint"), code=1) from None
    console.print(say("purge_done", posts=purged, before=f"{before:%Y-%m-%d %H:%M}"))
