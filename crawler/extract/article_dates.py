"""Dates as Indonesian news pages show them: day and month names, and WIB/WITA/WIT.

``"Kamis, 18 April 2019 10:05 WIB"``, ``"02/11/2023, 14:30 WIB"``, ``"18 Agt 2019 pukul
10.05 WITA"``: a date (day first), an optional time (``:`` or ``.``) and an optional zone.
WIB is UTC+7 (Jakarta), WITA UTC+8 (Makassar), WIT UTC+9 (Jayapura); a date without a zone
is read in the site's time zone. English month names are understood too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

# Indonesia's three time zones, as pages abbreviate them.
ZONES: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}
MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    ("januari", "january", "jan"),
    ("februari", "pebruari", "february", "feb", "peb"),
    ("maret", "march", "mar"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "june", "jun"),
    ("juli", "july", "jul"),
    ("agustus", "august", "agu", "agt", "ags", "aug"),
    ("september", "sept", "sep"),
    ("oktober", "october", "okt", "oct"),
    ("november", "nopember", "nov", "nop"),
    ("desember", "december", "des", "dec"),
), start=1):
    for _name in _names:
        MONTHS[_name] = _number

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})"
    r"(?:\s*(?P<sep>[/.-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
    rf"|\s+(?P<name>{_MONTH_NAMES})\.?,?\s+)"
    r"(?P<year>\d{4})(?!\d)"
    r"(?:[\s,|\-\u2013/]*(?:(?:pukul|pkl\.?|jam)\s*)?"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?"
    r"(?:\s*(?P<zone>WITA|WIB|WIT)\b)?",
    re.IGNORECASE,
)


def _zone(tz: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_indonesian_date(text: str | None, tz: str = "Asia/Jakarta") -> datetime | None:
    """The first date in ``text`` as a timezone-aware datetime, or None; never raises.

    The zone the text names (WIB/WITA/WIT) wins over ``tz``, the site's IANA zone. A date
    without a time is midnight of that day.
    """
    if not text:
        return None
    zone = _zone(tz)
    for match in _DATE.finditer(text.replace("\xa0", " ")):
        found = _from_match(match, zone)
        if found is not None:
            return found
    return None


def has_time(text: str) -> bool:
    """True when the first date in ``text`` carries a time of day."""
    match = _DATE.search(text.replace("\xa0", " "))
    return bool(match and match.group("hour"))


def _from_match(match: re.Match[str], zone: ZoneInfo | None) -> datetime | None:
    month = (int(match.group("month")) if match.group("month")
             else MONTHS.get(match.group("name").lower().rstrip(".")))
    if month is None:
        return None
    label = (match.group("zone") or "").upper()
    tzinfo = ZONES.get(label) or zone
    if tzinfo is None:
        return None
    try:
        return datetime(int(match.group("year")), month, int(match.group("day")),
                        int(match.group("hour") or 0), int(match.group("minute") or 0),
                        int(match.group("second") or 0), tzinfo=tzinfo)
    except ValueError:  # 31/02, 25:00
        return None


def parse_iso_date(text: str | None, tz: str = "Asia/Jakarta") -> datetime | None:
    """An ISO 8601 / RFC 3339 stamp (``2023-11-02T14:34:19+00:00``, ``2023-11-02 21:34:19``,
    ``2023-11-02``) as an aware datetime; a stamp without offset is read in ``tz``."""
    if not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        zone = _zone(tz)
        if zone is None:
            return None
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def parse_any_date(text: str | None, tz: str = "Asia/Jakarta") -> datetime | None:
    """ISO first, then the Indonesian forms, then dateparser (Indonesian, then English)."""
    if not text or not text.strip():
        return None
    found = parse_iso_date(text, tz) or parse_indonesian_date(text, tz)
    if found is not None:
        return found
    settings = {"TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DATES_FROM": "past"}
    try:
        return dateparser.parse(text.strip(), languages=["id", "en"],
                                settings=settings)
    except Exception:  # dateparser raises on odd input; a date we cannot read is None
        return None
