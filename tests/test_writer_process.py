"""The writer process runs jobs beside the spider; when it dies, the spider takes over and
nothing is lost."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable

import psutil
import pytest

from crawler.runner.process import SPIDER_STOP_SIGNAL
from crawler.writebehind import Job, Outcome
from crawler.writer_process import WriterProcess
from tests.factories import make_post

SPIDER = os.getpid()


def runner() -> Callable[[Job], Outcome]:
    """Answers with the pid that ran the job; refuses a job of post "boom" outside the spider."""

    def run(job: Job) -> Outcome:
        if any(p.native_id == "boom" for p in job.posts) and os.getpid() != SPIDER:
            raise RuntimeError("boom")
        return Outcome(errors=[str(os.getpid())], deleted=len(job.posts))

    return run


def job(*ids: str) -> Job:
    return Job([make_post(i, native_id=native_id) for i, native_id in enumerate(ids)])


def test_jobs_run_in_order_in_another_process() -> None:
    writer = WriterProcess(runner)
    try:
        outcomes = [writer(job(*[f"{n}{i}" for i in range(n)])) for n in (1, 5, 200)]
        assert [o.deleted for o in outcomes] == [1, 5, 200]  # the whole jobs came through
        assert {o.errors[0] for o in outcomes} == {str(writer.pid)} != {str(SPIDER)}
        assert psutil.Process(writer.pid).ppid() == SPIDER
    finally:
        writer.close()
    assert not psutil.pid_exists(writer.pid) or psutil.Process(writer.pid).status() == "zombie"


def test_a_killed_writer_process_hands_its_jobs_to_the_spider(
        caplog: pytest.LogCaptureFixture) -> None:
    writer = WriterProcess(runner)
    assert writer(job("a")).errors == [str(writer.pid)]
    os.kill(writer.pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="crawler.writer_process"):
        outcome = writer(job("b", "c"))
    assert outcome.errors == [str(SPIDER)] and outcome.deleted == 2  # run here, whole
    assert "writing in the spider from now on" in caplog.text
    assert writer(job("d")).errors == [str(SPIDER)]
    writer.close()


def test_a_job_the_process_cannot_run_is_run_again_in_the_spider() -> None:
    writer = WriterProcess(runner)
    try:
        outcome = writer(job("x", "boom"))  # the writer process dies of it
        assert outcome.errors == [str(SPIDER)] and outcome.deleted == 2
    finally:
        writer.close()


def test_the_runners_stop_signal_ends_the_writer_at_once_and_sigterm_does_not() -> None:
    """The spider's own signal handlers must not keep the writer alive: it gets the runner's
    stop signal (SIGINT) from kill_group with the spider and has to go without the 5 s grace
    and SIGKILL. SIGTERM, from a process manager signalling every process, it ignores as the
    spider does (tests/test_chaos_shutdown.py)."""
    writer = WriterProcess(runner)
    writer(job("a"))
    os.kill(writer.pid, signal.SIGTERM)
    assert writer(job("b")).errors == [str(writer.pid)]  # still serving, in the writer
    os.kill(writer.pid, SPIDER_STOP_SIGNAL)
    _, status = os.waitpid(writer.pid, 0)
    assert os.waitstatus_to_exitcode(status) == -SPIDER_STOP_SIGNAL
    writer.close()  # already collected: closes the socket only
