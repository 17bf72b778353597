"""The no-code adapter: a forum no engine knows, crawled to its truth from selectors alone."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.extract.engines import EngineError, Page, ParseContext, detect_engine
from crawler.extract.engines.selectors import SelectorConfig, SelectorEngine
from tests.forumcrawl import crawl_items, of_type
from tests.sites.custom import SELECTORS, CustomForumServer, truth


@pytest.fixture(scope="module")
def site() -> Iterator[CustomForumServer]:
    with CustomForumServer(build_forum(seed=62)) as server:
        yield server


def rows(items: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(r["native_id"], r["thread_native_id"], r["thread_title"], r["position"],
             r["author_name"], r["author_id"], datetime.fromisoformat(r["published_at"]),
             r["body_text"], tuple(r["quoted_native_ids"])) for r in of_type(items, "PostItem")}


def test_no_engine_claims_the_custom_forum(site: CustomForumServer) -> None:
    thread = next(iter(site.forum.threads.values()))
    status, _, html = site.respond(f"/topik/{thread.thread_id}", "x")
    assert status == 200
    with pytest.raises(EngineError, match="no known forum engine"):
        detect_engine(Page(url=f"{site.url}topik/{thread.thread_id}", text=str(html)))


def test_selectors_crawl_the_forum_to_ground_truth(site: CustomForumServer,
                                                   tmp_path: Path) -> None:
    items = crawl_items("forum", site.url, tmp_path, selectors=SELECTORS)
    assert rows(items) == truth(site.forum)
    threads = of_type(items, "ThreadItem")
    assert {t["native_id"] for t in threads} == {str(t) for t in site.forum.threads}
    assert all(t["complete"] for t in threads)


def test_selector_page_parse_and_signature(site: CustomForumServer) -> None:
    engine = SelectorEngine.from_config(SELECTORS)
    board = next(b for b in site.forum.boards
                 if not b.is_category and site.forum.topics(b.forum_id))
    _, _, html = site.respond(f"/papan/{board.forum_id}", "x")
    result = engine.parse(Page(url=f"{site.url}papan/{board.forum_id}", text=str(html)),
                          ParseContext())
    first = site.forum.topics(board.forum_id)[0]
    assert result.kind == "board"
    assert result.threads[0].native_id == str(first.thread_id)
    assert result.threads[0].signature == str(len(first.posts) - 1)


@pytest.mark.parametrize(("change", "message"), [
    ({"post": "section[class="}, "invalid CSS selector"),
    ({"thread_link": "//a[@href"}, "invalid XPath selector"),
    ({"thread_id": "topik/(\\d+"}, "invalid regular expression"),
    ({"bodyy": "div.isi"}, "Extra inputs are not permitted"),
])
def test_bad_selectors_fail_validation(change: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SelectorConfig.model_validate({**SELECTORS, **change})


def test_source_with_selectors_uses_the_generic_spider() -> None:
    source = Source.model_validate({"name": "kampung", "url": "http://127.0.0.1:1/",
                                    "region": "62", "selectors": SELECTORS})
    assert (source.spider, source.platform) == ("forum", "forum")
    with pytest.raises(ValidationError, match="either engine or selectors"):
        Source.model_validate({"name": "kampung", "url": "http://127.0.0.1:1/",
                               "region": "62", "engine": "phpbb", "selectors": SELECTORS})


def test_extract_cli_with_selectors(site: CustomForumServer, tmp_path: Path) -> None:
    thread = max(site.forum.threads.values(), key=lambda t: len(t.posts))
    page = tmp_path / "topik.html"
    page.write_text(str(site.respond(f"/topik/{thread.thread_id}", "x")[2]), "utf-8")
    conf = tmp_path / "kampung.yaml"
    conf.write_text(json.dumps({"selectors": SELECTORS}), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "extract", str(page), "--selectors", str(conf),
         "--url", f"{site.url}topik/{thread.thread_id}", "--json"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["engine"] == "selectors"
    assert [p["native_id"] for p in out["posts"]] == [str(p.post_id) for p in thread.posts[:8]]
    assert out["next_url"] == f"{site.url}topik/{thread.thread_id}?hal=2"
