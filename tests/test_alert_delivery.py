"""Alert delivery to a local webhook receiver: each payload format, retries, the rate limit,
a receiver that is down, per-region targets, the check lock, the Celery task and the CLI."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.alerts import Alert
from crawler.alerts.check import CHECK_LOCK_KEY, run_check
from crawler.alerts.config import AlertConfig, Target, TargetError
from crawler.alerts.webhook import WebhookSender
from crawler.config.alerts import RegionAlerts
from crawler.config.settings import Settings, get_settings
from tests.alerting import NOW, clean, insert_run, receiver
from tests.test_cli import closed_port, pantau

FAST = {"alert_retries": 2, "alert_retry_backoff": 0.01, "alert_timeout": 2}
TOKEN = "123456:SECRET-token"


@pytest.fixture
def db(database: str) -> Iterator[str]:
    clean(database)
    yield database
    clean(database)


def failing_source(url: str, source: str = "forum-a", region: str = "62",
                   at: datetime = NOW) -> None:
    """Three failed runs, the last one ending ``at``."""
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(3):
            insert_run(conn, source, "failed", region=region, reason=f"HTTP 503 #{i}",
                       finished_at=at - timedelta(minutes=2 - i))


def sent_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT rule, subject, status, target, attempts, error"
                            " FROM alerts_sent ORDER BY id").fetchall()


def test_generic_json_payload_and_the_rate_limit(db: str) -> None:
    failing_source(db)
    with receiver() as hook:
        config = AlertConfig(Settings(alert_webhook_url=f"{hook.url}/pantau", **FAST))
        first = run_check(db, config, now=NOW)
        second = run_check(db, config, now=NOW)
    assert [(o.status, o.attempts) for o in first.outcomes] == [("sent", 1)]
    assert [o.status for o in second.outcomes] == ["suppressed"]
    assert len(hook.requests) == 1
    request = hook.requests[0]
    assert request.path == "/pantau"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    alert = first.outcomes[0].alert
    assert request.body == {
        "source": "pantau", "rule": "failed_runs", "subject": "forum-a", "region": "62",
        "message": alert.message, "fired_at": NOW.isoformat(),
        "details": {"consecutive_failures": 3, "threshold": 3, "last_run": 3,
                    "last_reason": "HTTP 503 #2", "last_finished_at": NOW.isoformat()}}
    assert sent_rows(db) == [("failed_runs", "forum-a", "sent",
                              f"json {hook.url}", 1, None)]
    with receiver() as hook2:  # a window of 0 switches the rate limit off
        no_limit = AlertConfig(Settings(alert_webhook_url=hook2.url, alert_window=0, **FAST))
        assert [o.status for o in run_check(db, no_limit, now=NOW).outcomes] == ["sent"]


def test_slack_and_telegram_payloads() -> None:
    alert = Alert("failed_runs", "forum-a", "62", "pantau: source forum-a failed")
    with receiver() as hook:
        settings = Settings(alert_format="telegram", alert_telegram_bot_token=TOKEN,
                            alert_telegram_chat_id="-100200300",
                            alert_telegram_api_url=f"{hook.url}/tg/", **FAST)
        sender = WebhookSender(settings)
        telegram = AlertConfig(settings).target("62")
        assert telegram is not None and telegram.label == f"telegram {hook.url}"
        slack = Target("slack", f"{hook.url}/services/T0/B0/xyz")
        assert sender.send(alert, slack).ok and sender.send(alert, telegram).ok
        hook.statuses.append((400, {"ok": False, "description": "Bad Request: chat not found"}))
        refused = sender.send(alert, telegram)
        hook.statuses.append((200, {"ok": False, "description": "Forbidden: bot was blocked"}))
        blocked = sender.send(alert, telegram)
    assert [(r.path, r.body) for r in hook.requests[:2]] == [
        ("/services/T0/B0/xyz", {"text": "pantau: source forum-a failed"}),
        (f"/tg/bot{TOKEN}/sendMessage", {"chat_id": "-100200300",
                                         "text": "pantau: source forum-a failed",
                                         "disable_web_page_preview": True})]
    assert (refused.ok, refused.attempts) == (False, 1)  # a 400 is final: no retry
    assert refused.error == (f"HTTP 400 from telegram {hook.url}: "
                             '{"ok": false, "description": "Bad Request: chat not found"}')
    assert blocked.error == f"telegram {hook.url} refused the message: Forbidden: bot was blocked"
    assert TOKEN not in f"{refused.error} {blocked.error}"


def test_retries_transient_failures_then_gives_up_with_a_clear_error() -> None:
    alert = Alert("failed_runs", "forum-a", "62", "x")
    sleeps: list[float] = []
    with receiver() as hook:
        sender = WebhookSender(Settings(**FAST), sleep=sleeps.append)
        target = Target("json", hook.url)
        hook.statuses += [(503, None), (429, {"parameters": {"retry_after": 7}})]
        delivered = sender.send(alert, target)
        assert (delivered.ok, delivered.attempts, len(hook.requests)) == (True, 3, 3)
        hook.statuses += [(500, None)] * 3
        failed = sender.send(alert, target)
    assert sleeps == [0.01, 7.0, 0.01, 0.02]
    assert (failed.ok, failed.attempts) == (False, 3)
    assert failed.error == f"HTTP 500 from json {hook.url}: {{}}"


def test_a_receiver_that_is_down_is_recorded_and_retried_next_time(db: str) -> None:
    failing_source(db)
    port = closed_port()
    config = AlertConfig(Settings(alert_webhook_url=f"http://127.0.0.1:{port}/hook", **FAST))
    report = run_check(db, config, now=NOW)
    outcome = report.outcomes[0]
    assert (outcome.status, outcome.attempts) == ("failed", 3)
    assert outcome.error is not None and outcome.error.startswith(
        f"cannot reach json http://127.0.0.1:{port}: ")
    assert "Connection refused" in outcome.error
    assert [o.status for o in run_check(db, config, now=NOW).outcomes] == ["failed"]
    with receiver() as hook:  # the receiver is back: the alert goes out now
        back = AlertConfig(Settings(alert_webhook_url=hook.url, **FAST))
        assert [o.status for o in run_check(db, back, now=NOW).outcomes] == ["sent"]
    assert [row[2] for row in sent_rows(db)] == ["failed", "failed", "sent"]


def test_a_receiver_that_does_not_answer_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)  # accepts connections, never answers
    port = listener.getsockname()[1]
    try:
        settings = Settings(alert_timeout=0.3, alert_retries=1, alert_retry_backoff=0)
        result = WebhookSender(settings).send(Alert("r", "s", None, "m"),
                                              Target("slack", f"http://127.0.0.1:{port}/x"))
    finally:
        listener.close()
    assert (result.ok, result.attempts) == (False, 2)
    assert result.error == f"no answer from slack http://127.0.0.1:{port} within 0.3 s"


def test_regions_route_alerts_to_their_own_webhook(db: str, monkeypatch: Any) -> None:
    failing_source(db, "city-forum", "62.71")
    failing_source(db, "other-forum", "63")
    failing_source(db, "unset-var", "64")
    with receiver() as city, receiver() as default:
        monkeypatch.setenv("KALTENG_HOOK", f"{city.url}/kalteng")
        regions = {"62": RegionAlerts(webhook_url="${KALTENG_HOOK}", format="slack"),
                   "64": RegionAlerts(webhook_url="${NOT_SET_ANYWHERE}")}
        config = AlertConfig(Settings(alert_webhook_url=default.url, **FAST), regions)
        report = run_check(db, config, now=NOW)
    by_subject = {o.alert.subject: o for o in report.outcomes}
    assert by_subject["city-forum"].status == "sent"
    assert [r.body for r in city.requests] == [{"text": by_subject["city-forum"].alert.message}]
    assert [r.body["subject"] for r in default.requests] == ["other-forum"]
    assert (by_subject["unset-var"].status, by_subject["unset-var"].error) == (
        "failed", "webhook URL variable NOT_SET_ANYWHERE is not set")


def test_without_a_target_alerts_are_logged_and_rate_limited(db: str) -> None:
    failing_source(db)
    config = AlertConfig(Settings(**FAST))
    assert [o.status for o in run_check(db, config, now=NOW).outcomes] == ["logged"]
    assert [o.status for o in run_check(db, config, now=NOW).outcomes] == ["suppressed"]
    with pytest.raises(TargetError, match="PANTAU_ALERT_TELEGRAM_BOT_TOKEN"):
        AlertConfig(Settings(alert_format="telegram")).target(None)


def test_one_check_at_a_time_and_dry_runs_send_nothing(db: str) -> None:
    failing_source(db)
    config = AlertConfig(Settings(alert_webhook_url="http://127.0.0.1:9/never", **FAST))
    with psycopg.connect(db, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (CHECK_LOCK_KEY,))
        assert run_check(db, config, now=NOW).skipped == "another alert check is running"
    dry = run_check(db, config, now=NOW, dry_run=True)
    assert [o.status for o in dry.outcomes] == ["dry-run"]
    assert sent_rows(db) == []


def test_celery_task_runs_a_check_with_the_regions_it_is_given(db: str, redis_url: str,
                                                              monkeypatch: Any) -> None:
    failing_source(db, at=datetime.now(UTC))  # the task judges at the current time
    from tasks.alerts import check_alerts

    with receiver() as hook:
        monkeypatch.setenv("PANTAU_DATABASE_URL", db)
        monkeypatch.setenv("PANTAU_REDIS_URL", redis_url)
        monkeypatch.delenv("PANTAU_CONFIG", raising=False)
        get_settings.cache_clear()
        try:
            result = check_alerts.apply(kwargs={"regions": {
                "62": {"webhook_url": hook.url, "format": "slack"}}}).get(timeout=30)
        finally:
            get_settings.cache_clear()
    assert result["counts"]["sent"] == 1 and result["skipped"] is None
    assert result["alerts"][0]["subject"] == "forum-a"
    assert [r.body for r in hook.requests] == [{"text": result["alerts"][0]["message"]}]


def test_cli_check_and_test(db: str, redis_url: str, tmp_path: Path) -> None:
    failing_source(db, at=datetime.now(UTC))
    sources = tmp_path / "sources.yaml"
    env = {"PANTAU_DATABASE_URL": db, "PANTAU_REDIS_URL": redis_url,
           "PANTAU_STATE_DIR": str(tmp_path), "PANTAU_ALERT_RETRIES": "0"}
    with receiver() as hook:
        sources.write_text(
            "regions:\n  - code: '62'\n    name: Kalimantan Tengah\n"
            f"    alerts: {{webhook_url: '{hook.url}/k', format: slack}}\n")
        result = pantau("alerts", "check", "--config", str(sources), env=env)
        assert result.returncode == 0, result.stderr
        assert "failed_runs" in result.stdout and "sent" in result.stdout
        result = pantau("alerts", "test", "--region", "62", "--config", str(sources), env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"sent to slack {hook.url} after 1 attempt(s)"
    assert [r.path for r in hook.requests] == ["/k", "/k"]
    result = pantau("alerts", "history", env=env)
    assert result.returncode == 0, result.stderr
    cells = [[c.strip() for c in line.split("│")[2:5]]
             for line in result.stdout.splitlines() if " sent " in line]
    assert cells == [["test", "62", "sent"], ["failed_runs", "forum-a", "sent"]]
    port = closed_port()
    result = pantau("alerts", "test", env={**env, "PANTAU_ALERT_WEBHOOK_URL":
                                           f"http://127.0.0.1:{port}/h"})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"error: test alert not delivered: cannot reach json "
                               f"http://127.0.0.1:{port}: ")
    assert lines[1] == ("hint: check the webhook settings (docs/operations.md, 'Alerts by "
                        "webhook')")
    sources.write_text("regions:\n  - code: '62'\n    name: K\n    alerts: {format: teams}\n")
    result = pantau("alerts", "check", "--config", str(sources), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"error: {sources}: region 62: field 'alerts.format': Input should be 'json', "
        "'slack' or 'telegram', got 'teams'")
