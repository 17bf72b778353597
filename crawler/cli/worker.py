"""``pantau worker``: a Celery worker that takes crawls from region queues."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from crawler.cli.errors import UserError
from crawler.cli.services import connected_settings
from crawler.config.settings import get_settings
from crawler.i18n import say


def require_chromium(path: Path) -> None:
    """Raise a one-line :class:`UserError` unless ``path`` is an executable file."""
    if not path.is_file() or not os.access(path, os.X_OK):
        raise UserError(say("no_chromium", path=path), say("chromium_hint"))


def worker_queues(regions: list[str], queues: list[str], browser: bool,
                  maintenance: bool = True) -> list[str]:
    """The queues a worker consumes, in order, without repeats.

    ``crawl.default`` and ``crawl.<region>`` for each region; with ``browser`` also
    ``browser.default`` and ``browser.<region>``; with ``maintenance`` (the default) the
    ``maintenance`` queue of the scheduled enrichment and raw purge; then the named ``queues``.
    """
    from tasks.app import MAINTENANCE_QUEUE, crawl_queue

    names = [crawl_queue(None), *(crawl_queue(r) for r in regions)]
    if browser:
        names += [crawl_queue(None, browser=True), *(crawl_queue(r, browser=True)
                                                      for r in regions)]
    if maintenance:
        names.append(MAINTENANCE_QUEUE)
    return list(dict.fromkeys([*names, *queues]))


def worker(
    ctx: typer.Context,
    region: Annotated[list[str] | None, typer.Option(
        "--region", "-r", help="Serve this region's queue (repeatable), e.g. 62.")] = None,
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", "-Q", help="Also serve this queue (repeatable).")] = None,
    browser: Annotated[bool, typer.Option(
        "--browser", help="Also serve browser.<region> (and browser.default): crawls of "
        "sources that need Chromium (PANTAU_CHROMIUM_PATH).")] = False,
    maintenance: Annotated[bool, typer.Option(
        "--maintenance/--no-maintenance", help="Also serve the maintenance queue (scheduled "
        "enrichment and raw purge, docs/operations.md).")] = True,
    concurrency: Annotated[int | None, typer.Option(
        help="Crawls at once (default PANTAU_WORKER_CONCURRENCY).")] = None,
    loglevel: Annotated[str | None, typer.Option(
        help="Worker log level (default PANTAU_LOG_LEVEL).")] = None,
    hostname: Annotated[str | None, typer.Option(help="Worker node name.")] = None,
) -> None:
    """Start a worker for crawl.default, the given regions' queues and maintenance (Ctrl-C
    stops it).

    Extra arguments after ``--`` go to ``celery worker`` unchanged.
    """
    if browser:  # before any service starts: a missing browser is a one-line mistake
        require_chromium(get_settings().chromium_path)
    settings = connected_settings()
    from tasks.app import app

    argv = [
        "worker",
        "--queues", ",".join(worker_queues(region or [], queue or [], browser, maintenance)),
        "--concurrency", str(concurrency or settings.worker_concurrency),
        "--loglevel", loglevel or settings.log_level,
        "--hostname", hostname or f"pantau-{os.getpid()}@%h",
        "--task-events",
        *ctx.args,
    ]
    app.worker_main(argv)
