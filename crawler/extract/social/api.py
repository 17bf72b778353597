"""Reading JSON API responses: the body, and the ISO 8601 times the APIs write."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def parse_json(text: str) -> Any:
    """An API response body; ValueError names what came instead of JSON (e.g. an HTML
    error page)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"not a JSON API response: {text[:80]!r}") from None


def api_time(value: Any) -> datetime | None:
    """``2024-11-01T06:00:00.000Z`` (or with an offset) as an aware datetime; None if unset."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
