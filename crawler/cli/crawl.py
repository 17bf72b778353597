"""``pantau crawl TARGET``: enqueue one crawl of a configured source or of a URL."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from crawler.cli.errors import UserError
from crawler.cli.services import connected_settings, require_schema
from crawler.config.settings import Settings, get_settings
from crawler.config.sources import Source, load_sources
from crawler.i18n import say
from crawler.network import CONTACT_EXAMPLE, MissingContact, require_contact
from crawler.storage.db import redact_url

console = Console(highlight=False)


def resolve_target(target: str, settings: Settings, config: Path | None, region: str | None,
                   engine: str | None, authors: str | None) -> Source:
    """A configured source by name, or an ad-hoc source for a URL."""
    if "://" in target:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UserError(say("not_url", url=target), say("not_url_hint"))
        slug = re.sub(r"[^a-z0-9]+", "-", f"{parts.hostname}-{parts.port or ''}".lower())
        source = _validated({
            "name": f"adhoc-{slug.strip('-')}"[:63], "kind": "forum",
            "engine": engine or "auto", "url": target, "region": region or "",
            "authors": authors or "pseudonymize",
        })
        source = with_region_defaults(source, config or settings.config)
        if source.engine == "auto":  # the options are valid: now look at the site
            source = source.model_copy(update={"engine": detect(target, settings)})
        return source
    if region or engine:
        raise UserError(say("url_options_only"), say("url_options_only_hint", target=target))
    path = config or settings.config
    if path is None:
        raise UserError(say("no_sources_file", target=target), say("config_option_hint"))
    source = load_sources(path).source(target)
    if not source.enabled:
        raise UserError(say("source_disabled", target=target, path=path),
                        say("source_disabled_hint"))
    if source.terms_block is not None:  # crawler/config/terms.py
        raise UserError(say("source_blocked", target=target, reason=source.terms_block,
                            path=path), say("terms_hint"))
    if authors:
        source = _validated({**source.model_dump(), "authors": authors})
    return source


def with_region_defaults(source: Source, path: Path | None) -> Source:
    """An ad-hoc source of ``--region R`` as if configured under R in the sources file: the
    watchlists of R and of its enclosing regions there, and their time zone."""
    if not source.region or path is None:
        return source
    parsed = load_sources(path)
    region = parsed.region_for(source.region)
    if region is None:
        console.print(say("region_not_in_file", region=source.region, path=path))
        return source
    watchlists = parsed.region_watchlists(source.region)
    if watchlists:
        console.print(say("adhoc_watchlists", region=source.region,
                          names=", ".join(w.name for w in watchlists)))
    return source.model_copy(update={"watchlists": watchlists,
                                     "timezone": source.timezone or region.timezone})


def detect(url: str, settings: Settings) -> str:
    """The engine that made the page at ``url``, said aloud; a UserError when none knows it."""
    from crawler.cli.fetch import fetch_page
    from crawler.extract.engines import EngineError, detect_engine

    require_operator_contact(settings, url)
    try:
        engine, reason = detect_engine(fetch_page(url, settings))
    except EngineError as err:
        raise UserError(str(err), say("detect_hint")) from None
    console.print(say("detected_engine", engine=engine.name, reason=reason))
    return engine.name


OPTION_OF_FIELD = {"engine": "--engine", "authors": "--authors", "region": "--region",
                   "url": "TARGET"}


def _validated(data: dict[str, Any]) -> Source:
    """A Source from command-line values; a bad value names the option it came from."""
    try:
        return Source.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = first["msg"].removeprefix("Value error, ")
        raise UserError(f"{OPTION_OF_FIELD.get(field, field or 'source')}: {message}") from None


def crawl(
    target: Annotated[str, typer.Argument(help="A source name from the config, or a URL.")],
    wait: Annotated[bool, typer.Option(help="Follow the crawl until it ends.")] = False,
    config: Annotated[Path | None, typer.Option(help="Sources file (default PANTAU_CONFIG).")]
    = None,
    region: Annotated[str | None, typer.Option(help="Region code for a URL target.")] = None,
    engine: Annotated[str | None, typer.Option(help="Forum engine for a URL target.")] = None,
    authors: Annotated[str | None, typer.Option(
        help="Author policy: keep, pseudonymize or drop.")] = None,
    deep: Annotated[bool | None, typer.Option(
        "--deep/--incremental", help="Fetch every page of every thread (catches edits and "
        "deletions in old threads), or only what changed; default: by the source's deep_every.")]
    = None,
) -> None:
    """Enqueue a crawl through Celery; with --wait, show its progress and its result."""
    source = resolve_target(target, get_settings(), config, region, engine, authors)
    require_operator_contact(get_settings(), str(source.url))  # before any service starts
    settings = connected_settings()
    from crawler.storage.db import connect
    from crawler.storage.runs import RunStore
    from tasks.app import crawl_queue
    from tasks.crawl import crawl_source

    assert settings.database_url is not None
    task_id = str(uuid.uuid4())
    _require_broker()
    with connect(settings.database_url) as conn:
        require_schema(conn)
        store = RunStore(conn)
        run_id = store.create(source.name, source.region, task_id=task_id)
        queue = crawl_queue(source.region, browser=source.browser)
        try:
            crawl_source.apply_async(args=[source.model_dump(mode="json"), run_id, deep],
                                     task_id=task_id, queue=queue, retry=False)
        except Exception as err:
            store.finish(run_id, "failed", reason=f"could not enqueue: {err}", counts={},
                         error_reasons=[])
            raise UserError(say("enqueue_failed", error=err), say("redis_hint"), code=1) from err
    console.print(say("crawl_queued", source=source.name, queue=queue, run=run_id))
    if not _worker_listens(queue):
        region = f" --region {source.region}" if source.region else ""
        browser = " --browser" if source.browser else ""
        console.print(say("no_worker", queue=queue, command=f"pantau worker{region}{browser}"))
    if wait:
        ok = follow(task_id, run_id, settings)
        raise typer.Exit(0 if ok else 1)


def require_operator_contact(settings: Settings, url: str) -> None:
    """A crawl beyond loopback needs the operator's contact in the User-Agent."""
    try:
        require_contact(settings.user_agent, url)
    except MissingContact as err:
        raise UserError(str(err), say("contact_hint", example=CONTACT_EXAMPLE)) from None


