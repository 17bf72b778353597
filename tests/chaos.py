"""Fault injection for the chaos suite: a fault fired at a chosen request of a fixture forum.

:class:`FaultForumServer` is the logged demo forum (tests/sitelog.py) that calls a fault
once the N-th thread page (``viewtopic.php``) of the crawl has been served, on the
handler thread that served it, before that thread takes another request. The log tells
which worker asked for that page (workers bind their own source address, 127.0.0.2,
127.0.0.3, ..., PANTAU_BIND_ADDRESS) and what was served after the fault, and by whom.

:class:`ProcessTree` is a worker's processes as the kernel sees them: the worker's
session (main and pool processes) and every descendant, including spiders and the zygote
that run in sessions of their own, so a test can signal all of them (a frozen host) and
prove none survives (a killed host).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from typing import Any

import psutil
import psycopg

from crawler.demosite import Forum, build_forum
from crawler.demosite.model import POSTS_PER_PAGE
from tests.sitelog import Hit, LoggedForumServer

THREAD_PAGE = "/viewtopic.php"
LIST_PAGE = "/viewforum.php"  # what a discovery step fetches


def small_forum(seed: int, threads: int) -> Forum:
    """The demo forum of ``seed`` with only its first ``threads`` threads (whole threads:
    quotes stay inside a thread), so a complete crawl is a few seconds of work."""
    forum = build_forum(seed=seed)
    for thread_id in sorted(forum.threads)[threads:]:
        del forum.threads[thread_id]
    return forum


def thread_pages(forum: Forum) -> int:
    """How many thread pages the forum has: each is fetched once by a complete crawl."""
    return sum(ceil(len(t.posts) / POSTS_PER_PAGE) for t in forum.threads.values() if t.posts)


@dataclass
class Fault:
    """What was fired, when (monotonic), at which request, and against which client."""

    at_request: int
    hit: Hit | None = None
    fired_at: float | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float) -> Hit:
        """The hit that fired the fault (raises if it did not fire, or the fault failed)."""
        assert self.done.wait(timeout), f"thread page {self.at_request} was never served"
        if self.error is not None:
            raise AssertionError(f"the fault failed: {self.error!r}") from self.error
        assert self.hit is not None
        return self.hit


class Trigger:
    """One fault, fired right after the N-th served request that ``matches``, on the handler
    thread that served it (before that thread takes another request)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._action: Callable[[Hit], object] | None = None
        self._matches: Callable[[Hit], bool] = lambda hit: False
        self._served = 0

    def arm(self, at_request: int, action: Callable[[Hit], object],
            matches: Callable[[Hit], bool]) -> Fault:
        """Call ``action(hit)`` once the ``at_request``-th request that ``matches`` was served."""
        with self._lock:
            self._fault, self._action, self._matches = Fault(at_request), action, matches
            self._served = 0
            return self._fault

    def observe(self, hit: Hit) -> None:
        """Count a served request; fire the fault when it is the one."""
        fault, action = None, None
        with self._lock:
            if self._matches(hit):
                self._served += 1
                if self._fault is not None and self._served == self._fault.at_request:
                    fault, action = self._fault, self._action
        if fault is None or action is None:
            return
        fault.hit, fault.fired_at = hit, time.monotonic()
        try:
            action(hit)
        except BaseException as err:  # reported by Fault.wait in the test's thread
            fault.error = err
        finally:
            fault.done.set()


def quiet_connection_resets(httpd: Any) -> None:
    """A killed worker's connections reset: expected in these tests, not worth a traceback."""
    report = httpd.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report(request, client_address)

    httpd.handle_error = handle_error


class FaultForumServer(LoggedForumServer):
    """The logged demo forum that fires one fault after its N-th thread page was served."""

    def __init__(self, forum: Forum, *, page_seconds: float = 0.0) -> None:
        super().__init__(forum, hold=(lambda path: page_seconds) if page_seconds else None)
        self.trigger = Trigger()
        quiet_connection_resets(self._httpd)

    def arm(self, at_request: int, action: Callable[[Hit], object],
            path: str = THREAD_PAGE) -> Fault:
        """Call ``action(hit)`` right after page number ``at_request`` of ``path`` (thread
        pages; :data:`LIST_PAGE` for a discovery step) was served."""
        return self.trigger.arm(at_request, action,
                                lambda hit: urlpath(hit) == path and hit.status == 200)

    def _record(self, hit: Hit) -> None:
        super()._record(hit)
        self.trigger.observe(hit)

    def thread_hits(self) -> list[Hit]:
        """Every thread page served (status 200), by start time."""
        return [h for h in self.log() if urlpath(h) == THREAD_PAGE and h.status == 200]


