"""The batched idempotent post writer: one transaction per batch, COPY-based.

Per batch: de-duplicate by uid (last wins); lock the stored rows of the batch and classify each
post as new, edited, re-normalized or unchanged; binary-COPY new posts straight into ``posts``;
send stored ones through a temporary staging table (binary COPY) into one
``INSERT ... ON CONFLICT DO UPDATE`` after saving the prior content of edits to
``post_versions``; upsert the batch's ``threads``. A concurrent insert of a "new" uid makes the
direct COPY fail; the batch is then retried through staging alone (the safe path, where SQL
classifies). Why this shape: docs/benchmarks.md.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors, pq

from crawler.items import Post, ThreadItem, stable_hash
from crawler.storage import writer_sql as q
from crawler.storage._conn import ConnOrPool, borrowed

# Connections known to hold the committed staging table (temp tables live per session), and
# those that created it in the current, not yet committed, transaction.
_staged: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()
_creating: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How the posts of one or more batches compared with what was stored."""

    new: int = 0
    edited: int = 0
    unchanged: int = 0
    renormalized: int = 0

    @property
    def total(self) -> int:
        return self.new + self.edited + self.unchanged + self.renormalized

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            self.new + other.new,
            self.edited + other.edited,
            self.unchanged + other.unchanged,
            self.renormalized + other.renormalized,
        )


def thread_uid(site: str, native_id: str) -> str:
    """The stable identity of a thread on a site."""
    return stable_hash(site, "thread", native_id)


@dataclass(slots=True)
class _Plan:
    """A batch split by what the locked stored rows say."""

    new: list[Post]
    edited: list[Post]
    renormalized: list[Post]
    unchanged: list[Post]


class PostWriter:
    """Writes batches of :class:`~crawler.items.Post` idempotently; synchronous, no buffering.

    ``conn_or_pool`` is a psycopg connection (each batch is a transaction, or a savepoint when
    the caller holds one open) or a pool (each batch borrows a connection). Pools must not
    reset sessions with ``DISCARD ALL``/``DISCARD TEMP``: the staging table is per session.
    """

    def __init__(self, conn_or_pool: ConnOrPool) -> None:
        self._db = conn_or_pool

    def write(self, posts: Sequence[Post]) -> WriteResult:
        """Store one batch in one transaction and say how it compared with the stored rows."""
        if not posts:
            return WriteResult()
        batch = {post.uid: post for post in posts}  # last wins; ON CONFLICT needs unique keys
        with borrowed(self._db) as conn:
            nested = conn.info.transaction_status != pq.TransactionStatus.IDLE
            try:
                try:
                    with conn.transaction():
                        result = self._write_fast(conn, batch, nested)
                except errors.UniqueViolation:
                    # a concurrent writer inserted one of our new uids after we looked
                    _creating.discard(conn)
                    with conn.transaction():
                        result = self._write_safe(conn, batch, nested)
                if not nested and conn in _creating:
                    _staged.add(conn)
            finally:
                _creating.discard(conn)
        return result

    def _write_fast(
        self, conn: psycopg.Connection[Any], batch: dict[str, Post], nested: bool
    ) -> WriteResult:
        plan = _classify(conn, batch)
        if plan.new:
            with conn.cursor().copy(q.COPY_DIRECT) as copy:
                copy.set_types(q.DIRECT_TYPES)
                for post in plan.new:
                    row = q.post_row(post)
                    seen = row[q.SEEN_AT]
                    copy.write_row((*row[: q.SEEN_AT], *row[q.SEEN_AT + 1 :], seen, seen))
        stored = plan.edited + plan.renormalized + plan.unchanged
        if stored:
            if plan.edited:
                conn.execute(
                    q.SAVE_EDITED,
                    ([p.uid for p in plan.edited], [p.seen_at for p in plan.edited]),
                    prepare=False,
                )
            # unchanged posts keep their stored raw (see WITH_CONTENT): don't ship it
            _stage(conn, nested, stored, omit_raw=len(plan.edited) + len(plan.renormalized))
            conn.execute(q.UPSERT_POSTS)
        _upsert_threads(conn, batch.values())
        return WriteResult(
            len(plan.new), len(plan.edited), len(plan.unchanged), len(plan.renormalized)
        )

    def _write_safe(
        self, conn: psycopg.Connection[Any], batch: dict[str, Post], nested: bool
    ) -> WriteResult:
        _stage(conn, nested, list(batch.values()))
        edited, renormalized = _fetch_pair(conn.execute(q.SAVE_VERSIONS))
        inserted, _written = _fetch_pair(conn.execute(q.UPSERT_POSTS))
        _upsert_threads(conn, batch.values())
        unchanged = len(batch) - inserted - edited - renormalized
        return WriteResult(inserted, edited, unchanged, renormalized)

    def complete_thread(
        self,
        site: str,
        source: str,
        thread_native_id: str,
        url: str | None,
        title: str | None,
        container: str | None,
        post_native_ids: Sequence[str],
        seen_at: datetime,
        crawl_run: int | None = None,
    ) -> int:
        """Record a fully fetched thread; mark stored posts missing from it deleted.

        Only posts first seen no later than ``seen_at`` are judged, so a post stored by a
        concurrent, later crawl of the same thread is not deleted. Returns how many posts
        were newly marked deleted. ``crawl_run`` is accepted for the caller's bookkeeping.
        """
        del crawl_run  # deletions are counted on the run by the caller (posts_deleted)
        present = sorted(set(post_native_ids))
        with borrowed(self._db) as conn, conn.transaction():
            conn.execute(
                q.THREADS_UPSERT,
                [[thread_uid(site, thread_native_id)], [site], [source], [thread_native_id],
                 [url], [title], [container], [seen_at], [seen_at], [seen_at], [len(present)]],
            )  # fmt: skip
            cur = conn.execute(
                q.MARK_DELETED,
                {"seen_at": seen_at, "site": site, "thread": thread_native_id, "present": present},
                prepare=False,
            )
            return cur.rowcount


    def record_thread(self, site: str, source: str, thread: ThreadItem,
                      seen_at: datetime) -> int:
        """Store a thread after the last page this run fetched of it; returns posts deleted.

        A complete thread (every page fetched from the first) judges deletions like
        :meth:`complete_thread`; any thread records where the next incremental crawl resumes.
        Many at once: :func:`crawler.storage.thread_records.record_threads`.
        """
        from crawler.storage.thread_records import record_threads

        return record_threads(self._db, site, source, [(thread, seen_at)])

    def known_threads(self, site: str) -> list[dict[str, Any]]:
        """Where each stored thread of ``site`` resumes (crawler.extract.engines.KnownThread)."""
        keys = ("native_id", "url", "signature", "post_count", "last_page_url",
                "last_page_position", "last_post_native_id")
        with borrowed(self._db) as conn:
            return [dict(zip(keys, row, strict=True))
                    for row in conn.execute(q.KNOWN_THREADS, (site,))]


