"""Processes that left the spider's group die with it, as Chromium started by Playwright does.

A stand-in for the browser tree: the spider starts a "driver" in its own group, the driver
starts a "browser" in a new session (Playwright's ``detached`` spawn), and the browser
ignores SIGTERM and never exits by itself. Each way a crawl ends must kill it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil

from crawler.runner.process import kill_group

BROWSER = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"
DRIVER = textwrap.dedent(f"""
    import subprocess, sys, time
    browser = subprocess.Popen([sys.executable, "-c", {BROWSER!r}], start_new_session=True)
    print(browser.pid, flush=True)
    time.sleep(300)
""")
SPIDER = textwrap.dedent(f"""
    import os, subprocess, sys, time
    if len(sys.argv) > 1:
        from crawler.runner.child import watch_parent
        watch_parent(os.getppid())
    subprocess.Popen([sys.executable, "-c", {DRIVER!r}])  # inherits our stdout
    time.sleep(300)
""")


def start_spider(*args: str) -> tuple[subprocess.Popen[bytes], psutil.Process]:
    """A spider in a session of its own, and the browser its driver started elsewhere."""
    spider = subprocess.Popen([sys.executable, "-c", SPIDER, *args], start_new_session=True,
                              stdout=subprocess.PIPE)
    return spider, read_browser(spider)


def read_browser(proc: subprocess.Popen[bytes]) -> psutil.Process:
    assert proc.stdout is not None
    browser = psutil.Process(int(proc.stdout.readline()))
    proc.stdout.close()
    assert os.getsid(browser.pid) == browser.pid != os.getsid(proc.pid)  # another session
    return browser


def cleanup(browser: psutil.Process) -> None:
    with contextlib.suppress(psutil.Error):
        browser.kill()


def gone(proc: psutil.Process, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


def test_kill_group_kills_a_descendant_in_another_session() -> None:
    spider, browser = start_spider()
    try:
        kill_group(spider, grace=1)
        assert gone(browser)
    finally:
        cleanup(browser)


TASK = textwrap.dedent("""
    import subprocess, sys, time
    from crawler.runner import process
    with process.kill_spiders_on_sigterm():
        spider = subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]],
                                  start_new_session=True)
        with process._active_lock:
            process._active_groups.add(spider.pid)
        time.sleep(300)
""")


def start_task(*args: str) -> tuple[subprocess.Popen[bytes], psutil.Process]:
    """A task process running a spider (its browser's pid comes through to our pipe)."""
    task = subprocess.Popen([sys.executable, "-c", TASK, SPIDER, *args], stdout=subprocess.PIPE)
    return task, read_browser(task)


def test_sigterm_to_the_task_kills_the_browser_too() -> None:
    """Celery's terminate and hard time limit: SIGTERM to the pool process."""
    task, browser = start_task()
    try:
        task.send_signal(signal.SIGTERM)
        task.wait(10)
        assert gone(browser)
    finally:
        cleanup(browser)


def test_a_killed_task_takes_the_browser_with_it() -> None:
    """SIGKILL to the task process: the spider's watchdog kills its tree, browser included."""
    task, browser = start_task("watch")
    try:
        time.sleep(1)  # the watchdog runs
        task.send_signal(signal.SIGKILL)
        task.wait(10)
        assert gone(browser)
    finally:
        cleanup(browser)
