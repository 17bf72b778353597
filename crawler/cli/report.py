"""`pantau report`: a before/after report of a region around an event, HTML or JSON.

Also the option checks `pantau export` shares: region codes, times, output files. Every
message is in the language of ``--lang`` (else ``PANTAU_LANG``; crawler/i18n.py).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

import typer

from crawler.cli.errors import UserError, err_console
from crawler.i18n import Lang, choose_lang, resolve_lang, text
from crawler.schedule.durations import parse_duration

if TYPE_CHECKING:
    import psycopg

    from crawler.config.sources import SourcesFile

MAX_PERIOD = timedelta(days=366)
_AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_AGE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}

LangOption = Annotated[str | None, typer.Option(
    "--lang", help="id or en: language of the report and of messages (default PANTAU_LANG).")]
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Sources file for region names and time zones (default PANTAU_CONFIG).")]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="File to write (written completely or not at all); default stdout.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


def check_lang(option: str | None) -> Lang:
    """``--lang`` (id or en), else PANTAU_LANG; also the language of the error lines."""
    if option is not None and option not in ("id", "en"):
        raise UserError(f"--lang {option!r}: pakai id atau en / use id or en",
                        "--lang id (Bahasa Indonesia) / --lang en (English)")
    return choose_lang(resolve_lang(option))


def check_region(value: str, lang: Lang) -> str:
    """A Kemendagri code, or a UserError."""
    from crawler.config.sources import REGION_CODE

    if not REGION_CODE.match(value):
        raise UserError(text("bad_region", lang, value=value), text("bad_region_hint", lang))
    return value


def check_output(output: Path | None, force: bool, lang: Lang) -> Path | None:
    """The output path (None or ``-``: stdout) after checking its folder and existence."""
    if output is None or str(output) == "-":
        return None
    if not output.parent.is_dir():
        raise UserError(text("no_dir", lang, dir=output.parent), text("no_dir_hint", lang))
    if output.exists() and not force:
        raise UserError(text("exists", lang, path=output), text("exists_hint", lang))
    return output


def parse_time(option: str, value: str | None, zone: str, lang: Lang,
               now: datetime | None = None) -> datetime | None:
    """A date or date and time (read in ``zone`` without an offset), or an age (36h, 7d)."""
    if value is None:
        return None
    if match := _AGE.match(value):
        return (now or datetime.now(UTC)) - int(match.group(1)) * _AGE_UNITS[match.group(2)]
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UserError(text("bad_time", lang, option=option, value=value),
                        text("bad_time_hint", lang, option=option)) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))


def load_sources_file(config: Path | None) -> SourcesFile | None:
    """The sources file of ``--config``, else of PANTAU_CONFIG, else None."""
    from crawler.config.settings import get_settings
    from crawler.config.sources import load_sources

    path = config or get_settings().config
    return load_sources(path) if path is not None else None


def open_database(lang: Lang, sources: tuple[str, ...] = ()) -> psycopg.Connection[Any]:
    """A connection to a database with the report schema, whose sources include ``sources``,
    where this user may append to the export audit (crawler/storage/audit.py)."""
    from crawler.cli.services import connected_settings, require_schema
    from crawler.config.settings import get_settings
    from crawler.report.build import SchemaTooOld, require_report_schema
    from crawler.storage.audit import AuditUnavailable, require_audit
    from crawler.storage.db import connect
    from crawler.storage.selection import known_sources

    settings = get_settings()
    if not settings.database_url:  # no Redis needed here: only the embedded PostgreSQL
        settings = connected_settings()
    assert settings.database_url is not None
    conn = connect(settings.database_url)
    try:
        require_schema(conn)
        try:
            require_report_schema(conn)
        except SchemaTooOld:
            raise UserError(text("old_schema", lang), text("old_schema_hint", lang)) from None
        try:
            require_audit(conn)
        except AuditUnavailable:
            raise UserError(text("audit_unavailable", lang), text("audit_hint", lang)) from None
        unknown = sorted(set(sources) - set(known_sources(conn, sources)))
        if unknown:
            raise UserError(text("unknown_source", lang, names=", ".join(unknown)),
                            text("unknown_source_hint", lang))
        conn.rollback()  # no transaction left open: the caller starts its own
    except BaseException:
        conn.close()
        raise
    return conn


def _duration(option: str, value: str, lang: Lang) -> timedelta:
    parsed = parse_duration(value)
    if not isinstance(parsed, timedelta) or not timedelta(hours=1) <= parsed <= MAX_PERIOD:
        raise UserError(text("bad_duration", lang, option=option, value=value),
                        text("bad_duration_hint", lang, option=option))
    return parsed


def report(
    region: Annotated[str, typer.Option(help="Region (Kemendagri code), e.g. 62.")],
    event: Annotated[str, typer.Option(help="Event day, e.g. 2019-04-17 (local day).")],
    before: Annotated[str, typer.Option(help="Period before the event day, e.g. 14d.")] = "14d",
    after: Annotated[str, typer.Option(
        help="Period from the event day's start, e.g. 14d (the event day included).")] = "14d",
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only this source (repeatable).")] = None,
    fmt: Annotated[Literal["html", "json"], typer.Option(
        "--format", help="html: one self-contained file with charts; json: the figures.")
    ] = "html",
    output: OutputOption = None,
    lang: LangOption = None,
    config: ConfigOption = None,
    force: ForceOption = False,
) -> None:
    """Before/after report of a region around an event: volume, authors, flags, threads,
    terms, regencies and cities (docs/analysts.md)."""
    from crawler.export.files import atomic_path
    from crawler.report import ReportWindow, build_report, render_html
    from crawler.report.areas import area_name
    from crawler.report.zones import region_zone
    from crawler.storage.audit import AuditEntry, audited

    chosen = check_lang(lang)
    check_region(region, chosen)
    try:
        day = date.fromisoformat(event.strip())
    except ValueError:
        raise UserError(text("bad_event", chosen, value=event),
                        text("bad_event_hint", chosen)) from None
    span_before = _duration("--before", before, chosen)
    span_after = _duration("--after", after, chosen)
    target = check_output(output, force, chosen)
    sources_file = load_sources_file(config)
    names = {r.code: r.name for r in sources_file.regions} if sources_file else {}
    window = ReportWindow(region=region, region_name=names.get(region) or area_name(region),
                          timezone=region_zone(region, sources_file), event=day,
                          before=span_before, after=span_after,
                          sources=tuple(dict.fromkeys(source or ())))
    entry = AuditEntry(command="report", region=region, sources=window.sources,
                       since=window.start, until=window.end, format=fmt,
                       output=str(target.resolve()) if target is not None else "stdout",
                       details={"event": day.isoformat(), "before": before, "after": after})
    with open_database(chosen, window.sources) as conn, audited(conn, entry):
        with err_console.status(text("building", chosen)):
            result = build_report(conn, window)
        body = (render_html(result, chosen) if fmt == "html"
                else json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        posts = entry.rows = sum(c.before + c.after for c in result.comparison
                                 if c.metric == "posts")
        if target is None:
            typer.echo(body, nl=False)
            return
        try:
            with atomic_path(target) as temp:
                Path(temp).write_text(body, encoding="utf-8")
        except OSError as err:
            raise UserError(text("cannot_write", chosen, path=target,
                                 reason=err.strerror or err),
                            text("cannot_write_hint", chosen)) from None
    err_console.print(text("report_written", chosen, path=target, posts=posts))
