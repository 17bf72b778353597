"""The figures of a before/after report, as dataclasses; ``Report.to_dict()`` is the JSON.

The HTML report and ``pantau report --format json`` show exactly these numbers. Times are
aware datetimes (JSON: ISO 8601 with the region's offset), days are local dates in the
region's zone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crawler.report.zones import local_midnight, zone_label
from crawler.storage.selection import PostFilter

METRICS = ("posts", "authors", "flagged_posts")


@dataclass(frozen=True)
class ReportWindow:
    """What a report covers: the event day, the periods before and after it, the posts."""

    region: str
    region_name: str
    timezone: str
    event: date
    before: timedelta
    after: timedelta
    sources: tuple[str, ...] = ()

    @property
    def event_start(self) -> datetime:
        """00:00 of the event day in the region's zone: the 'after' period starts here."""
        return local_midnight(self.event, self.timezone)

    @property
    def start(self) -> datetime:
        """Start of the 'before' period (inclusive)."""
        return (self.event_start - self.before).astimezone(ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        """End of the 'after' period (exclusive)."""
        return (self.event_start + self.after).astimezone(ZoneInfo(self.timezone))

    def days(self) -> list[date]:
        """Every local day the window touches, in order."""
        first = self.start.date()
        last = (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def post_filter(self) -> PostFilter:
        """The posts of the window: the region's, of the chosen sources, in [start, end)."""
        return PostFilter(region=self.region, sources=self.sources, since=self.start,
                          until=self.end)


@dataclass(frozen=True)
class Comparison:
    """One metric before and after the event; the change is that of the per-day rates
    (the change of the totals when both periods are equally long)."""

    metric: str
    before: int
    after: int
    before_per_day: float
    after_per_day: float
    change_pct: float | None  # None when there was nothing before


@dataclass(frozen=True)
class DailyCount:
    """Posts of one local day and one key (a platform, a source, a watchlist flag)."""

    day: date
    key: str
    posts: int


@dataclass(frozen=True)
class ThreadSummary:
    """One of the most active threads of the window."""

    site: str
    thread_native_id: str
    title: str | None
    source: str
    platform: str
    url: str | None
    posts: int
    posts_before: int
    posts_after: int
    authors: int
    flagged_posts: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class FlaggedPost:
    """A flagged post, author pseudonymized and excerpt redacted (crawler.report.redact)."""

    uid: str
    at: datetime
    source: str
    platform: str
    author: str | None
    flags: list[str]
    excerpt: str
    url: str
    cluster_id: int | None
    cluster_size: int | None
    deleted: bool


@dataclass(frozen=True)
class PeriodCount:
    """Posts before and after the event for one key (a term, a watchlist flag)."""

    key: str
    posts_before: int
    posts_after: int

    @property
    def posts(self) -> int:
        """Both periods together."""
        return self.posts_before + self.posts_after


@dataclass(frozen=True)
class AreaCount:
    """Posts naming one regency/city (or district) of the region, before and after."""

    code: str
    name: str
    posts_before: int
    posts_after: int
    flagged_posts: int
    change_pct: float | None


@dataclass
class Report:
    """Every figure of one report."""

    window: ReportWindow
    generated_at: datetime
    comparison: list[Comparison]
    daily_by_platform: list[DailyCount]
    daily_by_source: list[DailyCount]
    watchlist_daily: list[DailyCount]
    flags: list[PeriodCount]
    top_flagged: list[FlaggedPost]
    top_threads: list[ThreadSummary]
    top_terms: list[PeriodCount]
    areas: list[AreaCount]
    area_unnamed: AreaCount
    notes: list[str] = field(default_factory=list)

    def metric(self, name: str) -> Comparison:
        """The comparison of metric ``name`` (posts, authors, flagged_posts)."""
        return next(c for c in self.comparison if c.metric == name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (``pantau report --format json``)."""
        w = self.window
        zone = ZoneInfo(w.timezone)

        def period(start: datetime, end: datetime) -> dict[str, Any]:
            return {"start": start.astimezone(zone).isoformat(),
                    "end": end.astimezone(zone).isoformat(),
                    "days": (end - start).total_seconds() / 86400}

        return _jsonable({
            "report": {
                "region": w.region, "region_name": w.region_name, "timezone": w.timezone,
                "zone": zone_label(w.timezone, w.event_start), "event": w.event,
                "sources": list(w.sources), "generated_at": self.generated_at,
                "before": period(w.start, w.event_start),
                "after": period(w.event_start, w.end),
            },
            "comparison": {c.metric: {k: v for k, v in asdict(c).items() if k != "metric"}
                           for c in self.comparison},
            "daily_volume": {
                "by_platform": [_daily(d, "platform") for d in self.daily_by_platform],
                "by_source": [_daily(d, "source") for d in self.daily_by_source],
            },
            "watchlist": {
                "daily": [_daily(d, "flag") for d in self.watchlist_daily],
                "flags": [_period(p, "flag") for p in self.flags],
                "top_flagged_posts": [asdict(p) for p in self.top_flagged],
            },
            "top_threads": [asdict(t) for t in self.top_threads],
            "top_terms": [_period(p, "term") for p in self.top_terms],
            "areas": [asdict(a) for a in self.areas],
            "area_unnamed": asdict(self.area_unnamed),
            "notes": self.notes,
        }, zone)


def _daily(count: DailyCount, key: str) -> dict[str, Any]:
    return {"day": count.day, key: count.key, "posts": count.posts}


def _period(count: PeriodCount, key: str) -> dict[str, Any]:
    return {key: count.key, "posts": count.posts, "posts_before": count.posts_before,
            "posts_after": count.posts_after}


def _jsonable(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v, zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, zone) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def change_pct(before: float, after: float) -> float | None:
    """Relative change in percent, one decimal; None when ``before`` is 0."""
    if before == 0:
        return None
    return round((after - before) / before * 100, 1)
