"""Reddit: a source without API credentials fails validation with one line; with them the
spider reads the OAuth API mock (token renewed when it expires), and refused credentials end
the crawl with a reason that says so. Storage and the incremental re-crawl are in
test_social_store.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.config import ConfigError, load_sources
from crawler.config.settings import get_settings
from crawler.config.sources import Source
from crawler.extract.social import parse_target
from crawler.extract.social.reddit import comment_items, id_number
from crawler.runner import CrawlSpec, run_crawl
from crawler.runner.outcome import judge
from tests.sites.reddit import CLIENT, RedditServer, build_subreddit, truth
from tests.workers import FAST_ENV

SOURCES = """
regions:
  - code: "62"
    name: Kalimantan Tengah
    sources:
      - name: reddit-kalteng
        kind: reddit
        url: https://www.reddit.com/r/kalteng
"""


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """This process's settings, cleared before and after (get_settings is cached)."""
    monkeypatch.delenv("PANTAU_REDDIT_CLIENT_ID", raising=False)
    monkeypatch.delenv("PANTAU_REDDIT_CLIENT_SECRET", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_reddit_source_needs_api_credentials(tmp_path: Path,
                                             credentials: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: region 62, source reddit-kalteng: kind 'reddit' is "
                              "crawled only through Reddit's OAuth API: set "
                              "PANTAU_REDDIT_CLIENT_ID and PANTAU_REDDIT_CLIENT_SECRET")
    credentials.setenv("PANTAU_REDDIT_CLIENT_ID", "app")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="PANTAU_REDDIT_CLIENT_SECRET"):
        load_sources(path)  # one of the two is not enough
    credentials.setenv("PANTAU_REDDIT_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    source = load_sources(path).source("reddit-kalteng")
    assert (source.spider, source.platform) == ("reddit", "reddit")
    assert CrawlSpec.for_source(source, None).site == "https://www.reddit.com/"


def test_subreddit_urls_and_bad_ones(credentials: pytest.MonkeyPatch) -> None:
    target = parse_target("reddit", "https://old.reddit.com/r/Kalteng/new/")
    assert (target.name, target.api, target.token_url, target.site) == (
        "r/kalteng", "https://oauth.reddit.com", "https://www.reddit.com/api/v1/access_token",
        "https://www.reddit.com/")
    for bad in ("https://www.reddit.com/", "https://www.reddit.com/user/budi",
                "https://www.reddit.com/r/kalteng/top"):
        with pytest.raises(ValueError, match="a subreddit"):
            parse_target("reddit", bad)
    credentials.setenv("PANTAU_REDDIT_CLIENT_ID", "app")
    credentials.setenv("PANTAU_REDDIT_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="a reddit source's url is a subreddit"):
        Source.model_validate({"name": "r", "kind": "reddit", "url": "https://reddit.com/u/x"})


def test_comment_tree_is_read_depth_first_and_more_stubs_are_counted() -> None:
    with RedditServer(build_subreddit()) as server:
        submission = next(s for s in server.model.submissions if s.hidden)
        tree = [*server.tree(submission.comments, submission),
                {"kind": "more", "data": {"count": 3}}]
        payload = json.loads(json.dumps([
            {"kind": "Listing", "data": {"children": [server.thing(submission)]}},
            {"kind": "Listing", "data": {"children": tree}}]))
    items, more = comment_items(payload, "https://www.reddit.com")
    assert [i.native_id for i in items] == [f"t1_{c.id}" for c in submission.all_comments()]
    assert [i.parent_native_id for i in items] == [c.parent for c in submission.all_comments()]
    assert more == 3
    assert id_number("t3_1z") == 71 and id_number("1z") == 71
    with pytest.raises(ValueError, match="not a Reddit comments response"):
        comment_items({"kind": "Listing"}, "https://www.reddit.com")


def _crawl(url: str, secret: str, database: str,
           tmp_path: Path) -> tuple[str, str | None, dict[str, Any]]:
    source = Source.model_validate({"name": "reddit-tokens", "kind": "reddit", "url": url,
                                    "region": "62", "authors": "keep"})
    spec = CrawlSpec.for_source(source, None)
    env = {**FAST_ENV, "PANTAU_REDDIT_CLIENT_ID": CLIENT[0],
           "PANTAU_REDDIT_CLIENT_SECRET": secret, "PANTAU_STATE_DIR": str(tmp_path),
           "PANTAU_DATABASE_URL": database, "PANTAU_REDIS_URL": ""}
    outcome = run_crawl(spec, env=env, timeout=240)
    assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-3000:]
    status, reason = judge(outcome, spec)
    return status, reason, outcome.stats


@pytest.mark.slow
def test_expired_tokens_are_renewed_and_refused_credentials_fail_the_crawl(
        tmp_path: Path, credentials: pytest.MonkeyPatch, migrated_database: str) -> None:
    credentials.setenv("PANTAU_REDDIT_CLIENT_ID", CLIENT[0])
    credentials.setenv("PANTAU_REDDIT_CLIENT_SECRET", CLIENT[1])
    get_settings.cache_clear()
    server = RedditServer(build_subreddit())
    server.expire_at = 12  # a crawl makes about 35 API requests: the token expires midway
    with server:
        status, reason, stats = _crawl(f"{server.origin}/r/kalteng", CLIENT[1], migrated_database,
                                       tmp_path)
        assert (status, reason) == ("succeeded", None)
        assert stats["items"] == len(truth(server))
        assert stats["errors"] == 0
        assert server.request_log.snapshot().count("POST /api/v1/access_token") == 2
        pages = 2 + sum(1 for s in server.model.submissions if s.all_comments() or s.hidden)
        assert server.api_requests > pages  # those answered 401 were sent again

        server.request_log.clear()
        status, reason, stats = _crawl(f"{server.origin}/r/kalteng", "wrong", migrated_database,
                                       tmp_path)
        assert status == "failed"
        assert reason == ("no posts: Reddit refused the API credentials (HTTP 401): check "
                          "PANTAU_REDDIT_CLIENT_ID and PANTAU_REDDIT_CLIENT_SECRET "
                          f"({server.origin}/api/v1/access_token)")
        assert [r for r in server.request_log if r != "/robots.txt"] == [
            "POST /api/v1/access_token"]
