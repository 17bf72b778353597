"""``pantau beat`` and ``pantau schedule list|sync``: when sources are crawled."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.errors import UserError, err_console
from crawler.config.settings import get_settings
from crawler.config.sources import load_sources
from crawler.schedule.plans import SourcePlan, scheduled_plans, source_plans

console = Console(highlight=False)
schedule_app = typer.Typer(help="Schedules from the sources file.", no_args_is_help=True)
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Sources file (default PANTAU_CONFIG).")]


def sources_path(config: Path | None) -> Path:
    """The sources file to schedule from, or a one-line error."""
    path = config or get_settings().config
    if path is None:
        raise UserError("no sources file to schedule from", "pass --config FILE or set "
                        "PANTAU_CONFIG")
    return Path(path)


def connect_redis() -> str:
    """The Redis URL (PANTAU_REDIS_URL, else the embedded Redis, started if needed)."""
    settings = get_settings()
    if settings.redis_url:
        return settings.redis_url
    from crawler.embedded import EmbeddedRedis

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedRedis(settings.state_dir)
    if not server.is_running():
        err_console.print(f"[dim]starting embedded Redis in {settings.state_dir}[/]")
    os.environ["PANTAU_REDIS_URL"] = server.start()
    get_settings.cache_clear()
    return os.environ["PANTAU_REDIS_URL"]


def _require_redis(app: Any) -> Any:
    """redbeat's Redis client for ``app``, after one ping (a one-line error otherwise)."""
    import redis
    from redbeat.schedulers import get_redis

    from crawler.storage.db import redact_url

    client = get_redis(app)
    try:
        client.ping()
    except redis.RedisError as err:
        raise UserError(f"cannot reach Redis at {redact_url(app.conf.broker_url)}: {err}",
                        "is Redis running? check PANTAU_REDIS_URL", code=1) from err
    return client


def beat(
    ctx: typer.Context,
    config: ConfigOption = None,
    loglevel: Annotated[str | None, typer.Option(
        help="Beat log level (default PANTAU_LOG_LEVEL).")] = None,
) -> None:
    """Start the scheduler: it sends each scheduled source's crawls at their slots.

    Run one per cluster, or two for fail-over (a lock in Redis lets one send). SIGHUP or a
    changed sources file reloads the schedule. Extra arguments after ``--`` go to
    ``celery beat``.
    """
    path = sources_path(config)
    plans = scheduled_plans(load_sources(path))  # a mistake in the file stops here
    connect_redis()
    os.environ["PANTAU_CONFIG"] = str(path.resolve())
    get_settings.cache_clear()
    from tasks.app import app
    from tasks.beat import install_reload_signal

    _require_redis(app)
    install_reload_signal()
    console.print(f"beat: {len(plans)} scheduled sources in {path}; a changed file or SIGHUP "
                  "reloads it")
    app.start(["beat", "--scheduler", "tasks.beat:PantauScheduler",
               "--loglevel", loglevel or get_settings().log_level, *ctx.args])


@schedule_app.command("sync")
def sync(config: ConfigOption = None) -> None:
    """Write the schedule of the sources file into Redis now (the beat also does it)."""
    path = sources_path(config)
    parsed = load_sources(path)
    connect_redis()
    from tasks.app import app
    from tasks.beat_entries import sync_schedule

    _require_redis(app)
    report = sync_schedule(app, parsed)
    for label, names in (("added", report.added), ("changed", report.changed),
                         ("removed", report.removed)):
        if names:
            console.print(f"{label}: {', '.join(names)}")
    console.print(f"[green]synced[/] {path}: {report.summary()}")


