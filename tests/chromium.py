"""Chromium for browser tests: the executable, and the Chromium processes a test started.

A test gives the spiders it starts its own ``TMPDIR``: Playwright puts Chromium's profile
(``--user-data-dir``, on every Chromium process's command line) below it, and Chromium's
crash handlers inherit it in their environment. So a test counts its own browser processes,
whatever other tests on the machine run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from crawler.config.settings import Settings

BROWSER_NAMES = ("chrom", "headless_shell")  # chromium, chrome, chrome_crashpad_handler


def chromium_path() -> Path:
    """PANTAU_CHROMIUM_PATH (default /usr/bin/chromium); skip without it, fail in CI."""
    path = Settings().chromium_path
    if not (path.is_file() and os.access(path, os.X_OK)):
        message = f"no Chromium at {path} (Debian package chromium, or PANTAU_CHROMIUM_PATH)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def chromium_processes(tmpdir: Path) -> list[psutil.Process]:
    """Live Chromium processes started by spiders whose TMPDIR is ``tmpdir``."""
    marker = str(tmpdir)
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "environ", "status"]):
        info = proc.info
        if (not any(n in (info["name"] or "") for n in BROWSER_NAMES)
                or info["status"] == psutil.STATUS_ZOMBIE):
            continue
        if (any(marker in arg for arg in info["cmdline"] or [])
                or (info["environ"] or {}).get("TMPDIR") == marker):
            found.append(proc)
    return found


def wait_for_no_chromium(tmpdir: Path, timeout: float = 10) -> list[psutil.Process]:
    """Wait until no Chromium of ``tmpdir`` is left; what is left after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := chromium_processes(tmpdir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def wait_for_chromium(tmpdir: Path, timeout: float = 60) -> list[psutil.Process]:
    """Wait until a Chromium of ``tmpdir`` runs; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (found := chromium_processes(tmpdir)):
        assert time.monotonic() < deadline, "no Chromium started"
        time.sleep(0.1)
    return found


@contextlib.contextmanager
def short_tmpdir() -> Iterator[Path]:
    """A short TMPDIR for the spiders of one test: Chromium puts a Unix socket below it, and
    socket paths are limited to 107 bytes (pytest's tmp_path is often longer)."""
    path = Path(tempfile.mkdtemp(prefix="pantau-pw-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
