"""The runner kills whole process groups, and a spider dies with the task that started it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psutil

from crawler.authors import author_identity
from crawler.runner.outcome import judge
from crawler.runner.process import CrawlOutcome, kill_group
from crawler.runner.spec import CrawlSpec
from tests.workers import session_processes

TREE = textwrap.dedent("""
    import subprocess, sys, time
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    subprocess.Popen([sys.executable, "-c", "import signal, time; "
                      "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
    print("ready", flush=True)
    time.sleep(300)
""")


def _wait_gone(sid: int, timeout: float = 10) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_kill_group_kills_children_that_ignore_sigterm() -> None:
    proc = subprocess.Popen([sys.executable, "-c", TREE], start_new_session=True,
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    assert len(session_processes(proc.pid)) == 3
    kill_group(proc, grace=1)
    proc.stdout.close()
    assert _wait_gone(proc.pid) == []


SPIDER = """
import os, subprocess, sys, time
from crawler.runner.child import watch_parent
watch_parent(os.getppid())
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
time.sleep(300)
"""

TASK = """
import subprocess, sys, time
spider = subprocess.Popen([sys.executable, "-c", sys.argv[1]], start_new_session=True)
print(spider.pid, flush=True)
time.sleep(300)
"""


def test_spider_group_dies_when_its_task_process_is_killed() -> None:
    task = subprocess.Popen([sys.executable, "-c", TASK, SPIDER], stdout=subprocess.PIPE)
    assert task.stdout is not None
    spider_pid = int(task.stdout.readline())
    deadline = time.monotonic() + 10
    while len(session_processes(spider_pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(session_processes(spider_pid)) == 2
    task.send_signal(signal.SIGKILL)  # no chance to clean up
    task.wait()
    task.stdout.close()
    assert _wait_gone(spider_pid) == []


def _spec() -> CrawlSpec:
    return CrawlSpec(run_id=1, source="s", region="62", spider="phpbb", platform="phpbb",
                     start_url="http://127.0.0.1:1/", site="http://127.0.0.1:1/")


def test_judge_reasons() -> None:
    spec = _spec()
    ok = CrawlOutcome(0, {"final": True, "items": 5, "pages": 2, "finish_reason": "finished"})
    assert judge(ok, spec) == ("succeeded", None)
    refused = CrawlOutcome(0, {"final": True, "items": 0, "pages": 0, "error_reasons": [
        {"kind": "network", "url": "http://x/", "message": "ConnectionRefusedError: refused"}]})
    status, reason = judge(refused, spec)
    assert status == "failed" and reason is not None and "ConnectionRefusedError" in reason
    empty = CrawlOutcome(0, {"final": True, "items": 0, "pages": 3})
    assert "no posts found on 3 pages" in (judge(empty, spec)[1] or "")
    crashed = CrawlOutcome(1, {}, stderr_tail="Traceback\nKeyError: 'Spider not found: x'\n")
    status, reason = judge(crashed, spec)
    assert status == "failed" and "Spider not found" in (reason or "")
    assert judge(CrawlOutcome(None, {}, stopped="timeout"), spec)[0] == "timeout"
    limited = CrawlOutcome(0, {"final": True, "items": 5, "pages": 5,
                               "finish_reason": "closespider_pagecount"})
    assert judge(limited, spec) == ("succeeded", "stopped early by a limit (closespider_pagecount)")


def test_author_policies() -> None:
    site = "http://127.0.0.1:8765/"
    key, name = author_identity("keep", site, "5", "budi", None)
    assert name == "budi" and key == author_identity("keep", site, "5", "Budi B.", None)[0]
    pkey, pname = author_identity("pseudonymize", site, "5", "budi", b"secret")
    assert pname is not None and pname.startswith("anon-") and "budi" not in pname
    assert pkey != key
    assert author_identity("pseudonymize", site, "5", "x", b"other")[0] != pkey
    assert author_identity("drop", site, "5", "budi", None) == (None, None)
    guest = author_identity("keep", site, None, "Tamu Sampit", None)
    assert guest[1] == "Tamu Sampit" and guest[0] != key
