"""Maintenance on schedule: the beat's `pantau.enrich` and `pantau.purge_raw` entries, what
they do when a real worker runs them, their locks, and `pantau schedule list|sync`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from celery import Celery

from crawler.config.settings import Settings
from crawler.config.sources import load_sources
from crawler.enrich.stored import ENRICH_LOCK_KEY
from crawler.enrich.watchmap import WatchlistMap
from crawler.storage.enrichment import PURGE_LOCK_KEY
from tasks.app import celery_config
from tasks.beat_entries import SourceEntry, stored_state
from tasks.beat_maintenance import MAINTENANCE_PREFIX, sync_maintenance
from tasks.maintenance import DIGEST_KEY
from tests.factories import make_post
from tests.test_cli import pantau
from tests.test_enrich_stored import SOURCES_YAML, campaign, flags, store
from tests.workers import client_for, running_worker, worker_env

pytestmark = pytest.mark.integration
PREFIX = "pantau:beat:"
ENRICH_KEY = f"{PREFIX}{MAINTENANCE_PREFIX}enrich"
PURGE_KEY = f"{PREFIX}{MAINTENANCE_PREFIX}purge-raw"


@pytest.fixture
def app(redis_url: str) -> Iterator[Celery]:
    """A Celery app configured as pantau's on the session's Redis db; beat keys removed."""
    client = Celery("pantau-maintenance-test")
    client.conf.update(celery_config(Settings(redis_url=redis_url, database_url="postgresql://"
                                              "unused@127.0.0.1:1/x")))
    raw = redis.Redis.from_url(redis_url)
    raw.delete(DIGEST_KEY)
    yield client
    for key in [*raw.scan_iter(match=PREFIX + "*"), DIGEST_KEY]:
        raw.delete(key)
    raw.close()


def sources(tmp_path: Path, terms: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES_YAML.format(terms=terms), encoding="utf-8")
    return path


def definition(redis_url: str, key: str) -> dict[str, Any]:
    with redis.Redis.from_url(redis_url, decode_responses=True) as raw:
        return json.loads(raw.hget(key, "definition") or "null")


def test_sync_writes_the_maintenance_entries_from_settings_and_watchlists(
        app: Celery, redis_url: str, tmp_path: Path) -> None:
    settings = Settings(enrich_interval=600, purge_raw_interval=3600)
    parsed = load_sources(sources(tmp_path, "bakar"))
    start = datetime.now(UTC).replace(microsecond=0)
    report = sync_maintenance(app, parsed, settings, now=start)
    assert report.added == ["enrich", "purge-raw"]
    enrich, purge = definition(redis_url, ENRICH_KEY), definition(redis_url, PURGE_KEY)
    assert (enrich["task"], purge["task"]) == ("pantau.enrich", "pantau.purge_raw")
    assert enrich["options"] == {"queue": "maintenance", "expires": 600.0}
    assert purge["options"] == {"queue": "maintenance", "expires": 3600.0}
    assert (enrich["schedule"]["every"], purge["schedule"]["every"]) == (600.0, 3600.0)
    assert purge["args"] == []
    carried = WatchlistMap.from_json(enrich["args"][0])
    assert carried.source("forum-kalteng") == ("62", list(parsed.sources()[0].watchlists))
    assert carried.digest() == WatchlistMap.of(parsed).digest()
    due = stored_state(app, "enrich", kind=MAINTENANCE_PREFIX)["due_at"]
    assert abs(due - (start + timedelta(seconds=600))) < timedelta(seconds=5)
    assert sync_maintenance(app, parsed, settings, now=start).unchanged == [
        "enrich", "purge-raw"]

    # a watchlist change rewrites the enrich entry (keeping its time); 0 switches one off
    SourceEntry.from_key(ENRICH_KEY, app=app).reschedule(start + timedelta(minutes=10))
    changed = load_sources(sources(tmp_path, "bakar, usir pendatang"))
    report = sync_maintenance(app, changed, Settings(enrich_interval=600, purge_raw_interval=0))
    assert (report.changed, report.removed) == (["enrich"], ["purge-raw"])
    assert WatchlistMap.from_json(definition(redis_url, ENRICH_KEY)["args"][0]).digest() != (
        carried.digest())
    assert stored_state(app, "enrich", kind=MAINTENANCE_PREFIX)["last_run_at"] == (
        start + timedelta(minutes=10))
    assert definition(redis_url, PURGE_KEY) is None


def test_schedule_sync_and_list_show_the_maintenance_tasks(
        app: Celery, redis_url: str, tmp_path: Path) -> None:
    env = {"PANTAU_REDIS_URL": redis_url, "PANTAU_STATE_DIR": str(tmp_path / "state"),
           "PANTAU_ENRICH_INTERVAL": "300", "COLUMNS": "200"}
    config = str(sources(tmp_path, "bakar"))
    synced = pantau("schedule", "sync", "--config", config, env=env)
    assert synced.returncode == 0, synced.stderr
    assert "added: maintenance:enrich, maintenance:purge-raw" in synced.stdout
    listed = pantau("schedule", "list", "--config", config, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    upkeep = {row["name"]: row for row in json.loads(listed.stdout)
              if row["kind"] == "maintenance"}
    assert upkeep["enrich"]["every_seconds"] == 300
    assert upkeep["purge-raw"]["every_seconds"] == 86400  # the default: daily
    assert upkeep["enrich"]["task"] == "pantau.enrich"
    due = datetime.fromisoformat(upkeep["enrich"]["next_runs"][0])
    assert timedelta(0) < due - datetime.now(UTC) <= timedelta(seconds=300)
    table = pantau("schedule", "list", "--config", config, env={**env, "PANTAU_LANG": "id"})
    assert table.returncode == 0, table.stderr
    assert "tugas perawatan (antrean maintenance)" in table.stdout
    line = next(li for li in table.stdout.splitlines() if "pantau.enrich" in li)
    assert "setiap 300 detik" in line


def cluster_ids(database: str) -> dict[str, int | None]:
    with psycopg.connect(database) as conn:
        return dict(conn.execute("SELECT uid, cluster_id FROM posts").fetchall())


@pytest.mark.slow
def test_a_worker_runs_the_scheduled_tasks(app: Celery, fresh_migrated_database: str,
                                           redis_url: str, tmp_path: Path) -> None:
    database = fresh_migrated_database
    now = datetime.now(UTC)
    copies = [make_post(i, body_text=t, native_id=f"c{i}", author_key=f"a{i}", seen_at=now,
                        watchlist_flags=[]) for i, t in enumerate(campaign(62)[:6])]
    burning = make_post(50, body_text="Rumah warga dibakar massa di Sampit tadi malam.",
                        seen_at=now, watchlist_flags=[])
    old = make_post(60, seen_at=now - timedelta(days=40), raw={"html": "<p>x</p>"})
    store(database, [*copies[:4], burning, old], {"forum-kalteng": "62"})
    config = sources(tmp_path, "bakar")
    sync_maintenance(app, load_sources(config), Settings(enrich_interval=600))
    client = client_for(database, redis_url)
    env = worker_env(database, redis_url, tmp_path, PANTAU_RAW_RETENTION_DAYS="30")

    def run_entry(key: str) -> dict[str, Any]:
        """What the beat sends for this entry, taken by the worker from its queue."""
        entry = SourceEntry.from_key(key, app=app)
        result = client.send_task(entry.task, args=entry.args, kwargs=entry.kwargs,
                                  queue=entry.options["queue"])
        return dict(result.get(timeout=120))

    # the worker serves `maintenance` without being asked to
    with running_worker(env, tmp_path / "worker.log", client, "--concurrency", "1"):
        first = run_entry(ENRICH_KEY)  # no digest recorded yet: every post is (re-)flagged
        assert first == {"status": "done", "reflagged_all": True, "posts": 6, "flagged": 1,
                         "signatures": 6, "clusters": 1}
        assert flags(database)[burning.uid] == ["sara:bakar"]
        clusters = cluster_ids(database)
        (campaign_cluster,) = {clusters[p.uid] for p in copies[:4]}
        assert campaign_cluster is not None

        store(database, copies[4:], {})  # new posts of a later crawl
        second = run_entry(ENRICH_KEY)
        assert (second["reflagged_all"], second["posts"], second["signatures"]) == (False, 2, 2)
        clusters = cluster_ids(database)
        assert {clusters[p.uid] for p in copies} == {campaign_cluster}

        # a watchlist change reaches the entry at the next sync, and the next run re-flags
        sync_maintenance(app, load_sources(sources(tmp_path, "usir pendatang, dibodohi")),
                         Settings(enrich_interval=600))
        third = run_entry(ENRICH_KEY)
        assert (third["reflagged_all"], third["posts"], third["signatures"]) == (True, 8, 0)
        after = flags(database)
        assert after[burning.uid] == []
        assert all(after[p.uid] == ["sara:dibodohi"] for p in copies)
        assert cluster_ids(database) == clusters, "re-flagging leaves the clusters be"

        purged = run_entry(PURGE_KEY)
        assert (purged["status"], purged["posts"]) == ("done", 1)
        with psycopg.connect(database) as conn:
            raw = dict(conn.execute(
                "SELECT uid, coalesce(raw ? 'html', false) FROM posts").fetchall())
        assert raw == {p.uid: p.uid != old.uid for p in [*copies, burning, old]}

        # the run locks: a second enrich or purge while one runs is skipped, not queued twice
        with psycopg.connect(database, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s), pg_advisory_lock(%s)",
                           [ENRICH_LOCK_KEY, PURGE_LOCK_KEY])
            assert run_entry(ENRICH_KEY)["status"] == "skipped"
            assert run_entry(PURGE_KEY)["status"] == "skipped"
