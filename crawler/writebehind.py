"""Write-behind for the storage pipeline: batches written by one dedicated thread, in order.

The reactor thread only buffers posts and thread records. A :class:`Job` (a batch of posts,
then the thread records that came after them) runs on a thread of its own, one job at a
time, first in first out, so a thread's posts are always stored before its record judges
deletions - and PostgreSQL's round trips never stop the crawl. A job is cut when
``batch_size`` posts are buffered, when a thread already waiting for its record comes again,
every :data:`FLUSH_SECONDS`, and at close. While more than :data:`MAX_PENDING` jobs are
outstanding, the item that cut the newest waits: a slow database slows the crawl instead of
filling memory. Measurements: docs/benchmarks.md, "Crawl".
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.items import Post, ThreadItem
from crawler.storage.retry import retry_transient
from crawler.storage.thread_records import record_threads
from crawler.storage.writer import PostWriter, WriteResult

FLUSH_SECONDS = 1.0  # the longest a post or thread record waits in the buffer
MAX_PENDING = 2  # jobs outstanding (one being written, one queued) before items wait
T = TypeVar("T")


@dataclass
class Job:
    """Posts to write, then thread records to store (after those posts, and earlier jobs)."""

    posts: list[Post] = field(default_factory=list)
    threads: list[tuple[ThreadItem, datetime]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.posts or self.threads)


@dataclass
class Outcome:
    """What a job stored, and why anything was not stored."""

    written: WriteResult = field(default_factory=WriteResult)
    deleted: int = 0
    flagged: int = 0  # posts the writer enriched that a watchlist flags
    errors: list[str] = field(default_factory=list)


class JobRunner:
    """Runs jobs on the writer thread or in the writer process (crawler.writer_process).

    ``conn`` is used by nothing else once the crawl runs. With ``reconnect`` (a function
    that opens a new connection), a batch or thread record that failed because the
    connection or the server went away (a PostgreSQL restart) is tried again on a new
    connection for up to crawler.storage.retry.RETRY_SECONDS; both are idempotent. With
    ``enricher``, posts are enriched first (what EnrichPipeline does otherwise; ``region``
    is the source's). After a batch of posts failed for good, thread records are still
    stored but without resume points, so the next incremental crawl fetches those threads
    again instead of skipping lost posts.
    """

    def __init__(self, conn: Any, site: str, source: str, enricher: Any = None,
                 region: str | None = None,
                 reconnect: Callable[[], Any] | None = None) -> None:
        self.conn = conn
        self.writer = PostWriter(conn)
        self.site = site
        self.source = source
        self.enricher = enricher
        self.region = region
        self.reconnect = reconnect
        self.lost_posts = False

    def __call__(self, job: Job) -> Outcome:
        outcome = Outcome()
        if self.enricher is not None:
            self._enrich(job.posts, outcome)
        if job.posts:
            try:
                outcome.written = self._retried(lambda: self.writer.write(job.posts), "posts")
            except Exception as err:
                self.lost_posts = True
                outcome.errors.append(f"{len(job.posts)} posts not written: {_describe(err)}")
        if job.threads:
            try:
                outcome.deleted = self._retried(lambda: record_threads(
                    self.conn, self.site, self.source, job.threads,
                    resume=not self.lost_posts), "thread records")
            except Exception as err:
                outcome.errors.append(
                    f"{len(job.threads)} thread records not written: {_describe(err)}")
        return outcome

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _retried(self, action: Callable[[], T], what: str) -> T:
        if self.reconnect is None:
            return action()
        return retry_transient(action, what=f"{self.source}: {what}", recover=self._reconnect)

    def _reconnect(self) -> None:
        """A new connection in place of the broken one (and a writer on it)."""
        assert self.reconnect is not None
        with contextlib.suppress(Exception):
            self.conn.close()
        self.conn = self.reconnect()
        self.writer = PostWriter(self.conn)

    def _enrich(self, posts: list[Post], outcome: Outcome) -> None:
        from crawler.enrich.pipeline import enrich_post

        for post in posts:
            try:
                outcome.flagged += enrich_post(self.enricher, post, self.region)
            except Exception as err:  # stored without enrichment rather than lost
                outcome.errors.append(f"post {post.url} not enriched: {_describe(err)}")


class WriteBehind:
    """Buffers on the reactor thread; ``submit`` runs a job elsewhere and fires with its Outcome.

    ``report`` gets every outcome and ``fail`` the message of a job that raised, both on the
    reactor thread. ``add_post``, ``add_thread`` and ``flush`` return None, or a Deferred to
    wait for while the queue is full.
    """

    def __init__(self, submit: Callable[[Job], Deferred[Outcome]], batch_size: int,
                 report: Callable[[Outcome], None], fail: Callable[[str], None],
                 clock: Any = None) -> None:
        self.submit = submit
        self.batch_size = max(1, batch_size)
        self.report = report
        self.fail = fail
        self.job = Job()
        self.job_threads: set[str] = set()
        self.pending = 0
        self._room: deque[Deferred[None]] = deque()
        self._idle: list[Deferred[None]] = []
        self.loop = task.LoopingCall(self.flush)
        if clock is not None:
            self.loop.clock = clock

    def start(self) -> None:
        """Flush every FLUSH_SECONDS from now on."""
        self.loop.start(FLUSH_SECONDS, now=False)

    def add_post(self, post: Post) -> Deferred[None] | None:
        self.job.posts.append(post)
        return self.flush() if len(self.job.posts) >= self.batch_size else None

    def add_thread(self, thread: ThreadItem, seen_at: datetime) -> Deferred[None] | None:
        wait = self.flush() if thread.native_id in self.job_threads else None
        self.job.threads.append((thread, seen_at))
        self.job_threads.add(thread.native_id)
        return wait

    def flush(self) -> Deferred[None] | None:
        """Hand what is buffered to the writer thread now."""
        job, self.job, self.job_threads = self.job, Job(), set()
        if not job:
            return None
        self.pending += 1
        done = self.submit(job)
        done.addCallbacks(self.report, lambda failure: self._failed(job, failure))
        done.addBoth(self._done)
        if self.pending <= MAX_PENDING:
            return None
        room: Deferred[None] = Deferred()
        self._room.append(room)
        return room

    def wait_idle(self) -> Deferred[None]:
        """Fires once every job handed over so far is done."""
        idle: Deferred[None] = Deferred()
        if self.pending:
            self._idle.append(idle)
        else:
            idle.callback(None)
        return idle

    def close(self) -> Deferred[None]:
        """Stop the timer, flush, and fire when the last job is done."""
        if self.loop.running:
            self.loop.stop()
        self.flush()
        return self.wait_idle()

    def _failed(self, job: Job, failure: Failure) -> None:
        self.fail(f"{len(job.posts)} posts and {len(job.threads)} thread records not written: "
                  f"{failure.type.__name__ if failure.type else 'Error'}: "
                  f"{failure.getErrorMessage()}")

    def _done(self, _: object) -> None:
        self.pending -= 1
        while self._room and self.pending <= MAX_PENDING:
            self._room.popleft().callback(None)
        if not self.pending:
            idle, self._idle = self._idle, []
            for waiter in idle:
                waiter.callback(None)


def _describe(err: Exception) -> str:
    return f"{type(err).__name__}: {err}"
