"""The processes a spider started, including those that left its process group.

Killing a spider's process group is not enough for a browser crawl: Playwright starts
Chromium detached (``setsid``), in a session and process group of its own, so that it can
kill the browser's tree itself. When the spider and the Playwright driver are killed first,
Chromium is orphaned (it notices the closed pipe and exits about two seconds later, but
nothing guarantees it). So before a group is killed, its members' descendants are collected
by parentage, which setsid does not change, and killed with it.
"""

from __future__ import annotations

import contextlib
import os

import psutil


def group_tree(pgid: int) -> list[psutil.Process]:
    """Every live member of process group ``pgid`` and all their descendants."""
    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter():
        with contextlib.suppress(ProcessLookupError, PermissionError, psutil.Error):
            if os.getpgid(proc.pid) == pgid:
                found[proc.pid] = proc
                found.update((child.pid, child) for child in proc.children(recursive=True))
    return list(found.values())


def descendants(pid: int) -> list[psutil.Process]:
    """The live descendants of ``pid`` (none if it is gone)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def kill_all(processes: list[psutil.Process]) -> None:
    """SIGKILL each process that is still the one we saw (psutil checks pid reuse)."""
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            proc.kill()
