"""Start a spider in its own process session, read its progress, and kill its whole group.

The spider runs in ``python -m crawler.runner.child`` started with ``start_new_session``: its
process group holds Scrapy and what Scrapy starts, except Chromium, which Playwright starts in
a session of its own (crawler.runner.tree). Whatever ends the crawl - completion, a deadline,
a cancel request, SIGTERM to this process - the group and the descendants of its members are
killed before this module returns, so no spider or browser outlives its task. A spider is
asked to stop with SIGINT (:data:`SPIDER_STOP_SIGNAL`): it ignores SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from crawler.observe.logs import LOG_FD_ENV, worker_log_fd
from crawler.runner.spec import CrawlSpec
from crawler.runner.tree import group_tree, kill_all
from crawler.runner.zygote import SpiderProcess, start_spider

ProgressCallback = Callable[[dict[str, Any]], None]
KILL_GRACE_SECONDS = 5.0
# How the runner asks a spider to stop: spiders ignore SIGTERM (crawler.runner.child), so a
# process manager that signals every process of a worker cannot close them "gracefully".
SPIDER_STOP_SIGNAL = signal.SIGINT
STDERR_TAIL_BYTES = 4000

# Process groups of spiders running under this process; killed on SIGTERM.
_active_groups: set[int] = set()
_active_lock = threading.Lock()


class CrawlTerminated(Exception):
    """The crawl was stopped from outside (deadline or cancel); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class CrawlOutcome:
    """How a spider process ended and the last statistics it reported."""

    returncode: int | None
    stats: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""
    stopped: str | None = None  # "timeout" or "cancelled" when we ended it
    elapsed: float = 0.0

    @property
    def final(self) -> bool:
        """True when the spider reported its closing statistics."""
        return bool(self.stats.get("final"))


def run_crawl(
    spec: CrawlSpec,
    *,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    env: dict[str, str] | None = None,
    warm: bool | None = None,
) -> CrawlOutcome:
    """Run one spider to its end (or until ``timeout``/``should_stop``) and return its outcome.

    ``env`` adds to the spider's environment; ``warm`` overrides PANTAU_WARM_SPIDERS.
    """
    started = time.monotonic()
    read_fd, write_fd = os.pipe()
    log_fd = worker_log_fd()  # the spider logs to our stderr too (crawler.observe.logs)
    fd_env = {"PANTAU_PROGRESS_FD": write_fd}
    if log_fd is not None:
        fd_env[LOG_FD_ENV] = log_fd
    if warm is None:
        from crawler.config.settings import get_settings

        warm = get_settings().warm_spiders
    with tempfile.TemporaryFile() as stderr:
        # exec of crawler.runner.child, or a fork of the warm server (crawler.runner.zygote)
        proc = start_spider(spec.model_dump_json(), {**os.environ, **(env or {})}, fd_env,
                            stderr.fileno(), warm=warm)
        os.close(write_fd)
        if log_fd is not None:
            os.close(log_fd)
        with _active_lock:
            _active_groups.add(proc.pid)
        outcome = CrawlOutcome(returncode=None)
        try:
            outcome.stopped = _follow(proc, read_fd, outcome, on_progress, started, timeout,
                                      should_stop)
        finally:
            os.close(read_fd)
            kill_group(proc, stop_signal=SPIDER_STOP_SIGNAL)
            with _active_lock:
                _active_groups.discard(proc.pid)
        outcome.returncode = proc.returncode
        outcome.elapsed = time.monotonic() - started
        stderr.seek(max(0, stderr.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
        outcome.stderr_tail = stderr.read().decode("utf-8", "replace")
    return outcome


def _follow(
    proc: SpiderProcess,
    read_fd: int,
    outcome: CrawlOutcome,
    on_progress: ProgressCallback | None,
    started: float,
    timeout: float | None,
    should_stop: Callable[[], bool] | None,
) -> str | None:
    """Read progress lines until the pipe closes; return why we stopped it early, if we did."""
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while True:
            if timeout is not None and time.monotonic() - started > timeout:
                return "timeout"
            if should_stop is not None and should_stop():
                return "cancelled"
            if not selector.select(timeout=0.25):
                if proc.poll() is not None:
                    return None  # exited without closing the pipe (grandchild holds it)
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                proc.wait()
                return None
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                _handle_line(line, outcome, on_progress)


def _handle_line(line: bytes, outcome: CrawlOutcome, on_progress: ProgressCallback | None) -> None:
    try:
        message = json.loads(line)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    outcome.stats = message
    if on_progress is not None and not message.get("final"):
        on_progress(message)


def kill_group(proc: SpiderProcess, grace: float = KILL_GRACE_SECONDS,
               stop_signal: signal.Signals = signal.SIGTERM) -> None:
    """Stop a process group (a spider's, a worker's): ``stop_signal``, then SIGKILL after
    ``grace`` seconds, with every descendant that left the group (Chromium;
    crawler.runner.tree)."""
    tree = group_tree(proc.pid)  # while the members are alive: their children are known
    if proc.poll() is None:
        _signal_group(proc.pid, stop_signal)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    # Members may outlive the leader (a browser): the group id stays valid until they are gone.
    tree += group_tree(proc.pid)
    _signal_group(proc.pid, signal.SIGKILL)
    kill_all(tree)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@contextlib.contextmanager
def kill_spiders_on_sigterm() -> Iterator[None]:
    """While active, SIGTERM to this process first kills every running spider group.

    Celery terminates a pool process with SIGTERM on revocation and on the hard time limit;
    the spider runs in another session and would survive it. The previous handler (or the
    default action) runs afterwards, so the process still ends as Celery expects.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: FrameType | None) -> None:
        with _active_lock:
            groups = list(_active_groups)
        for pgid in groups:
            tree = group_tree(pgid)
            _signal_group(pgid, signal.SIGKILL)
            kill_all(tree)
        signal.signal(signal.SIGTERM, previous)
        if callable(previous):
            previous(signum, frame)
        else:
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
