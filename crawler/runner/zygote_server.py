"""The zygote's side of warm spider starts (crawler.runner.zygote): preload, fork, reap.

One request per crawl on the socket: a header (body length, descriptor count) carrying the
descriptors - the spider's stderr, the status pipe, then those named by ``fd_env`` - and a
JSON body ``{"spec", "env", "fd_env"}``. The reply is the spider's pid; its exit code goes
to the status pipe when the zygote reaps it. The zygote stays single-threaded (a fork copies
only the calling thread) and exits when the socket ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
import traceback
from typing import Any

from crawler.runner.zygote import _HEADER, _PID, _read_exactly

MAX_FDS = 16


def serve(sock: socket.socket) -> int:
    """Preload, then fork one spider per request until the task process closes the socket."""
    import crawler.runner.warm  # noqa: F401 - what every spider forked from here has ready

    # Our lifetime follows the socket: a SIGTERM to every process of the worker (systemd's
    # KillMode=control-group) must not end a spider's parent before its task process decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select through wake_w
    children: dict[int, int] = {}  # pid -> write end of its status pipe
    while True:
        ready = select.select([sock.fileno(), wake_r], [], [])[0]
        if wake_r in ready:
            while os.read(wake_r, 4096) if _readable(wake_r) else b"":
                pass
            _reap(children)
        if sock.fileno() not in ready:
            continue
        header, fds, _flags, _addr = socket.recv_fds(sock, _HEADER.size, MAX_FDS)
        if not header:
            return 0  # the task process is gone; spiders see it and end (watch_parent)
        header += _read_exactly(sock, _HEADER.size - len(header))
        length, _count = _HEADER.unpack(header)
        request = json.loads(_read_exactly(sock, length))
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _become_spider(request, fds, [sock.fileno(), wake_r, wake_w, *children.values()])
        children[pid] = fds[1]
        for fd in fds[:1] + fds[2:]:
            os.close(fd)
        sock.sendall(_PID.pack(pid))


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _reap(children: dict[int, int]) -> None:
    """Collect exited spiders and report each exit code on its status pipe."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = children.pop(pid, None)
        if fd is not None:
            with contextlib.suppress(OSError):  # the task process stopped waiting
                os.write(fd, _PID.pack(os.waitstatus_to_exitcode(status)))
            os.close(fd)


def _become_spider(request: dict[str, Any], fds: list[int], unused: list[int]) -> None:
    """In the forked child: what ``python -m crawler.runner.child`` would have been. Exits."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        for fd in unused:
            os.close(fd)
        stderr, status_w, *passed = fds
        os.close(status_w)
        os.setsid()
        os.dup2(stderr, 2)
        os.close(stderr)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update({name: str(fd) for name, fd in zip(request["fd_env"], passed,
                                                              strict=True)})
        from crawler.config.settings import get_settings
        from crawler.runner.child import main

        get_settings.cache_clear()  # read from the environment just set
        code = main(["crawler.runner.child", request["spec"]])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # exiting anyway
                stream.flush()
        os._exit(code)


def main(argv: list[str]) -> int:
    """``python -m crawler.runner.zygote_server FD``: serve the socket ``FD``."""
    return serve(socket.socket(fileno=int(argv[1])))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
