"""``pantau beat`` and ``pantau schedule list|sync``: when sources are crawled, and the
maintenance tasks (scheduled enrichment and raw purge, tasks/beat_maintenance.py)."""

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
from crawler.i18n import say
from crawler.schedule.plans import SourcePlan, scheduled_plans, source_plans

console = Console(highlight=False)
schedule_app = typer.Typer(help="Schedules from the sources file.", no_args_is_help=True)
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Sources file (default PANTAU_CONFIG).")]


def sources_path(config: Path | None) -> Path:
    """The sources file to schedule from, or a one-line error."""
    path = config or get_settings().config
    if path is None:
        raise UserError(say("no_schedule_file"), say("config_option_hint"))
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
        err_console.print(say("starting_embedded", name="Redis", state=settings.state_dir))
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
        raise UserError(say("redis_unreachable_at", url=redact_url(app.conf.broker_url),
                            error=err), say("redis_hint"), code=1) from err
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
    from tasks.beat_maintenance import maintenance_jobs

    upkeep = [job for job in maintenance_jobs(get_settings(), None) if job.interval > 0]
    console.print(say("beat_started", count=len(plans), path=path, maintenance=len(upkeep)))
    app.start(["beat", "--scheduler", "tasks.beat:PantauScheduler",
               "--loglevel", loglevel or get_settings().log_level, *ctx.args])


@schedule_app.command("sync")
def sync(config: ConfigOption = None) -> None:
    """Write the schedule of the sources file into Redis now (the beat also does it)."""
    path = sources_path(config)
    parsed = load_sources(path)
    connect_redis()
    from tasks.app import app
    from tasks.beat_entries import SyncReport, sync_schedule
    from tasks.beat_maintenance import MAINTENANCE_PREFIX, sync_maintenance

    _require_redis(app)
    report = sync_schedule(app, parsed)
    upkeep = sync_maintenance(app, parsed)
    for name, reason in report.blocked.items():
        console.print(say("not_scheduled", name=name, reason=reason))
    for label, names in (("added", report.added), ("changed", report.changed),
                         ("removed", report.removed)):
        shown = [*names, *(MAINTENANCE_PREFIX + n for n in getattr(upkeep, label))]
        if shown:
            console.print(say(f"sync_{label}", names=", ".join(shown)))

    def summary(counts: SyncReport) -> str:
        return say("sync_summary", added=len(counts.added), changed=len(counts.changed),
                   removed=len(counts.removed), unchanged=len(counts.unchanged))

    console.print(say("synced", path=path, summary=summary(report)))
    console.print(f"{MAINTENANCE_PREFIX} {summary(upkeep)}")


def describe(plan: SourcePlan, moment: datetime, count: int) -> dict[str, Any]:
    """One source's schedule as plain data: rule, windows, next runs (local ISO times)."""
    zone = ZoneInfo(plan.zone)
    table = plan.timetable
    if table is None:
        why = ("disabled" if not plan.source.enabled else
               "blocked by terms" if plan.source.terms_block is not None else
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


def _redis_state(names: list[str]) -> tuple[dict[str, dict[str, Any]] | None,
                                            list[dict[str, Any]]]:
    """Per source: last fired, next due, skips and the run holding its lock (None without
    a reachable Redis: the list is computed from the file alone then); and the maintenance
    tasks (tasks/beat_maintenance.py), with their Redis state when it could be read."""
    import redis

    from tasks.app import app
    from tasks.beat_maintenance import maintenance_state

    settings = get_settings()
    if not settings.redis_url:
        from crawler.embedded import EmbeddedRedis

        server = EmbeddedRedis(settings.state_dir)
        if not server.is_running():
            return None, maintenance_state(app, settings)
        os.environ["PANTAU_REDIS_URL"] = server.url
        get_settings.cache_clear()
    from crawler.schedule.runlock import LOCK_PREFIX, Holder, skips
    from tasks.beat_entries import stored_state

    client = redis.Redis.from_url(get_settings().redis_url or "", decode_responses=True,
                                  socket_connect_timeout=3, socket_timeout=10)
    try:
        state = {}
        for name in names:
            holder = Holder.parse(client.get(LOCK_PREFIX + name))
            state[name] = {**stored_state(app, name, client), "skipped": skips(client, name),
                           "running": holder.run_id if holder else None}
        return state, maintenance_state(app, get_settings(), client)
    except redis.RedisError as err:
        err_console.print(say("redis_state_not_shown", error=err))
        return None, maintenance_state(app, get_settings())
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
    state, upkeep = _redis_state([row["source"] for row in rows])
    for row in rows:
        row["redis"] = state.get(row["source"], {}) if state is not None else None
    if as_json:
        typer.echo(json.dumps([*({"kind": "source", **row} for row in rows),
                               *(_maintenance_json(job) for job in upkeep)],
                              indent=2, default=str))
        return
    table = Table(*(say(f"col_{c}") for c in (
        "region", "source", "rule", "zone", "next_runs", "window", "last_fired",
        "last_skipped")), title=say("schedule_title", path=path,
                                     moment=f"{moment:%Y-%m-%d %H:%M}"))
    for row in rows:
        zone = row["zone"]
        runs = ", ".join(_when(datetime.fromisoformat(t), zone) for t in row["next_runs"])
        tz_name = datetime.now(ZoneInfo(zone)).tzname()
        redis_row = row["redis"] or {}
        skipped = redis_row.get("skipped") or {}
        names = [w["name"] for w in row["windows"]]
        rule = (say("rule_with_windows", rule=row["rule"], names=", ".join(names)) if names
                else row["rule"])
        window = (say("window_until", window=row["window"], until=_when(
            datetime.fromisoformat(row["window_until"]), zone)) if row["window"] else "-")
        last_skip = (f"{_when(datetime.fromisoformat(skipped['last_at']), zone)} "
                     f"({say('times', count=skipped['count'])})" if skipped else "-")
        fired = _when(redis_row.get("last_fired"), zone)
        if redis_row.get("running"):
            fired += " " + say("run_running", run=redis_row["running"])
        table.add_row(row["region"], row["source"], rule, f"{zone} ({tz_name})", runs or "-",
                      window, fired, last_skip)
    console.print(table)
    console.print(_maintenance_table(upkeep))
    if state is None:
        console.print(say("no_redis_state"))


def _maintenance_json(job: dict[str, Any]) -> dict[str, Any]:
    """A maintenance task as a row of `schedule list --json` (``kind`` maintenance)."""
    redis_row = job["redis"]
    due = redis_row.get("due_at") if redis_row else None
    return {"kind": "maintenance", "source": None, "name": job["name"], "task": job["task"],
            "queue": job["queue"], "every_seconds": job["every_seconds"],
            "next_runs": [due.isoformat()] if isinstance(due, datetime) else [],
            "redis": redis_row}


def _maintenance_table(upkeep: list[dict[str, Any]]) -> Table:
    """The maintenance tasks: interval (or off), next due and last fired, in UTC."""
    from tasks.app import MAINTENANCE_QUEUE

    table = Table(say("col_task"), say("col_every"), say("col_next_runs"),
                  say("col_last_fired"), title=say("maintenance_title", queue=MAINTENANCE_QUEUE))
    for job in upkeep:
        redis_row = job["redis"] or {}
        every = (say("every_seconds", seconds=job["every_seconds"]) if job["every_seconds"]
                 else say("maintenance_off"))
        table.add_row(job["task"], every, _when(redis_row.get("due_at"), "UTC"),
                      _when(redis_row.get("last_fired"), "UTC"))
    return table
