"""Warm spider starts: spider processes forked from a server that imported everything once.

A spider started with ``python -m crawler.runner.child`` spends 1.5-2 CPU-seconds importing
Scrapy and pantau and loading the enrichment data before its first request - more than the
rest of a small crawl. With ``PANTAU_WARM_SPIDERS=true`` (the default) the process that runs
crawls (a Celery pool process, ``pantau crawl``) starts, at its first crawl, a *zygote*:
``python -m crawler.runner.zygote_server``, which imports :mod:`crawler.runner.warm` and then forks
one child per crawl. The child becomes what the exec start would have been: a new session,
the same environment, its progress pipe, log stream and stderr passed as file descriptors;
Twisted's reactor is installed in the child, never in the zygote.

The zygote is single-threaded and lives as long as the process that started it: it exits at
the end of its socket. A spider whose zygote is gone sees its parent change and kills its
group (:func:`crawler.runner.child.watch_parent`), as with the exec start. The spider is the
zygote's child: :class:`WarmSpider` gives the runner the parts of ``subprocess.Popen`` it
uses, with the exit status the zygote reports on a pipe. Should the zygote fail, crawls
fall back to the exec start (logged). Protocol and lifecycle: tests/test_warm_start.py.
"""

from __future__ import annotations

import json
import logging
import os
import select
import socket
import struct
import subprocess
import sys
import threading
from typing import Protocol

logger = logging.getLogger(__name__)

_HEADER = struct.Struct("!II")  # body length, number of descriptors
_PID = struct.Struct("!i")
_lock = threading.Lock()


class SpiderProcess(Protocol):
    """What the runner needs of a spider process (``subprocess.Popen`` has it)."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class WarmSpider:
    """A spider forked by the zygote, seen through ``subprocess.Popen``'s interface."""

    def __init__(self, pid: int, status_fd: int) -> None:
        self.pid = pid
        self._status = status_fd
        self._code: int | None = None

    @property
    def returncode(self) -> int | None:
        return self._code

    def poll(self) -> int | None:
        return self.wait(0) if self._code is None and self._ready(0) else self._code

    def wait(self, timeout: float | None = None) -> int:
        if self._code is None:
            if not self._ready(timeout):
                raise subprocess.TimeoutExpired("spider", timeout or 0)
            data = os.read(self._status, _PID.size)
            # the zygote wrote the exit code, or died itself (then so did the spider's watch)
            self._code = _PID.unpack(data)[0] if len(data) == _PID.size else 255
            os.close(self._status)
        return self._code

    def _ready(self, timeout: float | None) -> bool:
        return bool(select.select([self._status], [], [], timeout)[0])


class Zygote:
    """The task process's end of one zygote (started lazily, restarted if it died)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.runner.zygote_server", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        theirs.close()
        self.sock = ours

    def fork(self, request: dict[str, object], fds: list[int]) -> int:
        """Send one start request (body and descriptors); the spider's pid."""
        if self.proc is None or self.proc.poll() is not None or self.sock is None:
            self.start()
        assert self.sock is not None
        body = json.dumps(request).encode()
        socket.send_fds(self.sock, [_HEADER.pack(len(body), len(fds))], fds)
        self.sock.sendall(body)
        reply = _read_exactly(self.sock, _PID.size)
        if len(reply) < _PID.size:
            raise ConnectionError("the zygote closed the connection")
        return int(_PID.unpack(reply)[0])


_zygote = Zygote()
_failed: list[str] = []  # why warm starts failed in this process: exec from then on


def start_spider(spec_json: str, env: dict[str, str], fd_env: dict[str, int], stderr: int,
                 *, warm: bool) -> SpiderProcess:
    """Start ``python -m crawler.runner.child spec_json``, or fork its warm equivalent.

    ``env`` is the child's whole environment; ``fd_env`` names environment variables whose
    values are file descriptors the child inherits (progress pipe, log stream); ``stderr``
    receives the child's standard error.
    """
    if warm and not _failed:
        status_r, status_w = os.pipe()
        try:
            with _lock:
                pid = _zygote.fork({"spec": spec_json, "env": env, "fd_env": list(fd_env)},
                                   [stderr, status_w, *fd_env.values()])
            return WarmSpider(pid, status_r)
        except (OSError, ValueError) as err:
            os.close(status_r)
            _failed.append(f"{type(err).__name__}: {err}")
            logger.warning("warm spider start failed (%s); starting spiders with exec",
                           _failed[-1])
        finally:
            os.close(status_w)
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.runner.child", spec_json],
        start_new_session=True,
        pass_fds=tuple(fd_env.values()),
        env={**env, **{name: str(fd) for name, fd in fd_env.items()}},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size and (chunk := sock.recv(size - len(data))):
        data += chunk
    return data
