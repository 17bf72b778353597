"""Thread records of many threads in one transaction judge deletions and store resume points
exactly as one transaction per thread did."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest

from crawler.items import ThreadItem
from crawler.storage.thread_records import record_threads
from crawler.storage.writer import PostWriter
from tests.factories import BASE_TIME, SITE, make_post

SEEN = BASE_TIME + timedelta(days=1)  # make_post's seen_at: when the posts were stored


@pytest.fixture
def conn(fresh_migrated_database: str) -> Any:
    with psycopg.connect(fresh_migrated_database) as connection:
        writer = PostWriter(connection)
        # thread A: 1000..1004, thread B: 2000..2002, each stored once at SEEN
        writer.write([make_post(i, native_id=str(1000 + i), thread_native_id="A")
                      for i in range(5)])
        writer.write([make_post(i, native_id=str(2000 + i), thread_native_id="B")
                      for i in range(3)])
        # a post of A stored by a later, concurrent crawl: never judged by an earlier record
        writer.write([make_post(9, native_id="1009", thread_native_id="A",
                                seen_at=SEEN + timedelta(hours=5))])
        yield connection


def thread(native_id: str, ids: list[str], **kw: Any) -> ThreadItem:
    return ThreadItem(native_id=native_id, url=f"{SITE}/viewtopic.php?t={native_id}",
                      title=f"T{native_id}", container="Board", post_native_ids=ids,
                      pages=1, **kw)


def deleted(conn: Any) -> dict[str, Any]:
    rows = conn.execute("SELECT native_id, deleted_at FROM posts WHERE deleted_at IS NOT NULL")
    return dict(rows.fetchall())


def threads(conn: Any) -> dict[str, tuple[Any, ...]]:
    rows = conn.execute("SELECT native_id, post_count, last_complete_at, last_page_url, "
                        "last_post_native_id, signature FROM threads ORDER BY native_id")
    return {row[0]: row[1:] for row in rows.fetchall()}


def test_one_batch_judges_each_thread_at_its_own_time(conn: Any) -> None:
    at_a, at_b = SEEN + timedelta(hours=1), SEEN + timedelta(hours=2)
    resumed = thread("C", ["3000"], complete=False, last_page_url=f"{SITE}/viewtopic.php?t=C",
                     post_count=31, last_post_native_id="3000", signature="30|3000",
                     last_page_position=31)
    records = [
        (thread("A", ["1000", "1002", "1002", "1004"], post_count=3), at_a),  # 1001, 1003 gone
        (thread("B", ["2000", "2001", "2002"]), at_b),  # all there
        (resumed, at_b),  # resumed mid-thread: judges nothing, remembers where it stopped
    ]
    assert record_threads(conn, SITE, "forum-kalteng", records) == 2
    assert deleted(conn) == {"1001": at_a, "1003": at_a}  # and 1009, first seen later, stays
    rows = threads(conn)
    assert rows["A"][:2] == (3, at_a)  # distinct post ids of the complete thread
    assert rows["B"][:2] == (3, at_b)
    assert rows["C"] == (31, None, f"{SITE}/viewtopic.php?t=C", "3000", "30|3000")
    # stored again: nothing more is deleted, the records are the same
    assert record_threads(conn, SITE, "forum-kalteng", records) == 0
    assert threads(conn) == rows


def test_the_batch_equals_one_record_per_thread(conn: Any,
                                                fresh_migrated_database: str) -> None:
    """The same records through PostWriter.record_thread, one by one, on a second database
    with the same posts: the same deletions and thread rows."""
    records = [(thread("A", ["1000", "1001"]), SEEN + timedelta(hours=1)),
               (thread("B", ["2002"], last_page_url=f"{SITE}/b", post_count=3,
                       last_post_native_id="2002"), SEEN + timedelta(hours=3))]
    # A: 1002-1004 gone (1009 was first seen later); B: 2000, 2001 gone
    assert record_threads(conn, SITE, "forum-kalteng", records) == 5
    conn.commit()
    batch = (deleted(conn), threads(conn))
    conn.execute("UPDATE posts SET deleted_at = NULL")
    conn.execute("DELETE FROM threads")
    conn.commit()
    writer = PostWriter(conn)
    assert sum(writer.record_thread(SITE, "forum-kalteng", t, at) for t, at in records) == 5
    assert (deleted(conn), threads(conn)) == batch


def test_without_resume_points_only_deletions_are_judged(conn: Any) -> None:
    resumed = thread("A", ["1000"], complete=False, last_page_url=f"{SITE}/a", post_count=5)
    complete = thread("B", ["2000"], last_page_url=f"{SITE}/b", post_count=1)
    assert record_threads(conn, SITE, "s", [(resumed, SEEN), (complete, SEEN)],
                          resume=False) == 2
    rows = threads(conn)
    assert rows["A"] == (None, None, None, None, None)  # as its posts' batch left it
    assert rows["B"][0] == 1 and rows["B"][2] is None  # judged, but no resume point


def test_a_thread_twice_in_one_batch_is_refused(conn: Any) -> None:
    with pytest.raises(ValueError, match="twice"):
        record_threads(conn, SITE, "s", [(thread("A", ["1000"]), SEEN),
                                         (thread("A", ["1001"]), SEEN)])
    assert deleted(conn) == {}