def _require_broker() -> None:
    """Fail fast, in one line, when Redis cannot be reached."""
    from tasks.app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as err:
        raise UserError(say("redis_unreachable_at", url=redact_url(app.conf.broker_url),
                            error=err), say("redis_hint"), code=1) from err


def _worker_listens(queue: str) -> bool:
    from tasks.app import app

    replies = app.control.inspect(timeout=1.0).active_queues() or {}
    return any(q.get("name") == queue for qs in replies.values() for q in qs)


def follow(task_id: str, run_id: int, settings: Settings) -> bool:
    """Show a progress bar fed by the task's progress until it ends; True on success."""
    from celery.result import AsyncResult

    from crawler.storage.db import connect
    from tasks.app import app

    result = AsyncResult(task_id, app=app)
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn(say("progress_counts", pages="{task.fields[pages]}",
                              items="{task.fields[items]}", errors="{task.fields[errors]}")),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(say("waiting_for_worker"), total=None, pages=0, items=0,
                                errors=0)
        while not result.ready():
            info = result.info if result.state == "PROGRESS" else None
            if isinstance(info, dict):
                progress.update(bar, description=say("crawling"), pages=info.get("pages", 0),
                                items=info.get("items", 0), errors=info.get("errors", 0))
            elif result.state == "STARTED":
                progress.update(bar, description=say("starting"))
            time.sleep(0.3)
        assert settings.database_url is not None
        with connect(settings.database_url) as conn:
            run = _follow_shards(conn, run_id, progress, bar)
    print_run(run)
    return run.get("status") == "succeeded"


def _follow_shards(conn: Any, run_id: int, progress: Progress, bar: Any) -> dict[str, Any]:
    """For a sharded run, whose first task only planned it: follow its shards to the end."""
    from crawler.storage.runs import RunStore
    from crawler.storage.shards import ShardStore

    runs, shards = RunStore(conn), ShardStore(conn)
    while True:
        run = runs.get(run_id) or {}
        if run.get("status") not in ("queued", "running"):
            return run
        rows = shards.of_run(run_id)
        done = sum(row["status"] not in ("queued", "running") for row in rows)
        progress.update(bar, description=say("shards_done", done=done, total=len(rows)),
                        pages=sum(r["pages"] for r in rows), items=sum(r["items"] for r in rows),
                        errors=sum(r["errors"] for r in rows))
        time.sleep(0.5)


def print_run(run: dict[str, Any]) -> None:
    """One paragraph about a finished run."""
    status = run.get("status", "unknown")
    colour = "green" if status == "succeeded" else "red"
    console.print(say(
        "run_summary", run=run.get("id"), colour=colour, status=status,
        pages=run.get("pages") or 0, new=run.get("posts_new") or 0,
        edited=run.get("posts_edited") or 0, unchanged=run.get("posts_unchanged") or 0,
        deleted=run.get("posts_deleted") or 0, errors=run.get("errors") or 0))
    if run.get("reason"):
        console.print(say("run_reason", reason=run["reason"]))
