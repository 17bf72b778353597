"""Write-behind: when jobs are cut, in what order they run, back-pressure, close and failures.

The reactor side (WriteBehind) runs against a fake writer thread whose jobs the test finishes
by hand; JobRunner runs against PostgreSQL (tests/test_thread_records.py has the SQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from twisted.internet import task
from twisted.internet.defer import Deferred

from crawler.enrich.enricher import Enricher
from crawler.items import ThreadItem
from crawler.storage.runs import RunStore
from crawler.storage.writer import WriteResult
from crawler.writebehind import FLUSH_SECONDS, MAX_PENDING, Job, JobRunner, Outcome, WriteBehind
from tests.factories import SITE, make_post

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class FakeWriter:
    """Records the jobs handed over; the test fires their Deferreds."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.pending: list[Deferred[Outcome]] = []
        self.reports: list[Outcome] = []
        self.failures: list[str] = []
        self.clock = task.Clock()
        self.behind = WriteBehind(self.submit, 3, self.reports.append, self.failures.append,
                                  clock=self.clock)

    def submit(self, job: Job) -> Deferred[Outcome]:
        self.jobs.append(job)
        done: Deferred[Outcome] = Deferred()
        self.pending.append(done)
        return done

    def finish(self, index: int, outcome: Outcome | None = None) -> None:
        self.pending[index].callback(outcome or Outcome(WriteResult(new=1)))


def thread(native_id: str) -> ThreadItem:
    return ThreadItem(native_id=native_id, url=f"http://f.example/t{native_id}", title="T",
                      container="B", post_native_ids=["1"], pages=1)


def posts(n: int, thread_id: str = "7") -> list[Any]:
    return [make_post(i, thread_native_id=thread_id) for i in range(n)]


def test_a_job_is_cut_at_the_batch_size_and_keeps_posts_before_their_thread() -> None:
    w = FakeWriter()
    a, b, c, d = posts(4)
    assert w.behind.add_post(a) is None and w.behind.add_post(b) is None
    assert w.behind.add_thread(thread("7"), NOW) is None
    assert w.jobs == []  # nothing written before the batch is full or the timer fires
    assert w.behind.add_post(c) is None
    assert [len(j.posts) for j in w.jobs] == [3]
    assert [t.native_id for t, _ in w.jobs[0].threads] == ["7"]  # with the posts before it
    w.behind.add_post(d)
    w.clock.advance(FLUSH_SECONDS)
    w.behind.start()  # the timer cuts what waits
    w.clock.advance(FLUSH_SECONDS)
    assert [p.native_id for p in w.jobs[1].posts] == [d.native_id]


def test_a_thread_coming_again_starts_a_new_job() -> None:
    w = FakeWriter()
    w.behind.add_thread(thread("7"), NOW)
    w.behind.add_thread(thread("8"), NOW)
    assert w.jobs == []
    w.behind.add_thread(thread("7"), NOW + timedelta(seconds=1))
    assert [[t.native_id for t, _ in j.threads] for j in w.jobs] == [["7", "8"]]
    w.behind.flush()
    assert [[t.native_id for t, _ in j.threads] for j in w.jobs][1] == ["7"]


def test_a_full_queue_makes_the_next_item_wait() -> None:
    w = FakeWriter()
    waits = [w.behind.add_post(p) for p in posts(3 * (MAX_PENDING + 1))]
    assert len(w.jobs) == MAX_PENDING + 1
    blocked = [x for x in waits if x is not None]
    assert len(blocked) == 1 and not blocked[0].called  # the item that cut the third job
    w.finish(0)
    assert blocked[0].called  # room again
    assert len(w.reports) == 1 and w.reports[0].written.new == 1


def test_close_flushes_and_waits_for_every_job() -> None:
    w = FakeWriter()
    for p in posts(4):
        w.behind.add_post(p)
    w.behind.start()
    closed = w.behind.close()
    assert not w.behind.loop.running
    assert [len(j.posts) for j in w.jobs] == [3, 1]
    w.finish(1)
    assert not closed.called  # the first job is still out
    w.finish(0)
    assert closed.called
    assert w.behind.close().called  # nothing left: at once


def test_a_job_that_raises_is_reported_with_what_it_held() -> None:
    w = FakeWriter()
    for p in posts(3):
        w.behind.add_post(p)
    w.pending[0].errback(RuntimeError("connection lost"))
    assert w.failures == ["3 posts and 0 thread records not written: RuntimeError: "
                          "connection lost"]
    assert w.behind.pending == 0


@pytest.fixture
def conn(fresh_migrated_database: str) -> Any:
    with psycopg.connect(fresh_migrated_database) as connection:
        yield connection


def test_runner_enriches_writes_then_records_threads(conn: Any) -> None:
    run_id = RunStore(conn).create("s", "62")
    conn.commit()
    batch = [make_post(i, thread_native_id="9", crawl_run=run_id, language=None,
                       body_text="Banjir besar melanda Sampit, warga mengungsi ke Palangka Raya")
             for i in range(3)]
    runner = JobRunner(conn, SITE, "s", Enricher(), "62")
    done = thread("9")
    done.post_native_ids = [p.native_id for p in batch]
    outcome = runner(Job(batch, [(done, NOW)]))
    assert outcome.errors == [] and outcome.written.new == 3
    row = conn.execute("SELECT language, region_codes FROM posts LIMIT 1").fetchone()
    assert row[0] == "id" and "62.02" in row[1]  # Sampit: Kotawaringin Timur
    assert conn.execute("SELECT post_count FROM threads WHERE native_id = '9'").fetchone() == (3,)


def test_after_lost_posts_threads_keep_no_resume_point(conn: Any) -> None:
    run_id = RunStore(conn).create("s", "62")
    conn.execute("""CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'refused %', NEW.native_id; END $$""")
    conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON posts FOR EACH ROW "
                 "WHEN (NEW.native_id = 'bad') EXECUTE FUNCTION refuse()")
    conn.commit()
    runner = JobRunner(conn, SITE, "s")
    bad = make_post(0, thread_native_id="9", crawl_run=run_id, native_id="bad")
    resumable = thread("9")
    resumable.last_page_url, resumable.post_count = "http://f.example/t9?start=10", 12
    outcome = runner(Job([bad], [(resumable, NOW)]))
    assert len(outcome.errors) == 1 and "1 posts not written" in outcome.errors[0]
    assert "refused bad" in outcome.errors[0]
    # the thread is known, but without where to resume: the next crawl fetches it whole
    row = conn.execute("SELECT last_page_url, last_complete_at FROM threads "
                       "WHERE native_id = '9'").fetchone()
    assert row is not None and row[0] is None and row[1] is not None
    later = runner(Job([], [(resumable, NOW)]))
    assert later.errors == []
    assert conn.execute("SELECT last_page_url FROM threads").fetchone() == (None,)


def test_a_post_that_cannot_be_enriched_is_stored_anyway(conn: Any) -> None:
    run_id = RunStore(conn).create("s", "62")
    conn.commit()

    class Broken:
        def enrich(self, *args: object) -> None:
            raise ValueError("no model")

    post = make_post(1, thread_native_id="9", crawl_run=run_id)
    outcome = JobRunner(conn, SITE, "s", Broken(), "62")(Job([post]))
    assert outcome.written.new == 1
    assert outcome.errors == [f"post {post.url} not enriched: ValueError: no model"]