def _classify(conn: psycopg.Connection[Any], batch: dict[str, Post]) -> _Plan:
    """Lock the batch's stored rows and split the batch by comparing content."""
    stored = {
        uid: (content, version)
        # never a cached generic plan: one made while posts was empty would seq-scan forever
        for uid, content, version in conn.execute(q.LOCK_EXISTING, (list(batch),), prepare=False)
    }
    plan = _Plan([], [], [], [])
    for uid in sorted(batch):  # uid order: concurrent inserts of one uid queue, not deadlock
        post = batch[uid]
        old = stored.get(uid)
        if old is None:
            plan.new.append(post)
        elif old[1] != post.extractor_version:
            plan.renormalized.append(post)
        elif old[0] != post.content_hash:
            plan.edited.append(post)
        else:
            plan.unchanged.append(post)
    return plan


def _stage(
    conn: psycopg.Connection[Any], nested: bool, posts: Sequence[Post], omit_raw: int | None = None
) -> None:
    """Binary COPY posts into the session's staging table (created on first use).

    With ``omit_raw``, posts from that index on are staged without ``raw``.
    """
    if conn not in _staged:
        conn.execute(q.CREATE_STAGING)
        _creating.add(conn)
    if nested:  # ON COMMIT DELETE ROWS only empties it at the outer commit
        conn.execute(q.CLEAR_STAGING)
    cut = len(posts) if omit_raw is None else omit_raw
    with conn.cursor().copy(q.COPY_STAGING) as copy:
        copy.set_types(q.STAGING_TYPES)
        for post in posts[:cut]:
            copy.write_row(q.post_row(post))
        for post in posts[cut:]:
            row = q.post_row(post)
            copy.write_row((*row[: q.RAW], None, *row[q.RAW + 1 :]))


def _fetch_pair(cur: psycopg.Cursor[Any]) -> tuple[int, int]:
    row = cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _upsert_threads(conn: psycopg.Connection[Any], posts: Iterable[Post]) -> None:
    """Upsert one ``threads`` row per (site, thread) of the batch; the newest sighting names it."""
    newest: dict[tuple[str, str], Post] = {}
    first_seen: dict[tuple[str, str], datetime] = {}
    for post in posts:
        if post.thread_native_id is None:
            continue
        key = (post.site, post.thread_native_id)
        seen = newest.get(key)
        if seen is None or post.seen_at >= seen.seen_at:
            newest[key] = post
        first_seen[key] = min(first_seen.get(key, post.seen_at), post.seen_at)
    if not newest:
        return
    rows = [
        (thread_uid(site, native_id), site, post.source, native_id, None, post.thread_title,
         post.container, first_seen[site, native_id], post.seen_at, None, None)
        for (site, native_id), post in newest.items()
    ]  # fmt: skip
    conn.execute(q.THREADS_UPSERT, [list(column) for column in zip(*rows, strict=True)])
