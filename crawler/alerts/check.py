"""One alert check: evaluate the rules, rate-limit, deliver, record - one check at a time.

A check holds a PostgreSQL advisory lock, so two checks started together (a cron job and a
beat task, or two beat processes) never send the same alert twice; the second one returns
at once as skipped. An alert whose (rule, subject) was delivered within
``PANTAU_ALERT_WINDOW`` seconds is suppressed. A failed delivery is recorded with its error
and does not count: the alert is tried again at the next check.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.alerts import Alert
from crawler.alerts.config import AlertConfig, TargetError
from crawler.alerts.rules import evaluate
from crawler.alerts.webhook import WebhookSender
from crawler.storage.alerts import AlertLog
from crawler.storage.db import connect

log = logging.getLogger("pantau.alerts")
# pg_try_advisory_lock key: "pantauAl" as a stable 64-bit number
CHECK_LOCK_KEY = 0x70616E746175416C
OUTCOMES = ("sent", "failed", "logged", "suppressed", "dry-run")


@dataclass(frozen=True)
class Outcome:
    """What became of one alert: sent, failed (``error``), logged (no target configured),
    suppressed (rate limit) or dry-run (evaluated only)."""

    alert: Alert
    status: str
    target: str | None = None
    attempts: int = 0
    error: str | None = None


@dataclass
class CheckReport:
    """The outcomes of one check; ``skipped`` says why a check did not run at all."""

    outcomes: list[Outcome] = field(default_factory=list)
    skipped: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the Celery task's result and ``pantau alerts check --json``."""
        return {"skipped": self.skipped,
                "counts": {s: self.count(s) for s in OUTCOMES},
                "alerts": [{**asdict(o.alert), "status": o.status, "target": o.target,
                            "attempts": o.attempts, "error": o.error}
                           for o in self.outcomes]}


def run_check(database_url: str, config: AlertConfig, *, now: datetime | None = None,
              dry_run: bool = False, sender: WebhookSender | None = None) -> CheckReport:
    """Evaluate every rule and deliver what fires (see the module docstring)."""
    sender = sender or WebhookSender(config.settings)
    with connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (CHECK_LOCK_KEY,)).fetchone()
        if not row or not row[0]:
            return CheckReport(skipped="another alert check is running")
        try:
            alerts = evaluate(conn, config, now)
            alert_log = AlertLog(conn)
            window = config.settings.alert_window
            fired_at = now or datetime.now(UTC)
            outcomes = []
            for alert in alerts:
                if alert_log.recently_delivered(alert.rule, alert.subject, window):
                    outcomes.append(Outcome(alert, "suppressed"))
                elif dry_run:
                    outcomes.append(Outcome(alert, "dry-run"))
                else:
                    outcomes.append(deliver(alert, config, sender, alert_log, fired_at))
            return CheckReport(outcomes)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (CHECK_LOCK_KEY,))


def deliver(alert: Alert, config: AlertConfig, sender: WebhookSender, alert_log: AlertLog,
            fired_at: datetime | None = None) -> Outcome:
    """Send one alert to its region's target (or log it) and record the outcome."""
    log.warning("%s", alert.message)
    try:
        target = config.target(alert.region)
    except TargetError as err:
        outcome = Outcome(alert, "failed", error=str(err))
    else:
        if target is None:
            outcome = Outcome(alert, "logged")
        else:
            result = sender.send(alert, target, fired_at)
            outcome = Outcome(alert, "sent" if result.ok else "failed", target.label,
                              result.attempts, result.error)
    if outcome.error:
        log.error("alert %s/%s not delivered: %s", alert.rule, alert.subject, outcome.error)
    alert_log.record(rule=alert.rule, subject=alert.subject, region=alert.region,
                     status=outcome.status, message=alert.message, details=alert.details,
                     target=outcome.target, attempts=outcome.attempts, error=outcome.error)
    return outcome


def send_test(database_url: str, config: AlertConfig, region: str | None = None,
              sender: WebhookSender | None = None) -> Outcome:
    """Send a test alert to the region's target (no rate limit) and record it."""
    where = f" for region {region}" if region else ""
    alert = Alert(rule="test", subject=region or "-", region=region,
                  message=f"pantau: test alert{where}; webhook delivery works.")
    with connect(database_url, autocommit=True) as conn:
        return deliver(alert, config, sender or WebhookSender(config.settings),
                       AlertLog(conn), datetime.now(UTC))