def urlpath(hit: Hit) -> str:
    return hit.path.split("?", 1)[0]


class ProcessTree:
    """A worker's processes: its session and all descendants, snapshot by snapshot."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, psutil.Process] = {}
        self.cmdlines: dict[int, str] = {}  # as seen by a snapshot, while alive
        self.sessions: set[int] = {root}

    def snapshot(self, scan: bool = True) -> list[psutil.Process]:
        """The live processes of the tree now (also remembered for :meth:`survivors`):
        the root's descendants, and with ``scan`` everything in the sessions seen so far
        (a scan of every process, slower: a fault takes the quick look first)."""
        found: dict[int, psutil.Process] = {}
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.root)
            found[root.pid] = root
            found.update((c.pid, c) for c in root.children(recursive=True))
        if scan:
            found.update((p.pid, p) for p in in_sessions(self.sessions))
        for proc in found.values():
            with contextlib.suppress(OSError):
                self.sessions.add(os.getsid(proc.pid))
            self.cmdlines.setdefault(proc.pid, _cmdline(proc))
        self.seen.update(found)
        return list(found.values())

    def spiders(self) -> dict[int, str]:
        """The spider processes (exec'd children, or the zygote and its forks) ever seen."""
        marks = ("crawler.runner.child", "crawler.runner.zygote_server")
        return {pid: line for pid, line in self.cmdlines.items() if any(m in line for m in marks)}

    def signal(self, sig: signal.Signals) -> int:
        """Send ``sig`` to every live process of the tree; return how many got it."""
        sent: set[int] = set()
        for scan in (False, True):  # the descendants at once, then any straggler
            for proc in self.snapshot(scan=scan):
                if proc.pid not in sent:
                    with contextlib.suppress(psutil.Error):
                        proc.send_signal(sig)
                        sent.add(proc.pid)
        return len(sent)

    def survivors(self) -> list[psutil.Process]:
        """Processes ever seen in the tree, or now in one of its sessions, still alive."""
        alive = [p for p in self.seen.values() if _alive(p)]
        known = {p.pid for p in alive}
        return alive + [p for p in in_sessions(self.sessions) if p.pid not in known]

    def wait_gone(self, timeout: float) -> float:
        """Seconds until nothing of the tree is alive; fails with the survivors' cmdlines."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.survivors():
                return time.monotonic() - started
            time.sleep(0.1)
        left = {p.pid: _cmdline(p) for p in self.survivors()}
        raise AssertionError(f"processes of the dead worker still alive after {timeout}s: {left}")


def in_sessions(sessions: Iterable[int]) -> list[psutil.Process]:
    """Live (not zombie) processes whose session is one of ``sessions`` (a /proc scan)."""
    wanted = set(sessions)
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getsid(proc.pid) in wanted and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _cmdline(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return "?"


@dataclass(frozen=True)
class Tally:
    """Posts lost and duplicated against the ground truth, and versions a redo created."""

    stored_rows: int
    distinct_posts: int
    lost: int
    unexpected: int
    duplicates: int
    versions: int

    def __str__(self) -> str:
        return (f"posts lost: {self.lost}, duplicates: {self.duplicates} "
                f"({self.stored_rows} rows, {self.unexpected} unexpected, "
                f"{self.versions} versions)")


def tally(database: str, source: str, truth: set[tuple[Any, ...]]) -> Tally:
    """Compare the stored posts of ``source`` (full tuples, as tests.test_crawl_task.stored)
    with the ground truth; a duplicate is a second row for one (site, kind, native id)."""
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT uid, thread_native_id, position, author_name, published_at, body_text "
            "FROM posts WHERE source = %s AND deleted_at IS NULL", [source]).fetchall()
        dup = conn.execute(
            "SELECT count(*) - count(DISTINCT (site, kind, native_id)) FROM posts"
            " WHERE source = %s", [source]).fetchone()
        versions = conn.execute(
            "SELECT count(*) FROM post_versions v JOIN posts p USING (uid)"
            " WHERE p.source = %s", [source]).fetchone()
    stored = set(rows)
    assert dup is not None and versions is not None
    return Tally(stored_rows=len(rows), distinct_posts=len(stored), lost=len(truth - stored),
                 unexpected=len(stored - truth),
                 duplicates=int(dup[0]) + len(rows) - len(stored), versions=int(versions[0]))


def log_tail(path: Path, chars: int = 3000) -> str:
    """The end of a worker's log file, for assertion messages."""
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""
