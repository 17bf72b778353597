"""A fast path for the forum dates most pages show, tried before dateparser.

phpBB's default format ``D M d, Y g:i a`` ("Sen Mar 18, 2024 10:05 am", "Mon Mar 18, 2024
10:05 am") and its relative forms ("Hari ini, 10:05 am", "Kemarin, 23:59", "Today, ...",
"Yesterday, ..."), in Indonesian or English, take dateparser about a millisecond each; a
regular expression and a table read them in microseconds. On a topic page of ten posts that
is most of the parsing time (docs/benchmarks.md, "Crawl").

The fast path answers only where it is certain to give dateparser's answer, and declines
(returns None, so the caller asks dateparser) everywhere else: a language other than
Indonesian or English among the page's languages, words of two languages mixed (dateparser
refuses "Sen May 9"), an hour that does not fit its am/pm, a wall time that a daylight-saving
change makes ambiguous or skips, years before 1970 (local mean time offsets). Weekday names
are not checked against the date, as dateparser does not check them either.
tests/test_quick_dates.py compares both on thousands of generated dates.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

MONTHS = {
    "id": {"jan": 1, "januari": 1, "feb": 2, "februari": 2, "mar": 3, "maret": 3, "apr": 4,
           "april": 4, "mei": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8,
           "agustus": 8, "sep": 9, "september": 9, "okt": 10, "oktober": 10, "nov": 11,
           "november": 11, "des": 12, "desember": 12},
    "en": {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
           "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8,
           "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
           "nov": 11, "november": 11, "dec": 12, "december": 12},
}  # fmt: skip
WEEKDAYS = {
    "id": frozenset({"min", "minggu", "sen", "senin", "sel", "selasa", "rab", "rabu", "kam",
                     "kamis", "jum", "jumat", "sab", "sabtu"}),
    "en": frozenset({"sun", "sunday", "mon", "monday", "tue", "tuesday", "wed", "wednesday",
                     "thu", "thursday", "fri", "friday", "sat", "saturday"}),
}  # fmt: skip
DAYS_AGO = {"id": {"hari ini": 0, "kemarin": 1}, "en": {"today": 0, "yesterday": 1}}
LANGUAGES = frozenset(MONTHS)

_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s?(?P<half>am|pm))?"
_ABSOLUTE = re.compile(
    r"(?:(?P<weekday>[a-z]+),?\s)?(?P<month>[a-z]+)\s(?P<day>\d{1,2}),?\s(?P<year>\d{4}),?\s"
    + _CLOCK)
_RELATIVE = re.compile(r"(?P<ago>hari ini|kemarin|today|yesterday),?\s" + _CLOCK)
_FIRST_YEAR = 1970


def quick_parse(cleaned: str, zone: tzinfo, now: datetime,
                languages: list[str]) -> datetime | None:
    """The date ``cleaned`` (see ``clean_date_text``) names in ``zone``, or None to decline.

    ``now`` is the aware current time in ``zone``; ``languages`` the page's language codes
    as :func:`crawler.extract.dates.parse_forum_date` tries them (English is added there).
    The caller still rejects dates too far in the future.
    """
    if not languages or not LANGUAGES.issuperset(languages):
        return None
    allowed = {*languages, "en"}
    text = cleaned.lower()
    if match := _ABSOLUTE.fullmatch(text):
        weekday, month = match["weekday"], match["month"]
        for language in allowed:
            number = MONTHS[language].get(month)
            if number is not None and (weekday is None or weekday in WEEKDAYS[language]):
                return _local(zone, int(match["year"]), number, int(match["day"]), match)
        return None
    if match := _RELATIVE.fullmatch(text):
        ago = next((table[match["ago"]] for language, table in DAYS_AGO.items()
                    if language in allowed and match["ago"] in table), None)
        if ago is None:
            return None
        day = now.date() - timedelta(days=ago)
        return _local(zone, day.year, day.month, day.day, match)
    return None


def _local(zone: tzinfo, year: int, month: int, day: int, clock: re.Match[str]) -> datetime | None:
    """The wall time in ``zone``, or None where dateparser's answer could differ."""
    hour, minute, half = int(clock["hour"]), int(clock["minute"]), clock["half"]
    if half is not None:
        if not 1 <= hour <= 12:
            return None  # "13:05 pm", "0:05 am": dateparser has its own ideas
        hour = hour % 12 + (12 if half == "pm" else 0)
    if year < _FIRST_YEAR:
        return None
    try:
        when = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        return None  # "Feb 30", "24:05": dateparser decides (it says None)
    offset = when.utcoffset()
    if offset is None or offset != when.replace(fold=1).utcoffset() or offset.seconds % 60:
        return None  # a daylight-saving fold or gap, or an offset with seconds
    return when
