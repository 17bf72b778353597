"""The beat's entries in Redis: written from the sources file, updated and removed by a sync,
reloaded by the scheduler, and what a due entry sends."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery

from crawler.config.settings import Settings, get_settings
from crawler.config.sources import load_sources
from crawler.schedule.model import Schedule
from crawler.schedule.timetable import Timetable
from tasks.app import celery_config
from tasks.beat import RELOAD, PantauScheduler
from tasks.beat_entries import SourceEntry, WindowedSchedule, stored_state, sync_schedule

REGION = "94.71"  # Kota Jayapura (WIT): a queue no other test's worker serves
QUEUE = f"crawl.{REGION}"
PREFIX = "pantau:beat:"


def sources_yaml(*sources: str, region_schedule: str = "{every: 6h}") -> str:
    return (f"regions:\n  - code: '{REGION}'\n    name: Kota Jayapura\n"
            f"    timezone: Asia/Jayapura\n    schedule: {region_schedule}\n    sources:\n"
            + "".join(f"      - {s}\n" for s in sources))


def src(name: str, extra: str = "") -> str:
    return (f"{{name: {name}, engine: phpbb, url: 'http://127.0.0.1:9/{name}/', "
            f"authors: keep{', ' + extra if extra else ''}}}")


@pytest.fixture
def app(redis_url: str) -> Iterator[Celery]:
    """A Celery app configured as pantau's, on the session's Redis db; beat keys removed."""
    client = Celery("pantau-schedule-test")
    client.conf.update(celery_config(Settings(redis_url=redis_url, database_url="postgresql://"
                                              "unused@127.0.0.1:1/x")))
    yield client
    raw = redis.Redis.from_url(redis_url)
    for key in [*raw.scan_iter(match=PREFIX + "*"), QUEUE.encode()]:
        raw.delete(key)
    raw.close()


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def definition(raw: redis.Redis, name: str) -> dict[str, Any]:
    return json.loads(raw.hget(f"{PREFIX}source:{name}", "definition") or "null")


def test_sync_writes_one_entry_per_scheduled_source(app: Celery, raw: redis.Redis,
                                                    tmp_path: Path) -> None:
    text = sources_yaml(
        src("forum-a"),
        src("forum-b", "browser: true, schedule: {cron: '0 */2 * * *'}"),
        src("manual-c", "schedule: {manual: true}"),
        src("disabled-d", "enabled: false"))
    parsed = load_sources(write(tmp_path, text))
    now = datetime(2024, 11, 20, 3, 17, tzinfo=UTC)
    report = sync_schedule(app, parsed, now=now)
    assert report.added == ["forum-a", "forum-b"] and not report.removed
    assert sorted(raw.zrange(f"{PREFIX}:schedule", 0, -1)) == [
        f"{PREFIX}source:forum-a", f"{PREFIX}source:forum-b"]
    a, b = definition(raw, "forum-a"), definition(raw, "forum-b")
    assert a["task"] == "pantau.crawl_source" and a["kwargs"] == {}
    assert a["args"][0]["name"] == "forum-a" and a["args"][0]["region"] == REGION
    assert a["options"] == {"queue": QUEUE}
    assert b["options"] == {"queue": f"browser.{REGION}"}
    assert a["schedule"]["__type__"] == "pantau-windowed"
    entry = SourceEntry.from_key(f"{PREFIX}source:forum-b", app=app)
    assert isinstance(entry.schedule, WindowedSchedule)
    assert entry.schedule.spec.cron == "0 */2 * * *" and entry.schedule.zone == "Asia/Jayapura"
    # a new entry fires first at its next slot after the sync, in the region's zone (WIT)
    expected = Timetable(Schedule.model_validate({"every": "6h"}), "Asia/Jayapura").next_after(now)
    assert expected == datetime(2024, 11, 20, 9, tzinfo=UTC)  # 18:00 WIT
    assert stored_state(app, "forum-a")["due_at"] == expected
    assert stored_state(app, "forum-a")["last_run_at"] == now
    assert stored_state(app, "forum-a")["last_fired"] is None, "added, never fired"
    assert stored_state(app, "manual-c") == {}


def test_a_changed_file_updates_and_removes_entries(app: Celery, raw: redis.Redis,
                                                    tmp_path: Path) -> None:
    first = sources_yaml(src("forum-a"), src("forum-b"), src("forum-c"))
    start = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)
    sync_schedule(app, load_sources(write(tmp_path, first)), now=start)
    raw.zadd(f"{PREFIX}:schedule", {f"{PREFIX}someone-elses-entry": 1})  # not a source entry
    # forum-a fired at 18:00 WIT; the beat stored when
    fired = datetime(2024, 11, 20, 9, 0, 0, 300000, tzinfo=UTC)
    SourceEntry.from_key(f"{PREFIX}source:forum-a", app=app).reschedule(fired)
    assert sync_schedule(app, load_sources(write(tmp_path, first)), now=start).unchanged == [
        "forum-a", "forum-b", "forum-c"]

    second = sources_yaml(src("forum-a", "schedule: {every: 15m}"), src("forum-c",
                          "enabled: false"), src("forum-d"))
    later = datetime(2024, 11, 20, 9, 5, tzinfo=UTC)
    report = sync_schedule(app, load_sources(write(tmp_path, second)), now=later)
    assert (report.added, report.changed, report.removed, report.unchanged) == (
        ["forum-d"], ["forum-a"], ["forum-b", "forum-c"], [])
    assert raw.exists(f"{PREFIX}source:forum-b") == 0
    assert raw.zscore(f"{PREFIX}:schedule", f"{PREFIX}source:forum-c") is None
    assert raw.zscore(f"{PREFIX}:schedule", f"{PREFIX}someone-elses-entry") == 1
    state = stored_state(app, "forum-a")
    assert state["last_run_at"] == fired, "a changed entry keeps when it last fired"
    assert state["due_at"] == datetime(2024, 11, 20, 9, 15, tzinfo=UTC)  # next 15 min slot
    assert definition(raw, "forum-a")["args"][0]["schedule"]["every"] == "PT15M"


@pytest.fixture
def beat_env(monkeypatch: pytest.MonkeyPatch, redis_url: str, tmp_path: Path) -> Iterator[Path]:
    """PANTAU_CONFIG and a reload interval for an in-process PantauScheduler."""
    path = tmp_path / "sources.yaml"
    monkeypatch.setenv("PANTAU_CONFIG", str(path))
    monkeypatch.setenv("PANTAU_REDIS_URL", redis_url)
    monkeypatch.setenv("PANTAU_SCHEDULE_RELOAD", "0")
    get_settings.cache_clear()
    RELOAD.clear()
    yield path
    RELOAD.clear()
    get_settings.cache_clear()


def test_scheduler_reloads_and_keeps_the_schedule_on_a_bad_file(
        app: Celery, raw: redis.Redis, beat_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    beat_env.write_text(sources_yaml(src("forum-a")), encoding="utf-8")
    scheduler = PantauScheduler(app)
    assert scheduler.maybe_reload() is True
    assert raw.exists(f"{PREFIX}source:forum-a")
    beat_env.write_text(sources_yaml(src("forum-b")), encoding="utf-8")
    assert scheduler.maybe_reload() is False, "PANTAU_SCHEDULE_RELOAD=0: only on SIGHUP"
    beat_env.write_text(sources_yaml(src("forum-b", "schedule: {every: soon}")),
                        encoding="utf-8")
    RELOAD.set()
    with caplog.at_level(logging.ERROR, logger="pantau.beat"):
        assert scheduler.maybe_reload() is False
    assert "schedule not reloaded, the current one stays" in caplog.text
    assert "field 'schedule.every': not a duration 'soon'" in caplog.text
    assert raw.exists(f"{PREFIX}source:forum-a"), "a bad file loses nothing"
    beat_env.unlink()
    RELOAD.set()
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="pantau.beat"):
        assert scheduler.maybe_reload() is False
    assert "cannot read" in caplog.text and raw.exists(f"{PREFIX}source:forum-a")
    beat_env.write_text(sources_yaml(src("forum-b")), encoding="utf-8")
    RELOAD.set()
    assert scheduler.maybe_reload() is True
    assert not raw.exists(f"{PREFIX}source:forum-a") and raw.exists(f"{PREFIX}source:forum-b")


def test_a_due_entry_sends_its_slot_with_an_expiry(app: Celery, raw: redis.Redis,
                                                   beat_env: Path) -> None:
    beat_env.write_text(sources_yaml(src("forum-a"), region_schedule="{every: 1h}"),
                        encoding="utf-8")
    scheduler = PantauScheduler(app)
    scheduler.maybe_reload()
    key = f"{PREFIX}source:forum-a"
    now = datetime.now(UTC)
    slot = now.replace(minute=0, second=0, microsecond=0)  # WIT is UTC+9: whole hours agree
    SourceEntry.from_key(key, app=app).reschedule(slot - timedelta(minutes=59))
    entry = SourceEntry.from_key(key, app=app)
    assert entry.is_due()[0]
    scheduler.apply_async(entry, producer=scheduler.producer)
    (message,) = [json.loads(m) for m in raw.lrange(QUEUE, 0, -1)]
    headers = message["headers"]
    assert headers["task"] == "pantau.crawl_source"
    assert headers["pantau_slot"] == slot.isoformat()
    assert datetime.fromisoformat(headers["expires"]) == slot + timedelta(hours=1)
    assert headers["celery_beat_task"] is True
    state = stored_state(app, "forum-a")
    assert state["due_at"] == slot + timedelta(hours=1)
    assert state["runs"] == 1 and state["last_fired"] is not None


def test_sighup_requests_a_reload() -> None:
    import os
    import signal

    from tasks.beat import install_reload_signal

    previous = signal.getsignal(signal.SIGHUP)
    RELOAD.clear()
    try:
        install_reload_signal()
        os.kill(os.getpid(), signal.SIGHUP)
        assert RELOAD.wait(5)
    finally:
        signal.signal(signal.SIGHUP, previous)
        RELOAD.clear()


def test_beat_lock_must_outlast_a_tick() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="PANTAU_BEAT_LOCK_TIMEOUT must exceed "
                       "PANTAU_BEAT_MAX_INTERVAL"):
        Settings(beat_lock_timeout=5, beat_max_interval=5)
    assert Settings(beat_lock_timeout=6, beat_max_interval=5).beat_lock_timeout == 6
