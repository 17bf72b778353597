"""A real `pantau flower` process on a free loopback port, for the Flower tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path

from crawler.runner.process import kill_group

USER, PASSWORD = "pantau-admin", "s3cret-flower-pass"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, credentials: tuple[str, str] | None = None) -> tuple[int, str]:
    """Status and body of a GET (401 and friends included)."""
    request = urllib.request.Request(url)
    if credentials:
        token = b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


@contextlib.contextmanager
def running_flower(env: dict[str, str], log_path: Path,
                   *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`pantau flower --port P ARGS` with ``env``; yields its base URL once it answers."""
    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "flower", "--port", str(port), *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError):
                    if get(f"{base}/healthcheck")[0] == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"flower did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield base, proc
        finally:
            kill_group(proc, grace=10)


def flower_env(base: dict[str, str], **extra: str) -> dict[str, str]:
    """``base`` (a worker's environment) with Flower's password set, FLOWER_* cleared."""
    env = {k: v for k, v in base.items() if not k.startswith("FLOWER_")}
    env.update(PANTAU_FLOWER_BASIC_AUTH=f"{USER}:{PASSWORD}", **extra)
    env.setdefault("PATH", os.environ.get("PATH", "/usr/bin:/bin"))
    env.setdefault("PANTAU_LANG", "en")  # the tests read `pantau flower`'s English line
    return env
