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
        raise UserError(f"--since {value!r} is neither a date nor an age",
                        "use e.g. --since 2024-11-01, --since '2024-11-01 08:00+07:00' "
                        "or --since 7d") from None
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
        raise UserError(f"--region {region!r} is not a Kemendagri code",
                        "use e.g. --region 62 or --region 62.71")
    settings = connected_settings()
    assert settings.database_url is not None
    with connect(settings.database_url) as conn:
        require_schema(conn)
        row = conn.execute("SELECT to_regclass('post_minhash') IS NOT NULL").fetchone()
        if not row or not row[0]:
            raise UserError("the database has no enrichment tables yet",
                            "run `pantau db migrate`")
    options = EnrichOptions(rebuild=rebuild, region=region, since=parse_since(since),
                            batch_size=settings.enrich_batch_size,
                            threshold=settings.neardup_threshold,
                            min_words=settings.neardup_min_words)
    sources_file = _sources_file()
    total = pending_count(settings.database_url, options)
    columns = (TextColumn("enriching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("enrich", total=total)
        try:
            stats = enrich_stored(settings.database_url, options, sources_file,
                                  on_batch=lambda n: progress.advance(bar, n))
        except EnrichBusy as err:
            raise UserError(str(err), "wait for it to finish, then run this again",
                            code=1) from None
    if sources_file is None:
        console.print("[yellow]no PANTAU_CONFIG: posts were enriched without watchlists[/]")
    console.print(f"{stats.posts} posts enriched, {stats.flagged} flagged by watchlists, "
                  f"{stats.signatures} texts compared, {len(stats.clusters)} near-duplicate "
                  "clusters changed")


def purge_raw(
    days: Annotated[int | None, typer.Option(
        min=1, help="Retention in days (default PANTAU_RAW_RETENTION_DAYS).")] = None,
) -> None:
    """Remove the raw markup of posts first seen longer ago than the retention period."""
    from crawler.storage.db import connect
    from crawler.storage.enrichment import purge_raw as purge

    settings = connected_settings()
    assert settings.database_url is not None
    keep = days if days is not None else settings.raw_retention_days
    if keep == 0:
        console.print("PANTAU_RAW_RETENTION_DAYS is 0: raw markup is kept forever")
        return
    before = datetime.now(UTC) - timedelta(days=keep)
    with connect(settings.database_url, autocommit=True) as conn:
        require_schema(conn)
        purged = purge(conn, before)
    console.print(f"raw markup removed from {purged} posts first seen before "
                  f"{before:%Y-%m-%d %H:%M} UTC")
