"""The writer process: a crawl's posts enriched and written beside the spider, on another core.

Parsing keeps a spider's reactor thread busy, and Python threads share one core (the GIL):
enrichment (language detection, gazetteer) and the writer's serialization cost the crawl
almost as much as parsing did (docs/benchmarks.md, "Crawl"). With ``PANTAU_WRITER_PROCESS=true``
(the default) the storage pipeline forks this process when the spider opens, before it
connects to anything, and hands it the write-behind jobs (crawler.writebehind) over a socket:
pickled jobs down, pickled outcomes up, one at a time, in order. The process enriches, writes
and answers; it is the spider's child, in its process group (killed with it), and it exits
when the socket ends.

Should the process die, the job it had is run again in the spider (the writer and the thread
records are idempotent) and so is every later one: nothing is lost, only the parallelism.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import socket
import struct
import sys
import traceback
from collections.abc import Callable
from typing import Any

from crawler.writebehind import Job, Outcome

logger = logging.getLogger(__name__)
_LENGTH = struct.Struct("!Q")

RunnerFactory = Callable[[], Callable[[Job], Outcome]]


class WriterProcess:
    """The spider's end: runs jobs in the forked process, or here once that process failed."""

    def __init__(self, factory: RunnerFactory) -> None:
        self.factory = factory
        self.local: Callable[[Job], Outcome] | None = None
        ours, theirs = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the writer process
            ours.close()
            _serve(theirs, factory)
        theirs.close()
        self.pid = pid
        self.sock: socket.socket | None = ours

    def __call__(self, job: Job) -> Outcome:
        """Run ``job`` (on the spider's writer thread: this only waits, without the GIL)."""
        if self.sock is not None:
            try:
                _send(self.sock, job)
                outcome = _receive(self.sock)
                if isinstance(outcome, Outcome):
                    return outcome
                raise ConnectionError("the writer process closed its socket")
            except (OSError, EOFError, pickle.PickleError) as err:
                logger.warning("writer process %s failed (%s); writing in the spider from now "
                               "on", self.pid, err)
                self.close()
        if self.local is None:
            self.local = self.factory()
        return self.local(job)

    def close(self) -> None:
        """End the process (it exits when its socket ends), collect it, close what we opened."""
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        local, self.local = self.local, None
        if local is not None and hasattr(local, "close"):
            local.close()


def _send(sock: socket.socket, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _receive(sock: socket.socket) -> Any:
    header = _exactly(sock, _LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(header)
    data = _exactly(sock, length)
    if len(data) < length:
        raise EOFError("truncated message")
    return pickle.loads(data)  # noqa: S301 - our own process, over a socketpair


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left and (chunk := sock.recv(min(left, 1 << 20))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(sock: socket.socket, factory: RunnerFactory) -> None:
    """In the forked child: run jobs until the socket ends, then exit (never returns)."""
    code = 0
    try:
        # Nothing of the spider's is used here (its descriptors stay open until this process
        # exits, at the end of the crawl). Its signal handlers would talk to a reactor that
        # does not run here: the runner's stop signal to the spider's group (SIGINT,
        # crawler.runner.process) must end this process at once. SIGTERM is ignored, as by
        # the spider: a process manager signalling every process must not stop it.
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        runner = factory()
        while (job := _receive(sock)) is not None:
            _send(sock, runner(job))
    except BaseException:  # the spider sees the socket end and takes over
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)

