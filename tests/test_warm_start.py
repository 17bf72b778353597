"""Warm spider starts (crawler.runner.zygote) and the writer process in real crawls.

A spider forked from the zygote must be what the exec start gave: the same posts stored, in
a session of its own, its exit code and stderr seen by the task, and gone when its task
process dies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import DemoForumServer, build_forum
from crawler.enrich.enricher import Enricher
from crawler.runner import CrawlSpec, run_crawl
from crawler.runner.zygote import _zygote
from crawler.storage.runs import RunStore
from tests.test_crawl_task import source, stored, truth
from tests.workers import FAST_ENV, session_processes, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[1]
FAST = {"PANTAU_WRITER_PROCESS": "true", "PANTAU_WARM_SPIDERS": "true"}


@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


def _run(database: str, name: str, url: str) -> CrawlSpec:
    src = Source.model_validate(source(name, url))
    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create(src.name, src.region)
    return CrawlSpec.for_source(src, run_id)


def test_a_warm_crawl_with_the_writer_process_stores_what_an_exec_crawl_stores(
        fresh_migrated_database: str, redis_url: str, forum: DemoForumServer,
        tmp_path: Path) -> None:
    database = fresh_migrated_database
    env = worker_env(database, redis_url, tmp_path, **FAST)
    pids: list[int] = []
    outcomes = []
    with DemoForumServer(build_forum(seed=62)) as other:  # another site: a full crawl again
        # the second spider comes from the same zygote
        for name, server in (("warm-1", forum), ("warm-2", other)):
            outcome = run_crawl(_run(database, name, server.url), env=env, warm=True,
                                timeout=180, on_progress=lambda p: pids.append(p["spider_pid"]))
            assert outcome.returncode == 0 and outcome.final, outcome.stderr_tail[-3000:]
            outcomes.append(outcome)
            assert stored(database, name) == truth(server)
    zygote = _zygote.proc
    assert zygote is not None and zygote.poll() is None
    assert len(set(pids)) == 2 and os.getpid() not in pids
    stats = outcomes[1].stats
    assert stats["posts_new"] == len(truth(forum)) and stats["errors"] == 0
    assert stats["threads_complete"] == len(forum.forum.threads)
    # enriched by the writer process as the enrich stage would have (docs/enrichment.md)
    enricher = Enricher()
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT title, body_text, language, region_codes FROM posts "
                            "WHERE source = 'warm-2'").fetchall()
        resumable = conn.execute("SELECT count(*) FROM threads WHERE last_page_url IS NOT NULL"
                                 " AND last_complete_at IS NOT NULL").fetchone()
    for title, body, language, regions in rows:
        expected = enricher.enrich(title, body, "62", None)
        assert (language, regions) == (expected.language, expected.region_codes)
    assert resumable == (2 * len(forum.forum.threads),)  # both sites, every thread


@pytest.mark.parametrize("warm", [True, False])
def test_a_spider_that_cannot_start_reports_its_error(tmp_path: Path, warm: bool) -> None:
    spec = CrawlSpec(run_id=None, source="s", region="62", spider="no-such-spider",
                     platform="phpbb", start_url="http://127.0.0.1:9/", site="http://127.0.0.1:9/")
    outcome = run_crawl(spec, env={"PANTAU_STATE_DIR": str(tmp_path)}, warm=warm, timeout=60)
    assert outcome.returncode == 1  # the same exit code and error either way
    assert "KeyError: 'Spider not found: no-such-spider'" in outcome.stderr_tail


def test_the_warm_server_never_installs_a_reactor() -> None:
    code = ("import sys, crawler.runner.warm as w; "
            "print(json.dumps(['twisted.internet.reactor' in sys.modules, "
            "'scrapy.crawler' in sys.modules, 'spiders.phpbb' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [False, True, True]


TASK = """
import json, os, sys, tempfile, time
from crawler.runner.zygote import start_spider
read, write = os.pipe()
err = tempfile.TemporaryFile()
spider = start_spider(sys.argv[1], json.loads(sys.argv[2]), {"PANTAU_PROGRESS_FD": write},
                      err.fileno(), warm=True)
print(spider.pid, flush=True)
time.sleep(300)
"""


def test_a_warm_spider_dies_with_its_task_process(forum: DemoForumServer,
                                                  tmp_path: Path) -> None:
    src = Source.model_validate(source("slow", forum.url, politeness={
        "download_delay": 1, "concurrent_requests": 1}))
    spec = CrawlSpec.for_source(src, None)  # no database: the crawl only has to run, slowly
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(FAST_ENV, PANTAU_STATE_DIR=str(tmp_path), PANTAU_DOWNLOAD_DELAY="1")
    task = subprocess.Popen([sys.executable, "-c", TASK, spec.model_dump_json(),
                             json.dumps(env)], cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert task.stdout is not None
        spider = int(task.stdout.readline())
        deadline = time.monotonic() + 60
        while not session_processes(spider) and time.monotonic() < deadline:
            time.sleep(0.1)
        members = session_processes(spider)
        assert spider in {p.pid for p in members}  # a session of its own, as with exec
        zygote = psutil.Process(spider).parent()
        assert zygote is not None and zygote.parent().pid == task.pid  # type: ignore[union-attr]
        time.sleep(1)
        assert psutil.Process(spider).is_running()
        task.send_signal(signal.SIGKILL)  # no chance to clean up
        task.wait()
        deadline = time.monotonic() + 20
        while (session_processes(spider) or zygote.is_running()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_processes(spider) == []
        assert not zygote.is_running() or zygote.status() == psutil.STATUS_ZOMBIE
    finally:
        if task.poll() is None:
            task.kill()
            task.wait()
        if task.stdout is not None:
            task.stdout.close()

