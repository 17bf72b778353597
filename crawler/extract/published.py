"""When a post was published, and how pantau knows: from the page, or relative to the fetch.

``published_date("Kamis, 18 April 2019 10:05 WIB")`` is an absolute date from the page
(``via="page"``); ``published_date("2 jam yang lalu", now=...)``, ``"kemarin pukul 10.05"``,
``"sejam yang lalu"``, ``"yesterday at 10:05 am"`` are relative to the moment the page was
fetched (``via="relative"``: exact to the unit the page shows). WIB, WITA and WIT in the text
set the zone (Asia/Jakarta, Asia/Makassar, Asia/Jayapura); otherwise the site's ``tz`` is
used. Text with no readable date gives ``Published(None, "first_seen")``: the normalize
pipeline then stores no ``published_at`` and ``published_via = 'first_seen'``, and analysts
read ``COALESCE(published_at, first_seen_at)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crawler.extract.article_dates import parse_indonesian_date
from crawler.extract.dates import parse_forum_date

ZONE_NAMES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
_ZONE = re.compile(r"\b(WITA|WIB|WIT)\b")
_RELATIVE = re.compile(
    r"\b(?:yang\s+lalu|lalu|ago|kemarin|kemaren|yesterday|hari\s+ini|today|barusan|"
    r"baru\s+saja|just\s+now|tadi|kmrn|minggu\s+lalu|bulan\s+lalu|last)\b",
    re.IGNORECASE,
)
# "pukul 10.05", "pkl 10.05", "jam 10:05" -> "10:05": dateparser reads only the colon form
_CLOCK = re.compile(r"\b(?:pukul|pkl\.?|jam)\s*(\d{1,2})[.:](\d{2})\b", re.IGNORECASE)
# "sejam", "semenit", "sehari" -> "1 jam"...: Indonesian's se- for "one"
_ONE = re.compile(r"\bse(detik|menit|jam|hari|minggu|pekan|bulan|tahun)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Published:
    """A publication time and how it was obtained (crawler.items.PUBLISHED_VIA)."""

    at: datetime | None
    via: str


def is_relative(text: str) -> bool:
    """Whether a displayed date is relative to when the page was fetched."""
    return bool(_RELATIVE.search(text))


def published_date(text: str | None, tz: str = "Asia/Jakarta", now: datetime | None = None,
                   languages: list[str] | tuple[str, ...] | str | None = None) -> Published:
    """The time a page shows for a post, with how it was obtained; never raises."""
    if not text or not text.strip():
        return Published(None, "first_seen")
    zone = _ZONE.search(text)
    if zone is not None:
        tz = ZONE_NAMES[zone.group(1)]
    langs = languages if languages is not None else ("id", "en")
    if is_relative(text):
        cleaned = _ONE.sub(r"1 \1", _CLOCK.sub(r"\1:\2", _ZONE.sub(" ", text)))
        found = parse_forum_date(cleaned, tz=tz, now=now, languages=langs)
        return Published(found, "relative") if found else Published(None, "first_seen")
    found = parse_indonesian_date(text, tz) or parse_forum_date(
        _CLOCK.sub(r"\1:\2", _ZONE.sub(" ", text)), tz=tz, now=now, languages=langs)
    return Published(found, "page") if found else Published(None, "first_seen")
