"""Real responses (../shared/fixtures/real: Mastodon cassettes recorded by Mastodon.py, a
Bluesky thread view from the atproto SDK) parse as the crawl takes them, a recorded hashtag
timeline is crawled through a replay of its cassette, and the mocks answer in their shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from crawler.extract.social.bluesky import post_item, thread_replies
from crawler.extract.social.mastodon import link_header, status_item
from tests.forumcrawl import crawl_items, of_type
from tests.sites.bluesky import build_network
from tests.sites.cassette import CassetteServer
from tests.sites.mastodon_model import build_instance

# What Mastodon adds for a logged-in client only (the recordings were authenticated).
VIEWER_KEYS = {"favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"}


def _bodies(path: Path) -> list[Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [json.loads(i["response"]["body"]["string"]) for i in data["interactions"]]


def test_real_statuses_parse(real_fixtures: Path) -> None:
    federated, local = _bodies(real_fixtures / "mastodon" / "status.yaml")
    item = status_item(federated, "https://mastodon.social")
    assert item.native_id == federated["uri"]  # the canonical URI, on icosahedron.website
    assert item.native_id.startswith("https://icosahedron.website/")
    assert (item.url, item.kind, item.published_via) == (federated["url"], "status", "api")
    assert item.body_text == ("@halcy you're a doo-doo head\nedit: editing this to have the "
                              "maximum amount of fields filled :trans_heart: #ThisIsAHashtag")
    assert item.title == "test post for mastodon.py stuff"  # the content warning
    assert item.language == federated["language"] == "de"
    assert item.edited_at == datetime(2023, 5, 28, 12, 9, 44, tzinfo=UTC)
    assert item.published_at == datetime(2023, 5, 28, 12, 6, 50, tzinfo=UTC)
    assert (item.author_id, item.author_name) == ("https://icosahedron.website/users/halcy",
                                                  "halcy@icosahedron.website")
    assert item.links == []  # the mention and the hashtag are not links
    assert item.metrics == {"replies": 0, "reblogs": 0, "favourites": 1, "quotes": 0}
    assert (item.thread_native_id, item.container) == (item.native_id, "icosahedron.website")
    own = status_item(local, "https://mastodon.social")
    assert (own.body_text, own.author_name) == ("test?", "halcy@mastodon.social")
    assert own.edited_at == datetime(2023, 5, 28, 12, 21, 32, 698000, tzinfo=UTC)


def test_real_context_statuses_parse(real_fixtures: Path) -> None:
    (context,) = _bodies(real_fixtures / "mastodon" / "context.yaml")
    texts = [status_item(s, "https://mastodon.social").body_text
             for s in context["ancestors"] + context["descendants"]]
    assert texts == ["first status", "final status"]


def test_real_hashtag_timeline_is_crawled_from_its_recording(real_fixtures: Path,
                                                             tmp_path: Path) -> None:
    (_, _, timeline, _) = _bodies(real_fixtures / "mastodon" / "hashtag_timeline.yaml")
    with CassetteServer(real_fixtures / "mastodon" / "hashtag_timeline.yaml") as server:
        items = crawl_items("mastodon", f"{server.origin}/tags/hoot", tmp_path)
        posts = of_type(items, "PostItem")
        assert [(p["native_id"], p["body_text"], p["author_name"]) for p in posts] == [
            (timeline[0]["uri"].replace("http://localhost:3000", server.origin),
             "#hoot (hashtag toot)", f"mastodonpy_test_2@{server.origin.split('//')[1]}")]
        log = server.request_log.snapshot()
        assert "max_id=" in log[-1]  # the recorded Link header's next page, past the end
    [cursor] = of_type(items, "ThreadItem")
    assert cursor["signature"] == timeline[0]["id"]


def test_real_link_header_parses(real_fixtures: Path) -> None:
    data = yaml.safe_load((real_fixtures / "mastodon" / "hashtag_timeline.yaml").read_text())
    headers = next(i["response"]["headers"] for i in data["interactions"]
                   if i["request"]["uri"].endswith("/timelines/tag/hoot"))
    links = link_header(headers["link"][0])
    assert set(links) == {"next", "prev"}
    assert "max_id=117020593741189701" in links["next"]
    assert "min_id=117020593741189701" in links["prev"]


def test_real_bluesky_thread_view_parses(real_fixtures: Path) -> None:
    data = json.loads((real_fixtures / "bluesky" / "thread_view_post_with_embed_media.json")
                      .read_text(encoding="utf-8"))
    post = data["thread"]["post"]
    item = post_item(post, "https://bsky.app")
    assert item.native_id == "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kaheyt6vpc22"
    assert item.url == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"
    assert (item.author_id, item.author_name) == ("did:plc:kvwvcn5iqfooopmyzvb4qzba",
                                                  "test.marshal.dev")
    assert item.published_at == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC)
    assert item.media == [{"type": "image", "url": post["embed"]["media"]["images"][0][
        "fullsize"]}]  # alt text is empty
    assert item.quoted_native_ids == [
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kahesw26il2z"]
    assert (item.body_text, item.thread_native_id, item.parent_native_id) == (
        "", item.native_id, None)
    assert item.metrics == {"replies": 0, "reposts": 0, "likes": 0}
    assert item.language == "en"
    assert thread_replies(data["thread"], "https://bsky.app") == []


def test_mocks_answer_in_the_real_shapes(real_fixtures: Path) -> None:
    real = _bodies(real_fixtures / "mastodon" / "status.yaml")[1]
    instance = build_instance()
    mock = instance.statuses[0].json("http://127.0.0.1:1", 0)
    assert set(real) - VIEWER_KEYS <= set(mock)
    assert set(real["account"]) <= set(mock["account"])
    thread = json.loads((real_fixtures / "bluesky" / "thread_view_post_with_embed_media.json")
                        .read_text(encoding="utf-8"))["thread"]
    view = build_network().posts[0].view(0)
    assert set(thread["post"]) - {"embed"} <= set(view)
    assert set(thread["post"]["author"]) <= set(view["author"])
    assert set(thread["post"]["record"]) - {"embed"} <= set(view["record"])
