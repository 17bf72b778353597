"""Shared plumbing of the embedded services: errors, binary choice, ports, pid files, processes."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, cast

import psutil

log = logging.getLogger("crawler.embedded")

LOOPBACK = "127.0.0.1"
BINARIES_ENV = "PANTAU_EMBEDDED_BINARIES"
BinaryChoice = Literal["auto", "system", "bundled"]
_CHOICES = ("auto", "system", "bundled")
# sockaddr_un.sun_path holds 108 bytes including the terminating NUL
MAX_UNIX_SOCKET_PATH = 107


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be prepared, started or stopped; the message says why."""


def binary_choice(explicit: str | None = None) -> BinaryChoice:
    """`explicit`, else $PANTAU_EMBEDDED_BINARIES, else "auto"; validated."""
    value = (explicit or os.environ.get(BINARIES_ENV) or "auto").strip().lower()
    if value not in _CHOICES:
        raise EmbeddedServiceError(f"{BINARIES_ENV}={value!r} is not one of {', '.join(_CHOICES)}")
    return cast(BinaryChoice, value)


# ---- ports ----------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port now (servers set SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (from the ephemeral range, never 5432/6379)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def choose_port(port_file: Path, requested: int | None, service: str) -> int:
    """The port to start on, written to `port_file` so that URLs stay stable across runs.

    An explicit `requested` port must be free. Otherwise the remembered port is reused while it is
    free; when someone else took it meanwhile, a new port is chosen and a warning logged.
    """
    if requested is not None:
        if not port_is_free(requested):
            raise EmbeddedServiceError(
                f"{service}: port {requested} on {LOOPBACK} is already taken by another process"
            )
        port = requested
    else:
        remembered = read_first_int(port_file)
        if remembered is not None and port_is_free(remembered):
            port = remembered
        else:
            port = free_port()
            if remembered is not None:
                log.warning(
                    "%s: remembered port %d is taken by another process; using port %d instead "
                    "(its URL changes)",
                    service,
                    remembered,
                    port,
                )
    port_file.write_text(f"{port}\n")
    return port


# ---- files ----------------------------------------------------------------------------------


def read_first_int(path: Path) -> int | None:
    """The integer on the first line of `path` (pid or port files), or None."""
    try:
        first = path.read_text().split("\n", 1)[0].strip()
        return int(first)
    except (OSError, ValueError):
        return None


def log_tail(path: Path, lines: int = 25) -> str:
    """The last `lines` lines of a log file, or a note that it is missing."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def state_lock(path: Path, timeout: float = 120.0) -> Iterator[None]:
    """An exclusive inter-process lock, so two processes never start or stop one service at once.

    Not re-entrant: code holding it calls the `_unlocked` variants.
    """
    with path.open("a") as handle:
        if not wait_until(lambda: _try_lock(handle.fileno()), timeout, interval=0.1):
            raise EmbeddedServiceError(f"{path} stayed locked by another process for {timeout} s")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


# ---- processes ------------------------------------------------------------------------------


def is_gone(proc: psutil.Process) -> bool:
    """Whether `proc` exited (a zombie waiting for a non-reaping init counts as exited)."""
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def runs_in(proc: psutil.Process, directory: Path) -> bool:
    """Whether `proc` belongs to `directory`: its working directory or command line names it.

    PostgreSQL and Redis both chdir into their data directory, which also identifies the
    server's children and a Redis whose process title hides its arguments.
    """
    target = directory.resolve()
    try:
        if Path(proc.cwd()) == target:
            return True
        return any(str(target) in arg for arg in proc.cmdline())
    except psutil.Error:
        return False


def our_process(pid_file: Path, directory: Path) -> psutil.Process | None:
    """The live process named by `pid_file` if it belongs to `directory`, else None."""
    pid = read_first_int(pid_file)
    if pid is None or pid <= 0:
        return None
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return None
    if is_gone(proc) or not runs_in(proc, directory):
        return None
    return proc


def family(proc: psutil.Process) -> list[psutil.Process]:
    """`proc` and all its descendants (a snapshot)."""
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def stop_process(proc: psutil.Process, sig: int, timeout: float, service: str) -> None:
    """Send `sig`, wait for `proc` and its children to exit, then SIGKILL whatever is left."""
    members = family(proc)
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.send_signal(sig)
    if wait_until(lambda: all(is_gone(p) for p in members), timeout):
        return
    log.warning("%s did not stop within %.0f s; killing it", service, timeout)
    survivors = [p for p in members if not is_gone(p)]
    for member in survivors:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.send_signal(signal.SIGKILL)
    if not wait_until(lambda: all(is_gone(p) for p in survivors), 10.0):
        raise EmbeddedServiceError(f"{service}: processes survived SIGKILL: {survivors}")
