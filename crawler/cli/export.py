"""`pantau export`: stream selected posts to CSV, JSON lines or Parquet, with a progress bar."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from crawler.cli.errors import UserError, err_console
from crawler.cli.report import (
    ConfigOption,
    ForceOption,
    LangOption,
    OutputOption,
    check_lang,
    check_output,
    check_region,
    load_sources_file,
    open_database,
    parse_time,
)
from crawler.i18n import text


def export(
    region: Annotated[str | None, typer.Option(
        help="Posts of this region (Kemendagri code): of its sources, or naming it.")] = None,
    since: Annotated[str | None, typer.Option(
        help="Posts from this time on: 2019-04-01 (local day), '2019-04-01 08:00+07:00' or an "
        "age: 7d.")] = None,
    until: Annotated[str | None, typer.Option(
        help="Posts before this time (same forms as --since).")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only this source (repeatable).")] = None,
    flagged: Annotated[bool, typer.Option(
        "--flagged", help="Only posts flagged by watchlists.")] = False,
    fmt: Annotated[Literal["csv", "jsonl", "parquet"], typer.Option(
        "--format", help="csv, jsonl (one JSON object a line) or parquet.")] = "csv",
    output: OutputOption = None,
    bom: Annotated[bool, typer.Option(
        "--bom", help="CSV: start with a UTF-8 byte order mark (Excel then reads UTF-8).")
    ] = False,
    excel: Annotated[bool, typer.Option(
        "--excel", help="CSV for Excel: a BOM, times Excel reads as dates, and cells that would "
        "run as formulas (= + - @) quoted with an apostrophe.")] = False,
    delimiter: Annotated[str, typer.Option(
        help="CSV field delimiter: ',' or ';' (Excel with Indonesian regional settings).")
    ] = ",",
    timezone: Annotated[str | None, typer.Option(
        help="Zone of the written times (IANA name); default the region's, else WIB.")] = None,
    lang: LangOption = None,
    config: ConfigOption = None,
    force: ForceOption = False,
) -> None:
    """Export posts (oldest first) for analysts: streamed, so memory stays flat."""
    from crawler.config.sources import check_timezone
    from crawler.export.columns import count_rows
    from crawler.export.run import CsvOptions, export_posts
    from crawler.report.zones import WIB, region_zone, zone_label
    from crawler.storage.audit import AuditEntry, audited
    from crawler.storage.selection import PostFilter

    chosen = check_lang(lang)
    if region is not None:
        check_region(region, chosen)
    if fmt != "csv":
        for option, given in (("--bom", bom), ("--excel", excel), ("--delimiter",
                                                                   delimiter != ",")):
            if given:
                raise UserError(text("csv_only", chosen, option=option),
                                text("csv_only_hint", chosen, option=option))
    if delimiter not in (",", ";", "\t", "|"):
        raise UserError(text("bad_delimiter", chosen, value=delimiter),
                        text("bad_delimiter_hint", chosen))
    target = check_output(output, force, chosen)
    if fmt == "parquet" and target is None:
        raise UserError(text("parquet_stdout", chosen), text("parquet_stdout_hint", chosen))
    if timezone is not None:
        try:
            zone = check_timezone(timezone)
        except ValueError:
            raise UserError(text("bad_timezone", chosen, value=timezone),
                            text("bad_timezone_hint", chosen)) from None
    elif region is not None:
        zone = region_zone(region, load_sources_file(config))
    else:
        zone = WIB
    start = parse_time("--since", since, zone, chosen)
    end = parse_time("--until", until, zone, chosen)
    if start is not None and end is not None and start >= end:
        raise UserError(text("empty_range", chosen, since=since, until=until),
                        text("empty_range_hint", chosen))
    selection = PostFilter(region=region, sources=tuple(dict.fromkeys(source or ())),
                           since=start, until=end, flagged=flagged)
    columns = (TextColumn(text("exporting", chosen)), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    entry = AuditEntry(command="export", region=region, sources=selection.sources,
                       since=start, until=end, format=fmt,
                       output=str(target.resolve()) if target is not None else "stdout",
                       details={"flagged": flagged, "timezone": zone, "excel": excel}, rows=0)

    def advance(rows: int) -> None:
        entry.rows = (entry.rows or 0) + rows  # what was written, also when it fails later
        progress.advance(bar, rows)

    with open_database(chosen, selection.sources) as conn, audited(conn, entry):
        total = count_rows(conn, selection)
        conn.rollback()
        with Progress(*columns, console=err_console, transient=True) as progress:
            bar = progress.add_task("export", total=total)
            try:
                result = export_posts(
                    conn, selection, fmt, target, zone, zone_label(zone),
                    CsvOptions(bom=bom or excel, excel=excel, delimiter=delimiter),
                    on_batch=advance)
            except OSError as err:
                where = target if target is not None else "stdout"
                raise UserError(text("cannot_write", chosen, path=where,
                                     reason=err.strerror or err),
                                text("cannot_write_hint", chosen)) from None
    err_console.print(text("export_done", chosen, rows=result.rows,
                           path=target if target is not None else "stdout",
                           seconds=result.seconds, rate=result.rate))
