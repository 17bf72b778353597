"""The Typer app: wires the command groups together."""

from __future__ import annotations

import typer

from crawler.cli import (
    access,
    admin,
    crawl,
    demo,
    enrich,
    export,
    extract,
    flower,
    monitor,
    report,
    schedule,
    status,
    worker,
)
from crawler.cli.errors import run_guarded

app = typer.Typer(
    name="pantau",
    help="Crawl public discussion with Scrapy spiders run as Celery tasks into PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("demo")(demo.demo)
app.command("crawl")(crawl.crawl)
app.command("extract")(extract.extract)
app.command("status")(status.status)
app.command("worker", context_settings={"allow_extra_args": True})(worker.worker)
app.command("flower", context_settings={"allow_extra_args": True})(flower.flower)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.sources_app, name="sources")
app.add_typer(admin.services_app, name="services")
app.command("metrics")(monitor.metrics)
app.add_typer(monitor.alerts_app, name="alerts")
app.command("beat", context_settings={"allow_extra_args": True})(schedule.beat)
app.add_typer(schedule.schedule_app, name="schedule")
app.command("enrich")(enrich.enrich)
app.command("purge-raw")(enrich.purge_raw)
app.command("report")(report.report)
app.command("export")(export.export)
app.add_typer(access.access_app, name="access")


def main() -> None:
    """Console-script entry point."""
    run_guarded(app)
