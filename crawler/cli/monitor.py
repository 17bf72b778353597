"""``pantau metrics`` (the Prometheus endpoint) and ``pantau alerts check|test|history``."""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.errors import UserError
from crawler.cli.services import connected_settings, require_schema
from crawler.config.settings import Settings, get_settings
from crawler.config.sources import load_sources
from crawler.i18n import say

console = Console(highlight=False)
alerts_app = typer.Typer(help="Alert rules and their webhooks.", no_args_is_help=True)
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Sources file whose regions' alerts: blocks apply (default "
    "PANTAU_CONFIG).")]


def _sources_file(config: Path | None, settings: Settings) -> Path | None:
    return config or settings.config


def metrics(
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default PANTAU_METRICS_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(
        help="Port (default PANTAU_METRICS_PORT, 9464).")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Sources file whose regions' queues are reported (default "
        "PANTAU_CONFIG); queues that workers declared are found anyway.")] = None,
    once: Annotated[bool, typer.Option(
        "--once", help="Print the metrics once and exit instead of serving them.")] = False,
) -> None:
    """Serve Prometheus metrics read from PostgreSQL and Redis at every scrape."""
    from crawler.metrics import build_registry
    from crawler.metrics.queues import region_queues
    from crawler.metrics.server import (
        InsecureBind,
        make_metrics_server,
        require_auth_beyond_loopback,
    )

    settings = get_settings()  # the bind rule is checked before any service is touched
    host = host or settings.metrics_host
    port = port if port is not None else settings.metrics_port
    auth = settings.metrics_basic_auth.get_secret_value() if settings.metrics_basic_auth else None
    try:
        if not once:
            require_auth_beyond_loopback(host, auth)
    except InsecureBind as err:
        raise UserError(str(err), say("metrics_auth_hint")) from None
    settings = connected_settings()
    _monitoring_database(settings)
    sources = _sources_file(config, settings)
    regions = [r.code for r in load_sources(sources).regions] if sources is not None else []
    registry = build_registry(settings.database_url, settings.redis_url, region_queues(regions))
    if once:
        from prometheus_client import generate_latest

        typer.echo(generate_latest(registry).decode(), nl=False)
        return
    try:
        server = make_metrics_server(registry, host, port, auth)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise UserError(say("port_in_use", host=host, port=port),
                            say("port_in_use_hint")) from None
        raise UserError(say("cannot_listen", host=host, port=port, reason=err.strerror or err),
                        say("cannot_listen_hint")) from None
    console.print(say("serving_metrics", url=f"http://{host}:{server.server_address[1]}/metrics",
                      auth=say("with_basic_auth") if auth else ""))
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _monitoring_database(settings: Settings) -> str:
    """The database URL, once its schema has the metrics and alerts tables (0004)."""
    from crawler.storage.db import connect

    url = settings.database_url
    assert url is not None
    with connect(url) as conn:
        require_schema(conn)
        row = conn.execute("SELECT to_regclass('crawl_totals') IS NOT NULL"
                           " AND to_regclass('alerts_sent') IS NOT NULL").fetchone()
    if not row or not row[0]:
        raise UserError(say("no_monitoring_tables"), say("migrate_hint"))
    return url


def _alert_setup(config: Path | None) -> tuple[str, Any]:
    """The database URL (schema checked) and the alert configuration."""
    from crawler.alerts.config import load_config

    # The outcomes are printed here; the checker's log lines are for workers' logs.
    logging.getLogger("pantau.alerts").addHandler(logging.NullHandler())

    settings = connected_settings()
    url = _monitoring_database(settings)
    return url, load_config(settings, _sources_file(config, settings))


@alerts_app.command("check")
def check(
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Evaluate the rules and print what fires; send nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Evaluate the alert rules once and deliver what fires (rate-limited)."""
    from crawler.alerts.check import run_check

    url, alert_config = _alert_setup(config)
    report = run_check(url, alert_config, dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), default=str, indent=2))
    elif report.skipped:
        console.print(say("alerts_skipped", reason=report.skipped))
    elif not report.outcomes:
        console.print(say("no_alert_fires"))
    else:
        table = Table(title=say("alerts_title"))
        for name in ("rule", "subject", "outcome"):
            table.add_column(say(f"col_{name}"), no_wrap=True)
        table.add_column(say("col_target"))
        table.add_column(say("col_message_or_error"), ratio=1)
        for o in report.outcomes:
            table.add_row(o.alert.rule, o.alert.subject, o.status, o.target or "-",
                          o.error or o.alert.message)
        console.print(table)
    failed = [o for o in report.outcomes if o.status == "failed"]
    if failed:
        raise UserError(say("alerts_failed", count=len(failed), error=failed[0].error),
                        say("alerts_failed_hint"), code=1)


@alerts_app.command("test")
def send_test_alert(
    region: Annotated[str | None, typer.Option(
        help="Send to this region's target (its alerts: block), else the settings'.")] = None,
    config: ConfigOption = None,
) -> None:
    """Send a test alert to the configured webhook (no rate limit) and say how it went."""
    from crawler.alerts.check import send_test

    url, alert_config = _alert_setup(config)
    outcome = send_test(url, alert_config, region)
    if outcome.status == "logged":
        raise UserError(say("no_webhook"), say("no_webhook_hint"))
    if outcome.status == "failed":
        raise UserError(say("test_alert_failed", error=outcome.error),
                        say("test_alert_failed_hint"), code=1)
    console.print(say("test_alert_sent", target=outcome.target, attempts=outcome.attempts))


@alerts_app.command("history")
def history(
    limit: Annotated[int, typer.Option(help="How many recent deliveries.")] = 20,
) -> None:
    """Recent alert deliveries and failed attempts (table alerts_sent)."""
    from crawler.storage.alerts import AlertLog
    from crawler.storage.db import connect

    with connect(_monitoring_database(connected_settings())) as conn:
        rows = AlertLog(conn).recent(limit)
    table = Table(title="alerts_sent")
    for name in ("time", "rule", "subject", "status"):
        table.add_column(say(f"col_{name}"), no_wrap=True)
    table.add_column(say("col_target"))
    table.add_column(say("col_tries"), justify="right")
    table.add_column(say("col_error_or_message"), ratio=1)
    colour = {"sent": "green", "logged": "cyan"}
    for row in rows:
        table.add_row(row["created_at"].strftime("%Y-%m-%d %H:%M:%S"), row["rule"],
                      row["subject"], f"[{colour.get(row['status'], 'red')}]{row['status']}[/]",
                      row["target"] or "-", str(row["attempts"]),
                      (row["error"] or row["message"])[:100])
    console.print(table if rows else say("no_alerts_yet"))
