"""``pantau worker``: a Celery worker that takes crawls from region queues."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from crawler.cli.services import connected_settings


def worker(
    ctx: typer.Context,
    region: Annotated[list[str] | None, typer.Option(
        "--region", "-r", help="Serve this region's queue (repeatable), e.g. 62.")] = None,
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", "-Q", help="Also serve this queue (repeatable).")] = None,
    concurrency: Annotated[int | None, typer.Option(
        help="Crawls at once (default PANTAU_WORKER_CONCURRENCY).")] = None,
    loglevel: Annotated[str | None, typer.Option(
        help="Worker log level (default PANTAU_LOG_LEVEL).")] = None,
    hostname: Annotated[str | None, typer.Option(help="Worker node name.")] = None,
) -> None:
    """Start a worker for crawl.default and the given regions' queues (Ctrl-C stops it).

    Extra arguments after ``--`` go to ``celery worker`` unchanged.
    """
    settings = connected_settings()
    from tasks.app import DEFAULT_QUEUE, app, crawl_queue

    queues = [DEFAULT_QUEUE, *(crawl_queue(r) for r in region or []), *(queue or [])]
    argv = [
        "worker",
        "--queues", ",".join(dict.fromkeys(queues)),
        "--concurrency", str(concurrency or settings.worker_concurrency),
        "--loglevel", loglevel or settings.log_level,
        "--hostname", hostname or f"pantau-{os.getpid()}@%h",
        "--task-events",
        *ctx.args,
    ]
    app.worker_main(argv)
