"""What the embedded servers share: a home under the state dir, a lock, start/stop/is_running."""

from __future__ import annotations

import signal
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import psutil

from crawler.embedded._common import binary_choice, state_lock, stop_process


class EmbeddedServer(ABC):
    """A server process of ours under ``state_dir/<subdir>/``, started once, adopted later.

    Subclasses say how to find their process, how to start it, and what their URL is; this
    class serializes start and stop on a lock file in the home directory, so two commands on
    the same state dir never start two servers.
    """

    name: ClassVar[str]
    subdir: ClassVar[str]
    stop_signal: ClassVar[signal.Signals]
    default_timeout: ClassVar[float]

    def __init__(self, state_dir: Path, port: int | None = None, *, binaries: str | None = None,
                 timeout: float | None = None) -> None:
        """``binaries``: "auto", "system" or "bundled" (default $PANTAU_EMBEDDED_BINARIES);
        ``timeout``: seconds to wait for a start or a stop (default per server)."""
        self.home = Path(state_dir).resolve() / self.subdir
        self._port_file = self.home / "port"
        self._requested_port = port
        self._choice = binary_choice(binaries)
        self._timeout = self.default_timeout if timeout is None else timeout

    @property
    @abstractmethod
    def url(self) -> str:
        """The server's URL; raises EmbeddedServiceError if it was never started."""

    @abstractmethod
    def _process(self) -> psutil.Process | None:
        """Our running server process, or None."""

    @abstractmethod
    def _start_server(self) -> None:
        """Start the server (called with the lock held, when none runs)."""

    def _after_start(self) -> None:  # noqa: B027 - an optional hook, empty by default
        """Work to do on a running server before start() returns (with the lock held)."""

    def is_running(self) -> bool:
        """Whether our server runs (started by this or an earlier run on this state dir)."""
        return self._process() is not None

    def start(self) -> str:
        """Start the server, or adopt the one already running here; return its URL."""
        self.home.mkdir(parents=True, exist_ok=True)
        with state_lock(self.home / ".lock"):
            if self._process() is None:
                self._start_server()
            self._after_start()
        return self.url

    def stop(self) -> None:
        """Stop our server if it runs and wait until it is gone. Idempotent."""
        if not self.home.is_dir():
            return
        with state_lock(self.home / ".lock"):
            self._stop_unlocked()

    def _stop_unlocked(self) -> None:
        process = self._process()
        if process is not None:
            stop_process(process, self.stop_signal, self._timeout, self.name)
