"""The enrich stage in a real crawl: the demo forum crawled through the runner into
PostgreSQL arrives with language, region codes and watchlist flags; authors pseudonymized
with the key from the environment, the same in every process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from crawler.authors import author_identity
from crawler.config.sources import Source
from crawler.config.watchlists import Watchlist
from crawler.demosite import DemoForumServer, build_forum
from crawler.enrich.enricher import Enricher
from crawler.runner import CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.workers import worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KEY = "test-pseudonym-key-62"
WATCHLISTS = [Watchlist(name="isu", terms=["hoaks", "kabut asap", "banjir"])]


def test_crawled_posts_arrive_enriched_and_pseudonymized(
        fresh_migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    database = fresh_migrated_database
    env = worker_env(database, redis_url, tmp_path, PANTAU_PSEUDONYM_KEY=KEY)
    forum = build_forum()
    with DemoForumServer(forum) as site:
        source = Source.model_validate({
            "name": "demo-kalteng", "url": site.url, "engine": "phpbb", "region": "62.71",
            "limits": {"max_pages": 12}, "watchlists": [w.model_dump() for w in WATCHLISTS]})
        with psycopg.connect(database) as conn:
            run_id = RunStore(conn).create(source.name, source.region)
        spec = CrawlSpec.for_source(source, run_id)
        assert spec.watchlists == WATCHLISTS
        outcome = run_crawl(spec, env=env, timeout=240)
        assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-3000:]
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT native_id, title, body_text, language, region_codes, watchlist_flags,"
            " author_key, author_name FROM posts WHERE source = %s", [source.name]).fetchall()
    assert len(rows) >= 30
    truth = {t.native_id: t for t in forum.truth()}
    enricher = Enricher(WATCHLISTS)
    for native_id, title, body, language, regions, flags, author_key, author_name in rows:
        expected = enricher.enrich(title, body, "62.71", None)
        assert (language, regions, flags) == (expected.language, expected.region_codes,
                                              expected.watchlist_flags)
        assert regions[:2] == ["62.71", "62"]
        author = truth[native_id]
        assert (author_key, author_name) == author_identity(
            "pseudonymize", spec.site, author.author_id, author.author_name, KEY.encode())
        assert author_name is not None and author_name.startswith("anon-")
        assert author.author_name not in (author_name, author_key)
    assert sum(1 for row in rows if row[3] == "id") >= 0.8 * len(rows)
    assert any(len(row[4]) > 2 for row in rows)  # posts naming other regions (Sampit, Kotim)
    assert any(row[5] for row in rows)  # and watchlist terms


def test_pseudonyms_are_stable_across_processes_and_depend_on_the_key() -> None:
    site = "http://127.0.0.1:8631/forum/"
    here = author_identity("pseudonymize", site, "42", "budi", KEY.encode())
    script = ("import json, sys; from crawler.authors import author_identity; "
              "print(json.dumps(author_identity('pseudonymize', sys.argv[1], '42', 'budi', "
              "sys.argv[2].encode())))")
    there = subprocess.run([sys.executable, "-c", script, site, KEY], capture_output=True,
                           text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    assert tuple(json.loads(there.stdout)) == here
    assert author_identity("pseudonymize", site, "42", "budi", b"another key") != here
    assert author_identity("pseudonymize", site, "43", "budi", KEY.encode()) != here
    assert author_identity("keep", site, "42", "budi", None)[1] == "budi"
    assert author_identity("drop", site, "42", "budi", KEY.encode()) == (None, None)
