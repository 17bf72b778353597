"""Time zones of Indonesian regions (WIB, WITA, WIT) and how times are shown in them.

A region's zone comes from the sources file (``Region.timezone``) when the region is in it,
else from its Kemendagri province code: Sumatra, Java, West and Central Kalimantan are WIB
(UTC+7), Bali, Nusa Tenggara, South, East and North Kalimantan and Sulawesi WITA (UTC+8),
Maluku and Papua WIT (UTC+9). Migration 0006's SQL function ``pantau_region_timezone``
holds the same mapping.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from crawler.config.sources import SourcesFile

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
# Province code -> zone, by the first digit, with the exceptions of Kalimantan (6x).
_BY_FIRST_DIGIT = {"1": WIB, "2": WIB, "3": WIB, "5": WITA, "7": WITA, "8": WIT, "9": WIT}
_KALIMANTAN = {"61": WIB, "62": WIB, "63": WITA, "64": WITA, "65": WITA}
_ABBREVIATIONS = {7: "WIB", 8: "WITA", 9: "WIT"}
MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def zone_of_code(code: str) -> str | None:
    """The IANA zone of a Kemendagri code by its province, or None for an unknown province."""
    province = code[:2]
    if province in _KALIMANTAN:
        return _KALIMANTAN[province]
    return _BY_FIRST_DIGIT.get(province[:1]) if province.isdigit() else None


def region_zone(code: str, sources: SourcesFile | None = None) -> str:
    """The zone of region ``code``: the sources file's (this region or the nearest enclosing
    one in the file), else by its province; WIB when neither knows the code."""
    if sources is not None:
        by_code = {region.code: region for region in sources.regions}
        parts = code.split(".")
        for depth in range(len(parts), 0, -1):
            region = by_code.get(".".join(parts[:depth]))
            if region is not None:
                return region.timezone
    return zone_of_code(code) or WIB


def zone_label(zone: str, at: datetime | None = None) -> str:
    """``WIB``/``WITA``/``WIT`` for Indonesian offsets, else ``UTC+HH:MM`` (at ``at``)."""
    moment = at or datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest == 0 and hours in _ABBREVIATIONS:
        return _ABBREVIATIONS[hours]
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_midnight(day: date, zone: str) -> datetime:
    """00:00 of ``day`` in ``zone`` (an aware datetime)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))


def format_day(day: date, lang: str, year: bool = True) -> str:
    """``17 Apr 2019`` (``17 Agu 2019`` in Indonesian); without the year: ``17 Apr``."""
    text = f"{day.day} {MONTHS[lang][day.month - 1]}"
    return f"{text} {day.year}" if year else text


def format_time(at: datetime | None, zone: str, lang: str) -> str:
    """``17 Apr 2019 10:05 WIB``: an aware time in ``zone``, with the zone's name."""
    if at is None:
        return ""
    local = at.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date(), lang)} {local:%H:%M} {zone_label(zone, at)}"
