"""EmbeddedRedis: a private, persistent (AOF) Redis whose data, port and log live in a state dir."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import psutil

from crawler.embedded._binaries import redis_major, redis_server_binary
from crawler.embedded._common import (
    LOOPBACK,
    EmbeddedServiceError,
    choose_port,
    log,
    log_tail,
    our_process,
    read_first_int,
    wait_until,
)
from crawler.embedded._server import EmbeddedServer


def ping(port: int, timeout: float = 0.5) -> bool:
    """Whether a Redis on 127.0.0.1:port answers PING (raw RESP, no client library needed)."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis(EmbeddedServer):
    """A Redis server under `state_dir/redis/`: AOF data, `redis.pid`, `redis.log`, `port`.

    It binds 127.0.0.1 only with protected mode on, daemonizes with a pid file, and keeps an
    append-only file so that a broker's queues survive restarts. `stop()` sends SIGTERM (Redis
    flushes the AOF and exits) and SIGKILLs it after `timeout`. Idempotent; it only ever signals
    the process whose pid file is in this directory and whose working directory is this directory.
    `binaries` is "auto", "system" or "bundled" (default: $PANTAU_EMBEDDED_BINARIES or "auto").
    """

    name = "Redis"
    subdir = "redis"
    stop_signal = signal.SIGTERM  # Redis flushes the append-only file and exits
    default_timeout = 30.0

    @property
    def pid_file(self) -> Path:
        """Written by redis-server itself (--daemonize with --pidfile)."""
        return self.home / "redis.pid"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.home / "redis.log"

    @property
    def url(self) -> str:
        """redis:// URL of database 0 on the port remembered in the state dir."""
        port = read_first_int(self._port_file)
        if port is None:
            raise EmbeddedServiceError(f"Redis in {self.home} was never started")
        return f"redis://{LOOPBACK}:{port}/0"

    def _process(self) -> psutil.Process | None:
        return our_process(self.pid_file, self.home)

    def _start_server(self) -> None:
        binary = redis_server_binary(self._choice)
        self._check_data_format(binary)
        if self.pid_file.exists():
            log.info("removing stale %s (pid %s)", self.pid_file, read_first_int(self.pid_file))
            self.pid_file.unlink()
        port = choose_port(self._port_file, self._requested_port, "Redis")
        self._launch(binary, port)
        if not wait_until(lambda: self._process() is not None and ping(port), self._timeout):
            self._stop_unlocked()
            raise EmbeddedServiceError(
                f"Redis ({binary}) did not answer PING on port {port} within "
                f"{self._timeout:.0f} s. Last lines of {self.log_file}:\n{log_tail(self.log_file)}"
            )
        log.info("Redis from %s runs on port %d", binary, port)

    def _check_data_format(self, binary: Path) -> None:
        """Redis 7 keeps its AOF in appendonlydir/, which Redis 6 would silently ignore."""
        major = redis_major(binary)
        if (self.home / "appendonlydir").is_dir() and major is not None and major < 7:
            raise EmbeddedServiceError(
                f"{self.home} holds Redis 7 append-only data but {binary} is Redis {major}, "
                "which would start empty; use a redis-server 7 or newer (PANTAU_EMBEDDED_BINARIES"
                "=system) or move the directory away"
            )

    def _launch(self, binary: Path, port: int) -> None:
        command = [
            str(binary),
            "--port",
            str(port),
            "--bind",
            LOOPBACK,
            "--protected-mode",
            "yes",
            "--daemonize",
            "yes",
            "--pidfile",
            str(self.pid_file),
            "--logfile",
            str(self.log_file),
            "--dir",
            str(self.home),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
        ]
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                cwd=self.home,
                start_new_session=True,
                timeout=self._timeout,
            )
        except (OSError, subprocess.SubprocessError) as err:
            output = (getattr(err, "stdout", "") or "") + (getattr(err, "stderr", "") or "")
            raise EmbeddedServiceError(
                f"redis-server ({binary}) failed to start: {err}\n{output.strip()}\n"
                f"Last lines of {self.log_file}:\n{log_tail(self.log_file)}"
            ) from err
