"""`pantau demo` on embedded services: twice on one state directory, then Ctrl-C; no orphans."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def demo_env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PANTAU_STATE_DIR"] = str(state)
    env["PANTAU_LANG"] = "en"  # the summary lines asserted are the English ones
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ours(state: Path) -> list[psutil.Process]:
    """Processes started for this state directory: servers, worker, spiders."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            text = " ".join(proc.cmdline()) + " " + proc.cwd()
            if str(state) in text or proc.environ().get("PANTAU_STATE_DIR") == str(state):
                found.append(proc)
    return found


def test_demo_twice_stores_nothing_twice_and_leaves_no_process(tmp_path: Path) -> None:
    state, port = tmp_path / "state", free_port()
    command = [sys.executable, "-m", "crawler", "demo", "--port", str(port)]
    first = subprocess.run(command, env=demo_env(state), capture_output=True, text=True,
                           timeout=600, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "ok: every post of the demo forum is stored, none twice" in first.stdout
    assert "1578 new" in first.stdout
    assert ours(state) == []

    second = subprocess.run(command, env=demo_env(state), capture_output=True, text=True,
                            timeout=600, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    # the second run is incremental: nothing changed, so no topic page is fetched again
    assert "incremental: only what changed" in second.stdout
    assert "0 new, 0 edited, 0 unchanged" in second.stdout
    assert "unchanged since the last crawl" in second.stdout
    assert "1578 (1578 identical to the site's)" in second.stdout
    assert ours(state) == []


def test_demo_interrupted_stops_everything(tmp_path: Path) -> None:
    state = tmp_path / "state"
    log = tmp_path / "demo.out"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "demo", "--port",
                                 str(free_port())], env=demo_env(state), stdout=out,
                                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while "worker pid" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        time.sleep(2)  # the crawl is under way
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) != 0
    deadline = time.monotonic() + 10
    while ours(state) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ours(state) == [], log.read_text()


def test_summary_fails_when_stored_posts_differ_from_the_site(
        fresh_migrated_database: str) -> None:
    from crawler.cli.demo import _summary
    from crawler.config.settings import Settings
    from crawler.demosite import build_forum

    settings = Settings(database_url=fresh_migrated_database, redis_url="redis://127.0.0.1:1/0")
    run = {"id": 1, "status": "succeeded", "pages": 202}
    assert _summary(settings, run, "http://127.0.0.1:8765/", build_forum(62), 1.0) is False
