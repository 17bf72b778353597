"""Every social kind end to end: its mock crawled through the runner into PostgreSQL, stored
exactly as its ground truth (identity by canonical URI for federated platforms), then
re-crawled incrementally after new items appeared: only those are fetched and stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.config.settings import get_settings
from crawler.config.sources import Source
from crawler.items import post_uid
from crawler.runner import CrawlSpec, run_crawl
from crawler.runner.outcome import judge
from crawler.storage.runs import RunStore
from tests.sites import bluesky, mastodon, reddit, telegram
from tests.sites.mastodon_model import build_instance
from tests.sites.social import SocialServer
from tests.workers import worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

Row = tuple[Any, ...]


@dataclass
class Case:
    """A kind's mock, start path, its truth as (native_id, kind, thread, parent, published,
    body) rows, what to add before the re-crawl, and the re-crawl's expected requests."""

    make: Callable[[], SocialServer]
    path: str
    truth: Callable[[Any], set[Row]]
    add: Callable[[Any], int]  # adds items, returns how many posts are new
    requests: Callable[[Any], list[str]]  # what the re-crawl fetches (no robots.txt)


def _add_messages(server: telegram.TelegramServer) -> int:
    for i in range(3):
        server.model.add([f"Update malam ke-{i}."], 9000 + i, reply_to=46)
    return 3


def _add_statuses(server: mastodon.MastodonServer) -> int:
    instance = server.model
    root = next(s for s in instance.statuses if "pilkada" in s.tags and not s.reply_to)
    instance.post(instance.accounts[0], "Rekap debat ketiga.", tags=["pilkada"])
    instance.post(instance.accounts[1], "Sepakat.", tags=["pilkada"], reply_to=root)
    return 2


def _add_posts(server: bluesky.BlueskyServer) -> int:
    kalteng = server.model.actors[0]
    server.model.post(kalteng, "Hasil rapat pleno KPU.")
    server.model.post(kalteng, "Rekapitulasi suara dimulai besok.")
    return 2


def _add_submissions(server: reddit.RedditServer) -> int:
    sub = server.model
    sub.submit("Quick count sudah keluar?", 99_000)
    fresh = sub.submit("Lokasi TPS keliling", 99_100, selftext="Ada yang tahu?")
    sub.comment(fresh, None, "Cek situs KPU.", 99_101)
    return 3


def _mastodon_truth(server: mastodon.MastodonServer) -> set[Row]:
    return {(r[0], r[2], r[3], r[4], r[8], r[11])
            for r in mastodon.truth(server, mastodon.timeline(server, "tags/pilkada"))}


CASES: dict[str, Case] = {
    "telegram": Case(
        lambda: telegram.TelegramServer(telegram.build_channel()), "s/kalteng_info",
        lambda s: {(r[0], r[2], r[3], r[4], r[8], r[9]) for r in telegram.truth(s)},
        _add_messages, lambda s: ["/s/kalteng_info?after=48"]),
    "mastodon": Case(
        lambda: mastodon.MastodonServer(build_instance()), "tags/pilkada", _mastodon_truth,
        _add_statuses, lambda s: [
            f"/api/v1/timelines/tag/pilkada?limit=40&min_id={s.model.statuses[-3].id - 1000}",
            f"/api/v1/statuses/{s.model.statuses[-1].id}/context",
            f"/api/v1/timelines/tag/pilkada?limit=40&min_id={s.model.statuses[-1].id}"]),
    "bluesky": Case(
        lambda: bluesky.BlueskyServer(bluesky.build_network()), "profile/kalteng.bsky.social",
        lambda s: {(r[0], r[2], r[3], r[4], r[7], r[8])
                   for r in bluesky.truth(s, s.model.actors[0])},
        _add_posts,
        lambda s: ["/xrpc/app.bsky.feed.getAuthorFeed?actor=kalteng.bsky.social&limit=100"]),
    "reddit": Case(
        lambda: reddit.RedditServer(reddit.build_subreddit()), "r/Kalteng",
        lambda s: {(r[0], r[2], r[3], r[4], r[8], r[11]) for r in reddit.truth(s)},
        _add_submissions, lambda s: [
            "POST /api/v1/access_token", "/r/kalteng/new?limit=100&raw_json=1",
            f"/r/kalteng/comments/{s.model.submissions[-1].id}?limit=500&sort=old&raw_json=1"]),
}
COLUMNS = "native_id, kind, thread_native_id, parent_native_id, published_at, body_text"


@pytest.fixture
def reddit_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Reddit API credentials in this process's settings (validation) and for the spider."""
    env = {"PANTAU_REDDIT_CLIENT_ID": reddit.CLIENT[0],
           "PANTAU_REDDIT_CLIENT_SECRET": reddit.CLIENT[1]}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def _stored(database: str, source: str) -> tuple[set[Row], list[tuple[str, str, str]]]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM posts WHERE source = %s", [source]).fetchall()
        keys = conn.execute("SELECT uid, platform, site FROM posts WHERE source = %s",
                            [source]).fetchall()
    assert len(rows) == len(set(rows))
    return set(rows), keys


@pytest.mark.parametrize("kind", list(CASES))
def test_social_source_is_stored_as_its_truth_then_recrawled_incrementally(
        kind: str, fresh_migrated_database: str, redis_url: str, tmp_path: Path,
        reddit_app: dict[str, str]) -> None:
    case, database = CASES[kind], fresh_migrated_database
    env = worker_env(database, redis_url, tmp_path, **reddit_app)
    with case.make() as site:
        source = Source.model_validate({"name": f"social-{kind}", "kind": kind, "region": "62",
                                        "url": f"{site.origin}/{case.path}", "authors": "keep"})

        def crawl() -> tuple[dict[str, Any], str]:
            with psycopg.connect(database) as conn:
                run_id = RunStore(conn).create(source.name, "62")
            site.request_log.clear()
            spec = CrawlSpec.for_source(source, run_id)
            outcome = run_crawl(spec, env=env, timeout=240)
            assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-3000:]
            status, reason = judge(outcome, spec)
            assert status == "succeeded", reason
            return outcome.stats, spec.site

        first, site_key = crawl()
        stored, keys = _stored(database, source.name)
        assert stored == case.truth(site)
        assert first["posts_new"] == len(stored)
        site_part = "" if kind in ("mastodon", "bluesky") else site_key
        assert {uid for uid, _, _ in keys} == {
            post_uid(kind, site_part, row[1], row[0]) for row in stored}
        assert {(platform, site) for _, platform, site in keys} == {(kind, site_key)}

        with site.lock:
            added = case.add(site)
        again, _ = crawl()
        stored, _ = _stored(database, source.name)
        assert stored == case.truth(site)
        assert again["posts_new"] == added
        assert sorted(r for r in site.request_log if r != "/robots.txt") == sorted(
            case.requests(site))
