"""The fast path for phpBB's default dates gives dateparser's answer wherever it answers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.extract.dates import (
    _language_codes,
    clean_date_text,
    parse_forum_date,
    parse_with_dateparser,
)
from crawler.extract.quick_dates import DAYS_AGO, MONTHS, WEEKDAYS, quick_parse

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2025, 3, 12, 15, 30, 41, 123456, tzinfo=WIB)
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Berlin", "America/New_York")
LANGUAGE_ARGS = (["id"], "id-ID", ["en"], ["id", "en"], ["en", "id"], "en-US")
SAMPLES = 2500


def both(text: str, tz: str, now: datetime,
         languages: list[str] | str) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(fast path alone, parse_forum_date, dateparser alone) for one text."""
    zone = ZoneInfo(tz)
    current = now.astimezone(zone)
    cleaned = clean_date_text(text)
    codes = _language_codes(languages)
    return (quick_parse(cleaned, zone, current, codes),
            parse_forum_date(text, tz=tz, now=now, languages=languages),
            parse_with_dateparser(cleaned, tz, current, codes))


def assert_same(got: datetime | None, want: datetime | None, text: str) -> None:
    assert got == want, text
    if got is not None and want is not None:  # the same wall time and offset, not only instant
        assert got.replace(tzinfo=None) == want.replace(tzinfo=None), text
        assert got.utcoffset() == want.utcoffset(), text


def clock(rng: random.Random, when: datetime) -> str:
    if rng.random() < 0.7:
        hour = when.hour % 12 or 12
        space = " " if rng.random() < 0.9 else ""
        return f"{hour}:{when.minute:02d}{space}{'am' if when.hour < 12 else 'pm'}"
    return f"{when.hour:0{rng.choice((1, 2))}d}:{when.minute:02d}"


def case(rng: random.Random, text: str) -> str:
    return rng.choice((text, text.upper(), text.lower(), text.title()))


def absolute(rng: random.Random, when: datetime) -> str:
    """phpBB's ``D M d, Y g:i a`` and near variants, one or (rarely) two languages mixed."""
    language = rng.choice(("id", "en"))
    months = [w for w, n in MONTHS[language].items() if n == when.month]
    other = "en" if language == "id" else "id"
    weekdays = sorted(WEEKDAYS[other if rng.random() < 0.05 else language])
    day = f"{when.day:0{rng.choice((1, 2))}d}"
    text = f"{rng.choice(months)} {day}, {when.year} {clock(rng, when)}"
    if rng.random() < 0.8:  # mostly a weekday, not always the right one
        text = f"{rng.choice(weekdays)}{rng.choice(('', ','))} {text}"
    if rng.random() < 0.1:
        text = text.replace(f"{when.year} ", f"{when.year}, ")
    return case(rng, text)


def relative(rng: random.Random, when: datetime) -> str:
    language = rng.choice(("id", "en"))
    word = rng.choice(sorted(DAYS_AGO[language]))
    return case(rng, f"{word}{rng.choice((',', ''))} {clock(rng, when)}")


def test_fast_path_agrees_with_dateparser_on_generated_dates() -> None:
    rng = random.Random(62)
    answered = 0
    for _ in range(SAMPLES):
        tz = rng.choice(ZONES)
        now = datetime(2026, 1, 1, tzinfo=WIB) - timedelta(seconds=rng.randrange(10**9))
        when = now + timedelta(minutes=rng.randrange(-5 * 10**6, 3000))  # some in the future
        when = when.astimezone(ZoneInfo(tz))
        if rng.random() < 0.2:
            text = relative(rng, when)
        else:
            text = absolute(rng, when)
            if rng.random() < 0.03:  # impossible days: both say None
                text = text.replace(f" {when.day:02d},", " 31,").replace(f" {when.day},", " 31,")
        languages = rng.choice(LANGUAGE_ARGS)
        quick, final, slow = both(f"oleh budi » {text}", tz, now, languages)
        if quick is not None:
            answered += 1
            # dateparser refuses a date more than a day ahead; otherwise it agrees exactly
            future = quick > now + timedelta(days=1)
            assert_same(None if future else quick, slow, f"{text} {languages} {tz} now={now}")
        assert_same(final, slow, f"{text} {languages} {tz} now={now}")
    # most generated dates take the fast path: the comparison above is not vacuous
    assert answered > SAMPLES * 0.6, answered


