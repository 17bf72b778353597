"""The deterministic demo forum: generator, mutations, rendering and server."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta

import pytest

from crawler.demosite import DemoForumServer, build_forum
from crawler.demosite.dates import format_date
from crawler.demosite.model import WIB

NOW = datetime(2025, 6, 1, 14, 30, tzinfo=WIB)


def test_same_seed_same_truth_other_seed_differs() -> None:
    assert build_forum(62, now=NOW).truth() == build_forum(62, now=NOW).truth()
    assert build_forum(62, now=NOW).truth() != build_forum(7, now=NOW).truth()


def test_sizes_and_spread() -> None:
    forum = build_forum(now=NOW)
    truth = forum.truth()
    counts = [len(t.posts) for t in forum.threads.values()]
    assert len({r.container for r in truth}) >= 4
    assert len(forum.threads) >= 60
    assert min(counts) == 1
    assert 60 <= max(counts) <= 80
    assert sum(c > 10 for c in counts) >= 20  # topics over several pages
    assert 1200 <= len(truth) <= 1800
    assert any(r.author_id is None for r in truth)
    assert sum(len(r.quoted_native_ids) == 2 for r in truth) >= 3
    assert any(r.links for r in truth)
    assert any("\n" in r.body_text for r in truth)
    assert max(Counter(r.native_id for r in truth).values()) == 1


def test_truth_invariants() -> None:
    forum = build_forum(now=NOW)
    by_thread: dict[str, list] = {}
    for record in forum.truth():
        by_thread.setdefault(record.thread_native_id, []).append(record)
    for records in by_thread.values():
        records.sort(key=lambda r: r.position)
        assert [r.position for r in records] == list(range(1, len(records) + 1))
        dates = [r.published_at for r in records]
        assert dates == sorted(dates)
        ids = [r.native_id for r in records]
        for record in records:
            assert record.published_at.second == 0
            assert record.published_at < NOW
            assert record.body_text
            for quoted in record.quoted_native_ids:
                assert quoted in ids[: record.position - 1]
    years = Counter(r.published_at.year for r in forum.truth())
    assert years[2024] > 1000
    recent = [r for r in forum.truth() if r.published_at.year == 2025]
    assert {r.published_at.date() for r in recent} == {NOW.date(), NOW.date() - timedelta(days=1)}


def test_edit_delete_add() -> None:
    forum = build_forum(now=NOW)
    thread = next(t for t in forum.threads.values() if len(t.posts) > 25)
    quoting = next(p for t in forum.threads.values() for p in t.posts if p.quoted_ids)
    forum.edit_post(quoting.post_id, "Sudah saya perbaiki.\nTerima kasih.")
    edited = next(r for r in forum.truth() if r.native_id == str(quoting.post_id))
    assert edited.body_text == "Sudah saya perbaiki.\nTerima kasih."
    assert edited.quoted_native_ids == tuple(str(i) for i in quoting.quoted_ids)

    eleventh = thread.posts[10]
    forum.delete_post(thread.posts[3].post_id)
    truth = {r.native_id: r for r in forum.truth()}
    assert str(thread.posts[3].post_id) in truth  # the old fifth post
    assert truth[str(eleventh.post_id)].position == 10  # moved to page 1

    before = len(forum.truth())
    added = forum.add_post(thread.thread_id, "Balasan baru", author_name="urang kuala",
                           quote_post_id=thread.posts[0].post_id)
    truth = {r.native_id: r for r in forum.truth()}
    assert len(truth) == before + 1
    assert added.post_id == forum.max_post_id()
    assert truth[str(added.post_id)].position == len(thread.posts)
    assert truth[str(added.post_id)].quoted_native_ids == (str(thread.posts[0].post_id),)

    single = next(t for t in forum.threads.values() if len(t.posts) == 1)
    forum.delete_post(single.posts[0].post_id)
    assert single.thread_id not in forum.threads


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2024, 3, 18, 10, 5, tzinfo=WIB), "Sen Mar 18, 2024 10:05 am"),
        (datetime(2024, 8, 4, 0, 7, tzinfo=WIB), "Min Agu 04, 2024 12:07 am"),
        (datetime(2024, 12, 27, 12, 0, tzinfo=WIB), "Jum Des 27, 2024 12:00 pm"),
        (datetime(2025, 6, 1, 9, 15, tzinfo=WIB), "Hari ini, 9:15 am"),
        (datetime(2025, 5, 31, 23, 59, tzinfo=WIB), "Kemarin, 11:59 pm"),
    ],
)
def test_format_date(when: datetime, expected: str) -> None:
    assert format_date(when, NOW) == expected


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_server_pages_log_and_404() -> None:
    with DemoForumServer(build_forum()) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/")
        status, index = _get(server.url)
        assert status == 200 and '<html dir="ltr" lang="id">' in index
        assert "Politik &amp; Pilkada Kalteng" in index and 'class="subforum read"' in index
        status, board = _get(server.url + "viewforum.php?f=2")
        assert status == 200 and board.count('class="topictitle"') == 25 and 'rel="next"' in board
        thread = next(t for t in server.forum.threads.values() if len(t.posts) > 20)
        status, topic = _get(server.url + f"viewtopic.php?t={thread.thread_id}&start=10")
        assert status == 200
        assert topic.count('class="post has-profile') == 10
        assert f'id="p{thread.posts[10].post_id}"' in topic
        assert 'rel="next"' in topic and 'rel="prev"' in topic
        # session ids differ between requests, like phpBB for cookie-less clients
        sids = {line.split("sid=")[1][:32] for line in (index, board) if "sid=" in line}
        assert len(sids) == 2
        status, by_post = _get(server.url + f"viewtopic.php?p={thread.posts[15].post_id}")
        assert status == 200 and f'id="p{thread.posts[15].post_id}"' in by_post
        assert _get(server.url + "robots.txt") == (200, "User-agent: *\nDisallow:\n")
        assert _get(server.url + "viewtopic.php?t=99999")[0] == 404
        assert _get(server.url + "wp-login.php")[0] == 404
        assert server.request_log.snapshot()[:2] == ["/", "/viewforum.php?f=2"]
        assert len(server.request_log) == 7
        server.request_log.clear()
        assert len(server.request_log) == 0


def test_server_sees_mutations() -> None:
    forum = build_forum()
    with DemoForumServer(forum) as server:
        thread = next(iter(forum.threads.values()))
        post_id = thread.posts[0].post_id
        forum.edit_post(post_id, "Teks yang diubah & baru")
        status, page = _get(server.url + f"viewtopic.php?t={thread.thread_id}")
        assert status == 200 and "Teks yang diubah &amp; baru" in page
        assert "total diubah 1 kali" in page
