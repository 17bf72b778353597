"""Thread records of many threads in one transaction: deletions judged, resume points stored.

A crawl ends a thread with a :class:`~crawler.items.ThreadItem` after the last page it fetched
of it. :func:`record_threads` stores a batch of them with three statements whatever the
batch's size (formerly three transactions per thread):

1. complete threads: upsert their ``threads`` rows with ``last_complete_at`` and the count;
2. complete threads: mark stored posts missing from the thread deleted - only posts first
   seen no later than that thread's ``seen_at``, so a post stored by a concurrent, later
   crawl of the same thread is not deleted;
3. every thread with a known last page: where the next incremental crawl resumes it.

The statements touch the rows of different threads, so one statement per kind gives what one
transaction per thread gave; a batch must not hold a thread twice (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler.items import ThreadItem
from crawler.storage import writer_sql as q
from crawler.storage._conn import ConnOrPool, transaction
from crawler.storage.writer import thread_uid

MARK_DELETED_MANY = """
UPDATE posts AS p SET deleted_at = j.seen_at, updated_at = now()
FROM unnest(%(threads)s::text[], %(seen)s::timestamptz[]) AS j(thread, seen_at)
WHERE p.site = %(site)s AND p.thread_native_id = j.thread AND p.deleted_at IS NULL
  AND p.first_seen_at <= j.seen_at
  AND NOT EXISTS (
      SELECT 1 FROM unnest(%(present_threads)s::text[], %(present_ids)s::text[])
          AS x(thread, native_id)
      WHERE x.thread = p.thread_native_id AND x.native_id = p.native_id)
"""

# Where an incremental crawl resumes each thread next time (crawler.items.ThreadItem).
THREAD_RESUME_MANY = """
INSERT INTO threads AS t (uid, site, source, native_id, url, title, container, first_seen_at,
                          last_seen_at, post_count, signature, last_page_url, last_page_position,
                          last_post_native_id, last_crawled_at)
SELECT uid, site, source, native_id, url, title, container, seen_at, seen_at, post_count,
       signature, last_page_url, last_page_position, last_post_native_id, seen_at
FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
            %s::timestamptz[], %s::int4[], %s::text[], %s::text[], %s::int4[], %s::text[])
     AS r(uid, site, source, native_id, url, title, container, seen_at, post_count, signature,
          last_page_url, last_page_position, last_post_native_id)
ORDER BY uid
ON CONFLICT (uid) DO UPDATE SET
    source = EXCLUDED.source,
    url = COALESCE(EXCLUDED.url, t.url),
    title = COALESCE(EXCLUDED.title, t.title),
    container = COALESCE(EXCLUDED.container, t.container),
    last_seen_at = GREATEST(t.last_seen_at, EXCLUDED.last_seen_at),
    post_count = EXCLUDED.post_count,
    signature = EXCLUDED.signature,
    last_page_url = EXCLUDED.last_page_url,
    last_page_position = EXCLUDED.last_page_position,
    last_post_native_id = EXCLUDED.last_post_native_id,
    last_crawled_at = EXCLUDED.last_crawled_at
"""


def record_threads(conn_or_pool: ConnOrPool, site: str, source: str,
                   records: Sequence[tuple[ThreadItem, datetime]], *, resume: bool = True) -> int:
    """Store ``(thread, seen_at)`` records in one transaction; returns posts marked deleted.

    ``resume=False`` skips the resume points (step 3): after a batch of posts failed to be
    written, the next crawl must fetch those threads again from where it knew them before.
    """
    uids = [thread_uid(site, thread.native_id) for thread, _ in records]
    if len(set(uids)) != len(uids):
        raise ValueError("a batch of thread records holds a thread twice")
    complete = [(uid, thread, seen) for uid, (thread, seen) in zip(uids, records, strict=True)
                if thread.complete and thread.post_native_ids]
    resumable = [(uid, thread, seen) for uid, (thread, seen) in zip(uids, records, strict=True)
                 if resume and thread.post_count is not None and thread.last_page_url]
    deleted = 0
    if not complete and not resumable:
        return 0
    with transaction(conn_or_pool) as conn:
        if complete:
            rows = [(uid, site, source, t.native_id, t.url, t.title, t.container, seen, seen,
                     seen, len(set(t.post_native_ids))) for uid, t, seen in complete]
            conn.execute(q.THREADS_UPSERT, [list(column) for column in zip(*rows, strict=True)])
            present = [(t.native_id, native_id) for _, t, _ in complete
                       for native_id in sorted(set(t.post_native_ids))]
            cur = conn.execute(MARK_DELETED_MANY, {
                "site": site, "threads": [t.native_id for _, t, _ in complete],
                "seen": [seen for _, _, seen in complete],
                "present_threads": [thread for thread, _ in present],
                "present_ids": [native_id for _, native_id in present],
            }, prepare=False)  # never a generic plan made while posts was empty
            deleted = cur.rowcount
        if resumable:
            resume_rows = [(uid, site, source, t.native_id, t.url, t.title, t.container, seen,
                     t.post_count, t.signature, t.last_page_url, t.last_page_position,
                     t.last_post_native_id) for uid, t, seen in resumable]
            conn.execute(THREAD_RESUME_MANY,
                         [list(column) for column in zip(*resume_rows, strict=True)])
    return deleted