@pytest.mark.parametrize("language", sorted(MONTHS))
def test_every_word_means_what_dateparser_says(language: str) -> None:
    """Each month, weekday and relative word of the tables, alone, in its own language."""
    for word, month in MONTHS[language].items():
        text = f"{word} 09, 2024 10:05 pm"
        quick, _final, slow = both(text, "Asia/Jakarta", NOW, [language])
        assert quick == datetime(2024, month, 9, 22, 5, tzinfo=WIB), word
        assert_same(quick, slow, text)
    for word in WEEKDAYS[language]:
        text = f"{word} Mar 18, 2024 10:05 am"
        quick, _final, slow = both(text, "Asia/Jakarta", NOW, [language])
        assert quick == datetime(2024, 3, 18, 10, 5, tzinfo=WIB), word
        assert_same(quick, slow, text)
    for word, ago in DAYS_AGO[language].items():
        text = f"{word}, 11:59 pm"
        quick, _final, slow = both(text, "Asia/Jakarta", NOW, [language])
        assert quick == datetime(2025, 3, 12 - ago, 23, 59, tzinfo=WIB), word
        assert_same(quick, slow, text)


@pytest.mark.parametrize(
    ("text", "tz", "languages"),
    [
        ("Sen May 09, 2024 10:05 am", "Asia/Jakarta", ["id"]),  # two languages mixed
        ("Mon Agu 09, 2024 10:05 am", "Asia/Jakarta", ["en"]),  # Indonesian month, English page
        ("Hari ini, 10:05 am", "Asia/Jakarta", ["en"]),
        ("Sen Mar 18, 2024 13:05 pm", "Asia/Jakarta", ["id"]),  # an hour past its am/pm
        ("Sen Mar 18, 2024 0:05 am", "Asia/Jakarta", ["id"]),
        ("Sen Mar 18, 2024 24:05", "Asia/Jakarta", ["id"]),
        ("Sen Feb 30, 2024 10:05 am", "Asia/Jakarta", ["id"]),
        ("Sen Jan 01, 1900 1:05 am", "Asia/Jakarta", ["id"]),  # local mean time, +07:07:12
        ("Sun Mar 31, 2024 2:30 am", "Europe/Berlin", ["en"]),  # skipped by daylight saving
        ("Sun Oct 27, 2024 2:30 am", "Europe/Berlin", ["en"]),  # happens twice
        ("Sen Mar 18, 2024 10:05 am", "Asia/Jakarta", ["ms"]),  # not a fast-path language
        ("Sen Mar 18, 2024 10:05 am", "Asia/Jakarta", None),  # language detection
        ("Sen Mar 18, 24 10:05 am", "Asia/Jakarta", ["id"]),  # two-digit year
        ("Sen Mar 18, 2024 10.05 am", "Asia/Jakarta", ["id"]),
        ("18 Mar 2024, 10:05", "Asia/Jakarta", ["id"]),
        ("2 jam yang lalu", "Asia/Jakarta", ["id"]),
    ],
)
def test_fast_path_declines_what_it_cannot_be_sure_of(text: str, tz: str,
                                                      languages: list[str] | None) -> None:
    quick, final, slow = both(text, tz, NOW, languages or [])
    assert quick is None
    # the answer is then dateparser's, whatever it is
    assert_same(parse_forum_date(text, tz=tz, now=NOW, languages=languages),
                parse_with_dateparser(clean_date_text(text), tz, NOW.astimezone(ZoneInfo(tz)),
                                      _language_codes(languages)), text)
    del final, slow


def test_future_dates_are_still_rejected_on_the_fast_path() -> None:
    tomorrow_evening = "Kam Mar 13, 2025 11:05 pm"  # NOW + 1 day 7.5 hours
    assert quick_parse(tomorrow_evening, WIB, NOW, ["id"]) is not None
    assert parse_forum_date(tomorrow_evening, now=NOW, languages="id") is None
    assert parse_forum_date("Kam Mar 13, 2025 10:05 am", now=NOW, languages="id") == datetime(
        2025, 3, 13, 10, 5, tzinfo=WIB)  # within the day of slack
