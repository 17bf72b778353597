"""The batched idempotent writer: inserts, re-writes, edits, re-normalization, deletions."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from crawler.storage import writer as writer_module
from crawler.storage.db import connect, make_pool
from crawler.storage.queries import count_posts, posts_for_source, version_count
from crawler.storage.writer import PostWriter, WriteResult, _Plan, thread_uid
from tests.factories import BASE_TIME, edited, make_post, make_posts

LATER = BASE_TIME + timedelta(days=2)


@pytest.fixture
def conn(fresh_migrated_database: str) -> Iterator[psycopg.Connection[Any]]:
    with connect(fresh_migrated_database) as conn:
        yield conn


def stored(conn: psycopg.Connection[Any], uid: str) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT * FROM posts WHERE uid = %s", (uid,)).fetchone()
    conn.commit()
    assert row is not None
    return row


def test_insert_then_idempotent_rewrite(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    posts = make_posts(20)
    assert writer.write(posts) == WriteResult(new=20)
    again = [replace(p, seen_at=LATER) for p in posts]
    assert writer.write(again) == WriteResult(unchanged=20)
    assert count_posts(conn) == 20
    assert version_count(conn) == 0
    row = stored(conn, posts[0].uid)
    assert row["first_seen_at"] == posts[0].seen_at
    assert row["last_seen_at"] == LATER
    assert row["version"] == 1
    assert row["raw"] == posts[0].raw
    assert row["metrics"] == posts[0].metrics
    assert row["region_codes"] == posts[0].region_codes


def test_every_post_field_round_trips(conn: psycopg.Connection[Any]) -> None:
    post = make_post(0, title="Judul", edited_at=BASE_TIME, parent_native_id="99")
    PostWriter(conn).write([post])
    row = stored(conn, post.uid)
    for name in post.__slots__:
        if name != "seen_at":
            assert row[name] == getattr(post, name), name
    assert row["deleted_at"] is None


def test_duplicates_in_one_batch_last_wins(conn: psycopg.Connection[Any]) -> None:
    first = make_post(1)
    second = edited(first, "Isi terakhir yang menang.")
    result = PostWriter(conn).write([first, make_post(2), second])
    assert result == WriteResult(new=2)
    assert stored(conn, first.uid)["body_text"] == "Isi terakhir yang menang."
    assert version_count(conn) == 0


def test_edit_adds_exactly_one_version_with_old_content(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    post = make_post(3)
    writer.write([post])
    changed = edited(post, "Mohon maaf, saya ralat: TPS pindah ke balai desa.", seen_at=LATER)
    assert writer.write([changed, make_post(4)]) == WriteResult(new=1, edited=1)
    assert writer.write([replace(changed, seen_at=LATER + timedelta(hours=1))]) == WriteResult(
        unchanged=1
    )
    assert version_count(conn, post.uid) == 1
    with conn.cursor(row_factory=dict_row) as cur:
        old = cur.execute("SELECT * FROM post_versions WHERE uid = %s", (post.uid,)).fetchone()
    assert old is not None
    assert (old["version"], old["body_text"]) == (1, post.body_text)
    assert old["content_hash"] == post.content_hash
    assert old["superseded_at"] == LATER
    row = stored(conn, post.uid)
    assert (row["version"], row["body_text"]) == (2, changed.body_text)


def test_extractor_version_change_renormalizes_without_version(
    conn: psycopg.Connection[Any],
) -> None:
    writer = PostWriter(conn)
    post = make_post(5)
    writer.write([post])
    renormalized = edited(post, post.body_text + " (dinormalisasi)", extractor_version=2)
    assert writer.write([renormalized]) == WriteResult(renormalized=1)
    row = stored(conn, post.uid)
    assert (row["version"], row["extractor_version"]) == (1, 2)
    assert row["body_text"] == renormalized.body_text
    assert version_count(conn) == 0


def test_metrics_only_change_is_not_an_edit(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    post = make_post(6)
    writer.write([post])
    busier = replace(post, metrics={"likes": 999, "replies": 42}, seen_at=LATER)
    assert writer.write([busier]) == WriteResult(unchanged=1)
    row = stored(conn, post.uid)
    assert row["metrics"] == {"likes": 999, "replies": 42}
    assert row["version"] == 1
    assert version_count(conn) == 0


def test_published_at_kept_when_new_one_missing(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    post = make_post(7)
    writer.write([post])
    writer.write([replace(post, published_at=None, seen_at=LATER)])
    writer.write([replace(post, published_at=LATER, published_via="first_seen", seen_at=LATER)])
    row = stored(conn, post.uid)
    assert (row["published_at"], row["published_via"]) == (post.published_at, "page")


def test_threads_upserted_from_batch(conn: psycopg.Connection[Any]) -> None:
    PostWriter(conn).write(make_posts(10, threads=3))
    rows = conn.execute("SELECT uid, native_id, title FROM threads ORDER BY native_id").fetchall()
    assert [r[1] for r in rows] == ["1", "2", "3"]
    assert rows[0][0] == thread_uid(make_post(0).site, "1")
    assert all(r[2] for r in rows)


def test_complete_thread_marks_missing_deleted_and_reappearance_undeletes(
    conn: psycopg.Connection[Any],
) -> None:
    writer = PostWriter(conn)
    posts = make_posts(6, threads=1)  # all in thread "1"
    writer.write(posts)
    present = [p.native_id for p in posts if p.native_id not in ("100002", "100004")]
    site = posts[0].site
    args = (site, "forum-kalteng", "1", f"{site}/viewtopic.php?t=1", "Diskusi", "Politik Lokal")
    assert writer.complete_thread(*args, present, LATER, None) == 2
    assert writer.complete_thread(*args, present, LATER, None) == 0  # already deleted
    assert count_posts(conn) == 4
    assert count_posts(conn, include_deleted=True) == 6
    thread = conn.execute(
        "SELECT post_count, last_complete_at, url FROM threads WHERE native_id = '1'"
    ).fetchone()
    assert thread == (4, LATER, f"{site}/viewtopic.php?t=1")
    back = replace(posts[2], seen_at=LATER + timedelta(hours=1))
    assert writer.write([back]) == WriteResult(unchanged=1)
    assert stored(conn, back.uid)["deleted_at"] is None
    assert count_posts(conn) == 5


def test_complete_thread_spares_posts_first_seen_later(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    newer = make_post(0, threads=1, seen_at=LATER + timedelta(hours=1))
    writer.write([newer])
    assert writer.complete_thread(newer.site, "s", "1", None, None, None, [], LATER) == 0


def test_counts_over_mixed_batch(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    base = make_posts(4)
    writer.write(base)
    batch = [
        replace(base[0], seen_at=LATER),
        edited(base[1], "Berubah total."),
        edited(base[2], "Normal ulang.", extractor_version=9),
        *make_posts(3, start=10),
    ]
    assert writer.write(batch) == WriteResult(new=3, edited=1, unchanged=1, renormalized=1)


def test_writer_over_pool_and_inside_caller_transaction(fresh_migrated_database: str) -> None:
    pool = make_pool(fresh_migrated_database, max_size=2)
    try:
        writer = PostWriter(pool)
        assert writer.write(make_posts(5)).new == 5
        assert writer.write(make_posts(5)).unchanged == 5
        with pool.connection() as conn:
            nested = PostWriter(conn)
            with conn.transaction():
                assert nested.write(make_posts(3, start=20)).new == 3
                assert nested.write(make_posts(3, start=30)).new == 3
            assert count_posts(conn) == 11
    finally:
        pool.close()


def test_failed_batch_rolls_back_and_writer_recovers(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    bad = replace(make_post(1), crawl_run=424242)  # no such run: foreign key violation
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        writer.write([make_post(0), bad])
    assert writer.write([make_post(0)]) == WriteResult(new=1)
    assert count_posts(conn) == 1


def test_posts_for_source(conn: psycopg.Connection[Any]) -> None:
    PostWriter(conn).write(make_posts(3) + make_posts(2, start=50, source="lain"))
    assert len(posts_for_source(conn, "lain")) == 2
    assert count_posts(conn, source="forum-kalteng") == 3


def test_race_on_new_uid_falls_back_to_safe_path(
    conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = PostWriter(conn)
    base = make_posts(3)
    writer.write(base)
    # pretend another writer inserted the stored rows after this one looked them up
    monkeypatch.setattr(
        writer_module, "_classify", lambda _conn, batch: _Plan(list(batch.values()), [], [], [])
    )
    batch = [
        replace(base[0], seen_at=LATER),
        edited(base[1], "Ralat: debat dipindah ke aula.", seen_at=LATER),
        edited(base[2], "Normal ulang.", extractor_version=9),
        make_post(40),
    ]
    assert writer.write(batch) == WriteResult(new=1, edited=1, unchanged=1, renormalized=1)
    assert version_count(conn) == 1
    assert stored(conn, base[1].uid)["version"] == 2
    assert stored(conn, base[0].uid)["raw"] == base[0].raw


def test_unchanged_rewrite_keeps_raw(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    post = make_post(8)
    writer.write([post])
    writer.write([replace(post, raw={"html": "<div>markup berubah</div>"}, seen_at=LATER)])
    assert stored(conn, post.uid)["raw"] == post.raw
    changed = edited(post, "Isi baru.", raw={"html": "<div>Isi baru.</div>"})
    writer.write([changed])
    assert stored(conn, post.uid)["raw"] == {"html": "<div>Isi baru.</div>"}


def test_concurrent_writers_on_overlapping_batches(fresh_migrated_database: str) -> None:
    posts = make_posts(300)
    variants = [posts, [edited(p, p.body_text + " (ralat)") for p in posts]]

    def work(variant: list[Any]) -> WriteResult:
        total = WriteResult()
        with connect(fresh_migrated_database) as own:
            writer = PostWriter(own)
            for start in range(0, len(variant), 50):
                total += writer.write(variant[start : start + 50])
        return total

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(work, variants))
    assert sum(r.total for r in results) == 600
    assert sum(r.new for r in results) == 300
    with connect(fresh_migrated_database) as conn:
        assert count_posts(conn) == 300
        # an edit lands only where the original was stored first
        edits = conn.execute("SELECT count(*) FROM posts WHERE version = 2").fetchone()
        assert edits is not None
        assert version_count(conn) == edits[0] == sum(r.edited for r in results)


def test_thread_rows_follow_later_batches(conn: psycopg.Connection[Any]) -> None:
    writer = PostWriter(conn)
    post = make_post(0, threads=1)
    writer.write([post])
    writer.write([replace(post, thread_title="Judul baru", seen_at=LATER)])
    writer.write([replace(post, thread_title=None, seen_at=BASE_TIME)])  # older, no title
    row = conn.execute("SELECT title, first_seen_at, last_seen_at FROM threads").fetchone()
    assert row == ("Judul baru", BASE_TIME, LATER)
