"""The HTML report: one self-contained file (inline CSS and SVG, no script, no fetch).

``render_html(report, lang)`` fills ``templates/report.html.j2`` (Jinja2, autoescaped) with
the report's figures, its charts (crawler.report.svg) and the strings of crawler.i18n.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jinja2

from crawler.i18n import Lang, text
from crawler.report import svg
from crawler.report.figures import DailyCount, Report
from crawler.report.zones import format_day, format_time, zone_label

MAX_SOURCE_SERIES = 7  # more sources are summed up as "other"
MAX_FLAG_SERIES = 6


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("crawler.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)


def number(value: float, lang: Lang) -> str:
    """1,234 (en) or 1.234 (id); one decimal for fractions."""
    spelled = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if lang == "id":
        spelled = spelled.replace(",", "_").replace(".", ",").replace("_", ".")
    return spelled


def percent(value: float | None, lang: Lang) -> str:
    """+12.5 % style, or 'new' where nothing came before."""
    if value is None:
        return text("new", lang)
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, lang)} %"


def _series(counts: Sequence[DailyCount], days: Sequence[date], limit: int,
            other: str | None) -> list[svg.Series]:
    """Daily series per key, the ``limit`` largest; the rest summed as ``other`` (or left
    out when ``other`` is None)."""
    index = {day: i for i, day in enumerate(days)}
    by_key: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for count in counts:
        if count.day in index:
            by_key[count.key][index[count.day]] += count.posts
    ranked = sorted(by_key, key=lambda k: (-sum(by_key[k]), k))
    series = [svg.Series(key, by_key[key]) for key in ranked[:limit]]
    rest = ranked[limit:]
    if rest and other is not None:
        series.append(svg.Series(other, [sum(by_key[k][i] for k in rest)
                                         for i in range(len(days))]))
    return series


def charts(report: Report, lang: Lang) -> dict[str, Any]:
    """Every chart of the report as inline SVG markup."""
    w = report.window
    days = w.days()
    labels = [format_day(d, lang, year=False) for d in days]
    keys = [d.isoformat() for d in days]
    marker = days.index(w.event) if w.event in days else None
    event, no_data = text("event", lang), text("no_data", lang)
    names = (text("before", lang), text("after", lang))
    return {
        "comparison": svg.paired_bars(
            "comparison", text("summary", lang),
            [(c.metric, text(f"metric_{c.metric}", lang), c.before, c.after)
             for c in report.comparison], names, no_data, row_scale=True),
        "by_platform": svg.stacked_bars(
            "daily-platform", text("by_platform", lang), labels, keys,
            _series(report.daily_by_platform, days, 20, text("other", lang)), marker, event,
            no_data),
        "by_source": svg.lines(
            "daily-source", text("by_source", lang), labels, keys,
            _series(report.daily_by_source, days, MAX_SOURCE_SERIES, text("other", lang)),
            marker, event, no_data),
        "watchlist": svg.lines(
            "watchlist-daily", text("watchlist_daily", lang), labels, keys,
            _series(report.watchlist_daily, days, MAX_FLAG_SERIES, None), marker, event,
            no_data),
        "terms": svg.paired_bars(
            "top-terms", text("terms", lang),
            [(t.key, t.key, t.posts_before, t.posts_after) for t in report.top_terms], names,
            no_data),
        "areas": svg.paired_bars(
            "areas", text("areas", lang),
            [(a.code, a.name, a.posts_before, a.posts_after) for a in report.areas], names,
            no_data),
    }


def render_html(report: Report, lang: Lang) -> str:
    """The whole report as one HTML document."""
    w = report.window
    zone = w.timezone

    def t(key: str, **values: object) -> str:
        return text(key, lang, **values)

    def when(at: datetime | None) -> str:
        return format_time(at, zone, lang)

    return _environment().get_template("report.html.j2").render(
        r=report, w=w, lang=lang, t=t, when=when,
        day=lambda d: format_day(d, lang),
        num=lambda v: number(v, lang), pct=lambda v: percent(v, lang),
        zone=zone_label(zone, w.event_start), charts=charts(report, lang),
        total=sum(c.after + c.before for c in report.comparison if c.metric == "posts"),
    )
