"""Durations in the sources file: ``90s``, ``15m``, ``6h``, ``3d``, ``2w``.

One integer and one unit (s, m, h, d, w). ``parse_duration`` is lenient (pydantic judges
what it does not recognize: seconds as a number, ISO 8601); ``strict_duration`` is for
fields whose mistakes should read as one plain line.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DURATION_HINT = "use a number and a unit, e.g. 90s, 15m, 6h, 3d, 2w"


def parse_duration(value: Any) -> Any:
    """``"15m"`` -> ``timedelta(minutes=15)``; any other value is returned unchanged."""
    if isinstance(value, str) and (match := DURATION.match(value)):
        return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])
    return value


def strict_duration(value: Any) -> Any:
    """Like :func:`parse_duration`, but a string that is not a duration is a ValueError.

    Whole seconds (int) and timedeltas pass, so a model dumped to JSON (ISO 8601 strings
    such as ``PT15M``) validates again.
    """
    parsed = parse_duration(value)
    if isinstance(parsed, str) and not parsed.startswith(("P", "-P")):
        raise ValueError(f"not a duration {value!r} ({DURATION_HINT})")
    if isinstance(parsed, bool | float):
        raise ValueError(f"not a duration {value!r} ({DURATION_HINT})")
    return parsed


def format_duration(value: timedelta) -> str:
    """The shortest spelling in the file's units: ``timedelta(hours=6)`` -> ``"6h"``."""
    seconds = int(value.total_seconds())
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1]):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