def describe(plan: SourcePlan, moment: datetime, count: int) -> dict[str, Any]:
    """One source's schedule as plain data: rule, windows, next runs (local ISO times)."""
    zone = ZoneInfo(plan.zone)
    table = plan.timetable
    if table is None:
        why = ("disabled" if not plan.source.enabled else
               "manual" if plan.source.schedule is not None and plan.source.schedule.manual
               else "no schedule")
        return {"source": plan.source.name, "region": plan.source.region, "zone": plan.zone,
                "rule": why, "windows": [], "next_runs": [], "window": None,
                "window_until": None}
    active = table.window_at(moment)
    return {
        "source": plan.source.name, "region": plan.source.region, "zone": plan.zone,
        "rule": table.describe(),
        "windows": [{"name": w.name, "rule": w.rule.describe(),
                     "start": w.start.astimezone(zone).isoformat(),
                     "end": w.end.astimezone(zone).isoformat()} for w in table.windows],
        "next_runs": [t.astimezone(zone).isoformat() for t in table.upcoming(moment, count)],
        "window": active.name if active else None,
        "window_until": active.end.astimezone(zone).isoformat() if active else None,
    }


def _redis_state(names: list[str]) -> dict[str, dict[str, Any]] | None:
    """Per source: last fired, next due, skips and the run holding its lock; None without
    a reachable Redis (the list is computed from the file alone then)."""
    import redis

    settings = get_settings()
    if not settings.redis_url:
        from crawler.embedded import EmbeddedRedis

        server = EmbeddedRedis(settings.state_dir)
        if not server.is_running():
            return None
        os.environ["PANTAU_REDIS_URL"] = server.url
        get_settings.cache_clear()
    from crawler.schedule.runlock import LOCK_PREFIX, Holder, skips
    from tasks.app import app
    from tasks.beat_entries import stored_state

    client = redis.Redis.from_url(get_settings().redis_url or "", decode_responses=True,
                                  socket_connect_timeout=3, socket_timeout=10)
    try:
        state = {}
        for name in names:
            holder = Holder.parse(client.get(LOCK_PREFIX + name))
            state[name] = {**stored_state(app, name, client), "skipped": skips(client, name),
                           "running": holder.run_id if holder else None}
        return state
    except redis.RedisError as err:
        err_console.print(f"[yellow]Redis state not shown[/]: {err}")
        return None
    finally:
        client.close()


def _when(value: Any, zone: str) -> str:
    if not isinstance(value, datetime):
        return "-"
    return value.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M")


@schedule_app.command("list")
def list_schedule(
    config: ConfigOption = None,
    at: Annotated[datetime | None, typer.Option(
        help="Compute from this time instead of now (a time without zone is UTC).")] = None,
    count: Annotated[int, typer.Option(min=1, max=100, help="Next runs per source.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Each source's rule, zone, next runs and active event window (and, with Redis, when
    it last fired and was last skipped)."""
    path = sources_path(config)
    plans = source_plans(load_sources(path))
    moment = (at if at and at.tzinfo else (at or datetime.now(UTC)).replace(tzinfo=UTC))
    rows = [describe(plan, moment, count) for plan in plans]
    state = _redis_state([row["source"] for row in rows])
    for row in rows:
        row["redis"] = state.get(row["source"], {}) if state is not None else None
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table("region", "source", "rule", "zone", "next runs", "window", "last fired",
                  "last skipped", title=f"{path} at {moment:%Y-%m-%d %H:%M} UTC")
    for row in rows:
        zone = row["zone"]
        runs = ", ".join(_when(datetime.fromisoformat(t), zone) for t in row["next_runs"])
        tz_name = datetime.now(ZoneInfo(zone)).tzname()
        redis_row = row["redis"] or {}
        skipped = redis_row.get("skipped") or {}
        names = [w["name"] for w in row["windows"]]
        rule = f"{row['rule']}; window {', '.join(names)}" if names else row["rule"]
        window = (f"{row['window']} until "
                  f"{_when(datetime.fromisoformat(row['window_until']), zone)}"
                  if row["window"] else "-")
        last_skip = (f"{_when(datetime.fromisoformat(skipped['last_at']), zone)} "
                     f"({skipped['count']}x)" if skipped else "-")
        fired = _when(redis_row.get("last_fired"), zone)
        if redis_row.get("running"):
            fired += f" (run {redis_row['running']} running)"
        table.add_row(row["region"], row["source"], rule, f"{zone} ({tz_name})", runs or "-",
                      window, fired, last_skip)
    console.print(table)
    if state is None:
        console.print("[dim]no Redis reachable: last fired/skipped not shown[/]")
