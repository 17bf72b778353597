"""Dates as phpBB's Indonesian language pack shows them (format ``D M d, Y g:i a``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.demosite.words import DAYS, MONTHS


def _clock(when: datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'am' if when.hour < 12 else 'pm'}"


def format_date(when: datetime, now: datetime) -> str:
    """``Sen Mar 18, 2024 10:05 am``, or ``Hari ini, 10:05 am`` / ``Kemarin, 10:05 am``.

    Today and yesterday are judged by calendar day in the board time zone of ``now``.
    """
    local = when.astimezone(now.tzinfo)
    if local.date() == now.date():
        return f"Hari ini, {_clock(local)}"
    if local.date() == (now - timedelta(days=1)).date():
        return f"Kemarin, {_clock(local)}"
    day = DAYS[(local.weekday() + 1) % 7]
    return f"{day} {MONTHS[local.month - 1]} {local.day:02d}, {local.year} {_clock(local)}"
