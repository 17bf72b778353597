"""Localized forum dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.extract.dates import clean_date_text, parse_forum_date

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2025, 3, 12, 15, 30, tzinfo=WIB)


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("Sen Mar 18, 2024 10:05 am", ["id"], datetime(2024, 3, 18, 10, 5)),
        ("Rab Agu 07, 2024 3:15 pm", "id", datetime(2024, 8, 7, 15, 15)),
        ("Min Des 01, 2024 12:00 am", "id-ID", datetime(2024, 12, 1, 0, 0)),
        ("Kam Mei 02, 2024 12:30 pm", ["id"], datetime(2024, 5, 2, 12, 30)),
        ("Jum Okt 11, 2024 1:05 am", ["id"], datetime(2024, 10, 11, 1, 5)),
        ("Hari ini, 10:05 am", ["id"], datetime(2025, 3, 12, 10, 5)),
        ("Kemarin, 11:59 pm", ["id"], datetime(2025, 3, 11, 23, 59)),
        ("2 jam yang lalu", ["id"], datetime(2025, 3, 12, 13, 30)),
        ("Today, 10:05 am", ["en"], datetime(2025, 3, 12, 10, 5)),
        ("Yesterday, 9:00 pm", ["en"], datetime(2025, 3, 11, 21, 0)),
        ("Mon Mar 18, 2024 10:05 am", ["en"], datetime(2024, 3, 18, 10, 5)),
        ("21.01.2009, 05:42", ["de"], datetime(2009, 1, 21, 5, 42)),
        ("03.04.2009, 05:42", ["de"], datetime(2009, 4, 3, 5, 42)),  # day first in German
        ("Mi 21. Jan 2009, 05:42", "de", datetime(2009, 1, 21, 5, 42)),
        ("oleh budi_palangka » Sen Mar 18, 2024 10:05 am", ["id"], datetime(2024, 3, 18, 10, 5)),
        ("Beitrag von r23 » 21.01.2009, 05:42 ", ["de"], datetime(2009, 1, 21, 5, 42)),
        ("Sen Mar 18, 2024 10:05 am", None, datetime(2024, 3, 18, 10, 5)),  # detected
    ],
)
def test_parse_forum_date(text: str, languages: list[str] | str | None,
                          expected: datetime) -> None:
    parsed = parse_forum_date(text, tz="Asia/Jakarta", now=NOW, languages=languages)
    assert parsed == expected.replace(tzinfo=WIB)
    assert parsed is not None
    assert parsed.utcoffset() is not None


def test_timezone_is_the_boards() -> None:
    parsed = parse_forum_date("21.01.2009, 05:42", tz="Europe/Berlin", languages="de")
    assert parsed == datetime(2009, 1, 21, 5, 42, tzinfo=ZoneInfo("Europe/Berlin"))
    assert parsed is not None
    assert parsed.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    ["", None, "   ", "garbage xx", "Balasan", "»", "lorem ipsum dolor sit amet " * 5, "\x00\x01"],
)
def test_garbage_gives_none(text: str | None) -> None:
    assert parse_forum_date(text, now=NOW, languages=["id"]) is None


def test_bad_timezone_gives_none() -> None:
    assert parse_forum_date("Sen Mar 18, 2024 10:05 am", tz="Mars/Olympus", languages="id") is None


def test_unknown_language_tag_falls_back_to_detection() -> None:
    parsed = parse_forum_date("Mon Mar 18, 2024 10:05 am", now=NOW, languages=["xx-YY"])
    assert parsed == datetime(2024, 3, 18, 10, 5, tzinfo=WIB)


def test_future_dates_are_rejected() -> None:
    assert parse_forum_date("Sen Mar 18, 2030 10:05 am", now=NOW, languages="id") is None


def test_clean_date_text() -> None:
    assert clean_date_text("\n Beitrag von\xa0r23 »  21.01.2009,  05:42 ") == "21.01.2009, 05:42"
