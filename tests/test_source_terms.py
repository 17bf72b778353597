"""Per-source terms: a source with a terms note is refused by `pantau crawl`, reported by
`pantau sources validate`, left out by the beat (with a logged reason) and failed by the
crawl task before anything is fetched, unless the operator overrides it explicitly; an
override is logged and stored on every run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from celery import Celery
from psycopg.rows import dict_row

from crawler.config.sources import ConfigError, load_sources
from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.schedule.plans import blocked_plans, scheduled_plans
from tasks.beat import PantauScheduler
from tests.test_schedule_sync import PREFIX, app, beat_env, raw, sources_yaml, src
from tests.workers import running_worker, worker_env

__all__ = ["app", "beat_env", "raw"]  # fixtures shared with test_schedule_sync

NOTE = "site forbids automated crawling (ToS 4.2)"
OVERRIDE = "{by: Sari Dewi, reason: written permission of the owner, date: 2026-11-30}"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def three_sources() -> str:
    return sources_yaml(src("forum-blocked", f"terms: '{NOTE}'"),
                        src("forum-allowed", f"terms: '{NOTE}', terms_override: {OVERRIDE}"),
                        src("forum-plain"))


def test_terms_block_a_source_unless_overridden(tmp_path: Path) -> None:
    parsed = load_sources(write(tmp_path, three_sources()))
    blocked, allowed, plain = (parsed.source(n) for n in
                               ("forum-blocked", "forum-allowed", "forum-plain"))
    assert blocked.terms_block == f"blocked by its terms: {NOTE}"
    assert allowed.terms_block is None and plain.terms_block is None
    assert allowed.terms_override is not None
    assert allowed.terms_override.record(NOTE) == {
        "terms": NOTE, "by": "Sari Dewi", "reason": "written permission of the owner",
        "date": "2026-11-30"}
    assert allowed.terms_override.date == date(2026, 11, 30)
    assert [p.source.name for p in scheduled_plans(parsed)] == ["forum-allowed", "forum-plain"]
    assert blocked_plans(parsed) == {"forum-blocked": f"blocked by its terms: {NOTE}"}


@pytest.mark.parametrize(("extra", "message"), [
    (f"terms: '{NOTE}', terms_override: {{by: Sari, date: 2026-11-30}}",
     "source f: field 'terms_override.reason': Field required"),
    (f"terms: '{NOTE}', terms_override: {{by: Sari, reason: ok}}",
     "source f: field 'terms_override.date': Field required"),
    (f"terms: '{NOTE}', terms_override: {{reason: ok, date: 2026-11-30}}",
     "source f: field 'terms_override.by': Field required"),
    (f"terms: '{NOTE}', terms_override: {{by: ' ', reason: ok, date: 2026-11-30}}",
     "source f: field 'terms_override.by': must not be empty"),
    (f"terms: '{NOTE}', terms_override: {{by: Sari, reason: ok, date: soon}}",
     "source f: field 'terms_override.date': Input should be a valid date"),
    (f"terms: '{NOTE}', terms_override: {{by: Sari, reason: ok, date: 2026-11-30, "
     "sign: x}", "field 'terms_override.sign': unknown field"),
    ("terms_override: {by: Sari, reason: ok, date: 2026-11-30}",
     "source f: terms_override without terms"),
    ("terms: '  '", "source f: field 'terms': must not be empty"),
])
def test_a_bad_terms_block_is_one_line_naming_the_field(
        tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_sources(write(tmp_path, sources_yaml(src("f", extra))))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def pantau(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    return subprocess.run([sys.executable, "-m", "crawler", *args], text=True,
                          capture_output=True, timeout=60, check=False,
                          env={**base, "PANTAU_LANG": "en", **env})


def test_validate_reports_and_crawl_refuses_a_blocked_source(tmp_path: Path) -> None:
    path = write(tmp_path, three_sources())
    checked = pantau("sources", "validate", str(path))
    assert checked.returncode == 0, checked.stderr
    text = " ".join(checked.stdout.split())
    assert f"blocked forum-blocked: blocked by its terms: {NOTE}" in text
    assert (f"terms overridden forum-allowed: {NOTE} (override by Sari Dewi on 2026-11-30: "
            "written permission of the owner)") in text
    # Nothing listens at these URLs: the refusal must come before any connection.
    refused = pantau("crawl", "forum-blocked", "--config", str(path),
                     PANTAU_DATABASE_URL="postgresql://x@127.0.0.1:1/x",
                     PANTAU_REDIS_URL="redis://127.0.0.1:1/0")
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: source 'forum-blocked' is blocked by its terms: {NOTE}")
    assert lines[1].startswith("hint:") and "terms_override" in lines[1]
    assert "Traceback" not in refused.stderr


def test_the_beat_skips_a_blocked_source_and_logs_why(
        app: Celery, raw: redis.Redis, beat_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    beat_env.write_text(three_sources(), encoding="utf-8")
    scheduler = PantauScheduler(app)
    with caplog.at_level(logging.INFO, logger="pantau.beat"):
        assert scheduler.maybe_reload() is True
    assert f"beat: source forum-blocked not scheduled: blocked by its terms: {NOTE}" in (
        caplog.text)
    assert "1 blocked by terms" in caplog.text
    assert not raw.exists(f"{PREFIX}source:forum-blocked")
    assert raw.exists(f"{PREFIX}source:forum-allowed")
    assert raw.exists(f"{PREFIX}source:forum-plain")


# -- the crawl task, on a real worker ------------------------------------------------------

@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.fixture(scope="module")
def worker_log(database: str, redis_url: str, client: Celery,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("terms-worker")
    with running_worker(worker_env(database, redis_url, state), state / "worker.log", client):
        yield state / "worker.log"


def source(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "forum", "engine": "phpbb", "url": url, "region": "62",
            "timezone": "Asia/Jakarta", "authors": "keep", "terms": NOTE,
            "politeness": {"download_delay": 0, "concurrent_requests": 8}, **extra}


def last_run(database: str, name: str) -> dict[str, Any]:
    with psycopg.connect(database, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM crawl_runs WHERE source = %s ORDER BY id DESC"
                           " LIMIT 1", [name]).fetchone()
    assert row is not None
    return row


@pytest.mark.integration
@pytest.mark.slow
def test_the_task_fails_a_blocked_source_and_records_an_override(
        client: Celery, database: str, forum: DemoForumServer, worker_log: Path) -> None:
    forum.request_log.clear()
    blocked = client.send_task("pantau.crawl_source", args=[source("forum-tos", forum.url)],
                               queue="crawl.62")
    blocked.get(timeout=120, propagate=False)
    assert blocked.status == "FAILURE"
    assert f"blocked by its terms: {NOTE}" in str(blocked.result)
    run = last_run(database, "forum-tos")
    assert run["status"] == "failed"
    assert run["reason"].startswith(f"blocked by its terms: {NOTE}; ")
    assert run["terms_override"] is None
    assert list(forum.request_log) == [], "a blocked source is not fetched at all"

    override = {"by": "Sari Dewi", "reason": "written permission", "date": "2026-11-30"}
    allowed = client.send_task("pantau.crawl_source", args=[source(
        "forum-tos-ok", forum.url, terms_override=override)], queue="crawl.62")
    allowed.get(timeout=180, propagate=False)
    assert allowed.status == "SUCCESS", allowed.result
    run = last_run(database, "forum-tos-ok")
    assert run["status"] == "succeeded"
    assert run["terms_override"] == {"terms": NOTE, **override}
    assert list(forum.request_log), "an overridden source is crawled"
    log = worker_log.read_text(errors="replace")
    assert (f"crawl forum-tos-ok (run {run['id']}): terms '{NOTE}' overridden by Sari Dewi "
            "on 2026-11-30: written permission") in log
