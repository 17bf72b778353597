"""``pantau status``: recent crawl runs per region and source, and each source's health.

Read from PostgreSQL (``crawl_runs``), so the history survives restarts of Flower and of
the workers. ``--json`` prints one object, ``{"health": [...], "runs": [...]}``, for scripts.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.services import connected_settings, require_schema
from crawler.i18n import Lang, cli_lang, text

console = Console(highlight=False)
STATUS_COLOUR = {"succeeded": "green", "running": "cyan", "queued": "cyan", "revoked": "yellow"}
HEALTH_COLOUR = {"ok": "green", "new": "cyan", "failing": "red", "never succeeded": "red"}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def ago(when: datetime | None, now: datetime | None = None, lang: Lang | None = None) -> str:
    """``45s ago``, ``12m ago``, ``3h ago``, ``2d ago``; ``never`` for None (in Indonesian
    ``45s lalu``, ``tidak pernah``); ``lang`` defaults to the command's."""
    lang = lang or cli_lang()
    if when is None:
        return text("never", lang)
    seconds = max(0, int(((now or datetime.now(UTC)) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return text("ago", lang, amount=f"{seconds // size}{unit}")
    return text("ago", lang, amount=f"{seconds}s")


def duration(seconds: float | None) -> str:
    """``42.0s``, ``12m05s``, ``2h03m``; ``-`` when the run has not started."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m{int(seconds % 60):02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def health_table(rows: list[dict[str, Any]]) -> Table:
    """One line per source: health, last run, last success, failure streak, last error."""
    lang = cli_lang()
    table = Table(*(text(f"col_{c}", lang) for c in (
        "region", "source", "health", "last_run", "last_success", "failures", "active",
        "last_error")), title=text("health_title", lang))
    for row in rows:
        state, last = row["health"], row["last_status"]
        error = row.get("last_error") or ""
        if error and row.get("last_error_at"):
            error = f"{ago(row['last_error_at'])}: {error}"
        table.add_row(
            row.get("region") or "-", row["source"],
            f"[{HEALTH_COLOUR.get(state, 'red')}]{state}[/]",
            f"[{STATUS_COLOUR.get(last, 'red')}]{last}[/] {ago(row.get('last_run_at'))}",
            ago(row.get("last_success_at")), str(row["consecutive_failures"]),
            str(row["active"]), error[:90],
        )
    return table


def runs_table(region: str, rows: list[dict[str, Any]]) -> Table:
    """The recent runs of one region, a section per source, newest first."""
    lang = cli_lang()
    table = Table(*(text(f"col_{c}", lang) for c in (
        "source", "run", "status", "pages", "posts", "new", "edited", "deleted", "errors",
        "started", "took", "reason")), title=text("runs_title", lang, region=region or "-"))
    previous = None
    for run in rows:
        if previous is not None and run["source"] != previous:
            table.add_section()
        state = run["status"]
        started = run.get("started_at") or run.get("queued_at")
        table.add_row(
            run["source"] if run["source"] != previous else "", str(run["id"]),
            f"[{STATUS_COLOUR.get(state, 'red')}]{state}[/]",
            *(str(run.get(k) or 0) for k in ("pages", "items", "posts_new", "posts_edited",
                                              "posts_deleted", "errors")),
            started.strftime("%Y-%m-%d %H:%M") if isinstance(started, datetime) else "-",
            duration(run.get("duration_seconds")) if state != "queued" else "-",
            (run.get("reason") or "")[:60],
        )
        previous = run["source"]
    return table


def status(
    limit: Annotated[int, typer.Option(min=1, help="Recent runs shown per source.")] = 5,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    region: Annotated[str | None, typer.Option(
        help="Only this region and its sub-regions, e.g. 62 (also 62.71).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object {health, runs} with every crawl_runs column.")] = False,
) -> None:
    """Recent crawl runs per region and source, and each source's health (from PostgreSQL).

    Health: last success, consecutive failures since it, the last error, and runs queued or
    running now. Flower forgets on restart; this history does not.
    """
    from crawler.storage.db import connect
    from crawler.storage.history import History

    url = connected_settings().database_url
    assert url is not None
    with connect(url) as conn:
        require_schema(conn)
        history = History(conn)
        health = history.health(source=source, region=region)
        runs = history.recent_runs(per_source=limit, source=source, region=region)
    if as_json:
        typer.echo(json.dumps({"health": health, "runs": runs}, default=_json_value, indent=2))
        return
    if not runs:
        console.print(text("no_runs_filtered" if source or region else "no_runs", cli_lang()))
        return
    console.print(health_table(health))
    for code in dict.fromkeys(run.get("region") or "" for run in runs):
        console.print(runs_table(code, [r for r in runs if (r.get("region") or "") == code]))
