"""Alerts: rules over the durable crawl history, delivered to webhooks, rate-limited.

``rules`` finds what is wrong (failing sources, silent breaks, watchlist spikes),
``webhook`` delivers one alert (generic JSON, Slack or Telegram), ``check`` runs a whole
check under a lock and records every delivery in ``alerts_sent``. ``pantau alerts check``
and the Celery task ``pantau.check_alerts`` both call :func:`crawler.alerts.check.run_check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RULES = ("failed_runs", "silent_break", "watchlist_spike")


@dataclass(frozen=True)
class Alert:
    """One finding. ``(rule, subject)`` is what rate limiting counts; ``message`` is the text
    people read (one paragraph); ``details`` carries the numbers behind it."""

    rule: str
    subject: str
    region: str | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)
