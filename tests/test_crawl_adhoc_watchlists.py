"""`pantau crawl URL --region CODE`: the ad-hoc source gets that region's watchlists and time
zone from the sources file, as a source configured under the region does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery

from crawler.config.settings import Settings
from crawler.config.sources import load_sources
from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.enrich.enricher import Enricher
from crawler.extract.urls import site_key
from crawler.items import post_uid
from crawler.runner.spec import CrawlSpec
from tests.workers import running_worker, worker_env

SOURCES = """
regions:
  - code: "62"
    name: Kalimantan Tengah
    timezone: Asia/Pontianak
    watchlists:
      - name: isu
        terms: [hoaks]
    sources:
      - name: forum-kalteng
        url: http://127.0.0.1:9/forum/
        engine: phpbb
  - code: "62.71"
    name: Kota Palangka Raya
    watchlists:
      - name: isu
        terms: [sembako]
      - name: sara
        terms: [usir pendatang]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return path


def adhoc(config: Path | None, region: str | None) -> Any:
    from crawler.cli.crawl import resolve_target

    return resolve_target("http://127.0.0.1:8765/forum/", Settings(), config, region, "phpbb",
                          "keep")


def test_an_adhoc_source_takes_its_regions_watchlists_and_zone(config: Path) -> None:
    source = adhoc(config, "62.71")
    lists = {w.name: w.terms for w in source.watchlists}
    # the city's lists, and its province's (62 encloses 62.71), merged by name
    assert lists == {"isu": ["sembako", "hoaks"], "sara": ["usir pendatang"]}
    assert lists == {w.name: w.terms for w in load_sources(config).region_watchlists("62.71")}
    assert source.timezone == "Asia/Jakarta"  # the region block's, as for its own sources
    spec = CrawlSpec.for_source(source, 1)  # what the crawl task's spider enriches with
    assert [w.name for w in spec.watchlists] == ["isu", "sara"]
    assert spec.region == "62.71"
    province = adhoc(config, "62")
    assert [(w.name, w.terms) for w in province.watchlists] == [("isu", ["hoaks"])]
    assert province.timezone == "Asia/Pontianak"
    # a code below the file's regions takes its innermost enclosing region's
    assert adhoc(config, "62.71.01").watchlists == source.watchlists


def test_without_the_region_in_the_file_or_a_file_nothing_is_added(
        config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_LANG", "en")
    from crawler.config.settings import get_settings

    get_settings.cache_clear()
    try:
        other = adhoc(config, "63")
    finally:
        get_settings.cache_clear()
    assert (other.watchlists, other.timezone) == ([], None)
    out = " ".join(capsys.readouterr().out.split())  # Rich wraps at the terminal's width
    assert f"region 63 is not in {config}: crawling without watchlists" in out
    assert adhoc(None, "62").watchlists == []


@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.mark.integration
@pytest.mark.slow
def test_a_crawl_of_a_url_flags_posts_with_the_regions_watchlists(
        forum: DemoForumServer, database: str, redis_url: str, client: Celery,
        config: Path, tmp_path: Path) -> None:
    env = worker_env(database, redis_url, tmp_path, PANTAU_CONFIG=str(config), PANTAU_LANG="en")
    with running_worker(env, tmp_path / "worker.log", client):
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", forum.url, "--region", "62", "--engine",
             "phpbb", "--authors", "keep", "--wait"],
            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "watchlists of region 62: isu" in result.stdout
    enricher = Enricher(load_sources(config).region_watchlists("62"))
    site = site_key(forum.url)
    expected = {post_uid("phpbb", site, "post", p.native_id) for p in forum.forum.truth()
                if enricher.enrich(p.title or None, p.body_text, "62", None).watchlist_flags}
    assert expected, "the demo forum talks about hoaks"
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT uid, watchlist_flags FROM posts WHERE site = %s",
                            [site]).fetchall()
    assert len(rows) == len(forum.forum.truth())
    assert {uid for uid, flags in rows if flags} == expected
    assert {f for _, flags in rows for f in flags} == {"isu:hoaks"}
