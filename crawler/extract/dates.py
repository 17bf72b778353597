"""Localized forum dates ("Sen Mar 18, 2024 10:05 am", "Kemarin, 10:05", "21.01.2009, 05:42")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from dateparser.languages.loader import LocaleDataLoader

from crawler.extract.quick_dates import quick_parse

_SPACES = re.compile(r"\s+")
# Separators forums put between author and date ("von r23 »", "oleh budi -"); the date follows.
_AFTER_SEPARATOR = re.compile("^.*[\u00bb\u203a|]\\s*")  # guillemets or a bar
_KNOWN_LANGUAGES: frozenset[str] = frozenset(
    code for code in LocaleDataLoader().get_locale_map() if "-" not in code
)
# A date this far after "now" is a misparse (e.g. an ambiguous day/month read the wrong way).
_FUTURE_SLACK = timedelta(days=1)


def _language_codes(languages: list[str] | tuple[str, ...] | str | None) -> list[str]:
    """Page language tags ("id", "id-ID", "de_DE") reduced to codes dateparser knows."""
    if languages is None:
        return []
    if isinstance(languages, str):
        languages = [languages]
    codes: list[str] = []
    for tag in languages:
        code = tag.strip().replace("_", "-").split("-", 1)[0].lower()
        if code in _KNOWN_LANGUAGES and code not in codes:
            codes.append(code)
    return codes


def parse_iso(value: Any, zone: ZoneInfo) -> datetime | None:
    """An ISO 8601 stamp (``...Z``, ``...+07:00``, or none: the site's own time) in ``zone``;
    None when unset or not a stamp. For API timestamps and ``datetime`` attributes."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)


def clean_date_text(text: str) -> str:
    """Whitespace collapsed, an "author »" prefix and stray punctuation removed."""
    text = _SPACES.sub(" ", text.replace("\xa0", " ")).strip()
    return _AFTER_SEPARATOR.sub("", text).strip(" ,-\u2013")


def parse_forum_date(
    text: str | None,
    tz: str = "Asia/Jakarta",
    now: datetime | None = None,
    languages: list[str] | tuple[str, ...] | str | None = None,
) -> datetime | None:
    """A timezone-aware datetime for a date as a forum displays it, or None; never raises.

    ``tz`` is the board's time zone (the page rarely states it), ``now`` the moment relative
    texts ("Hari ini, 10:05 am", "Yesterday", "2 jam yang lalu") refer to (default: the current
    time), ``languages`` the page language(s) such as the ``<html lang>`` value. The page
    language is tried alone first (so its day/month order wins), then with English (phpBB
    language packs keep am/pm), and only without any known language does dateparser detect one.
    phpBB's default formats in Indonesian or English skip dateparser (crawler.extract.quick_dates).
    """
    if not text:
        return None
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    cleaned = clean_date_text(text)
    if not cleaned or (not any(ch.isdigit() for ch in cleaned) and len(cleaned) > 40):
        return None
    current = (now or datetime.now(zone)).astimezone(zone)
    codes = _language_codes(languages)
    quick = quick_parse(cleaned, zone, current, codes)  # phpBB's defaults, in microseconds
    if quick is not None:
        return quick if quick <= current + _FUTURE_SLACK else None
    return parse_with_dateparser(cleaned, tz, current, codes)


def parse_with_dateparser(cleaned: str, tz: str, current: datetime,
                          codes: list[str]) -> datetime | None:
    """:func:`parse_forum_date` without the fast path (``cleaned`` text, aware ``current``)."""
    zone = current.tzinfo
    settings: dict[str, Any] = {
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": current.replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
    }
    attempts: list[list[str] | None] = [codes] if codes else []
    if codes and "en" not in codes:
        attempts.append([*codes, "en"])
    if not codes:
        attempts.append(None)
    for attempt in attempts:
        try:
            parsed = dateparser.parse(cleaned, languages=attempt, settings=settings)
        except Exception:
            parsed = None
        if parsed is not None and parsed <= current + _FUTURE_SLACK:
            return parsed.astimezone(zone)
    return None
