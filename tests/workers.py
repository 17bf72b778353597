"""Real Celery worker processes and a Celery client for integration tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
from celery import Celery
from psycopg.rows import dict_row

from crawler.config.settings import Settings
from crawler.runner.process import kill_group
from crawler.storage.runs import RunStore
from crawler.storage.shards import ShardStore
from tasks.app import celery_config

FAST_ENV = {
    # Politeness override for local test sites only (docs/operations.md, "Tests").
    "PANTAU_DOWNLOAD_DELAY": "0",
    "PANTAU_CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "PANTAU_POLITE_REQUESTS_PER_SECOND": "1000",
    "PANTAU_POLITE_CONCURRENCY": "64",
    "PANTAU_PROGRESS_INTERVAL": "0.2",
    "PANTAU_RETRY_TIMES": "1",
    "PANTAU_DOWNLOAD_TIMEOUT": "10",
    "PANTAU_TASK_SOFT_TIME_LIMIT": "240",
    "PANTAU_TASK_TIME_LIMIT": "300",
    "PANTAU_VISIBILITY_TIMEOUT": "400",
    # The test sites are on 127.0.0.1, which the SSRF guard refuses by default.
    "PANTAU_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
}


def client_for(database_url: str, redis_url: str) -> Celery:
    """A Celery client configured exactly as pantau's own app, for these services."""
    client = Celery("pantau-test")
    client.conf.update(celery_config(Settings(database_url=database_url, redis_url=redis_url)))
    return client


def worker_env(database_url: str, redis_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(FAST_ENV)
    env.update(PANTAU_DATABASE_URL=database_url, PANTAU_REDIS_URL=redis_url,
               PANTAU_STATE_DIR=str(state_dir), **extra)
    return env


@contextlib.contextmanager
def running_worker(env: dict[str, str], log_path: Path, client: Celery,
                   *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """A `pantau worker` process, ready when it answers a ping; stopped (and reaped) after."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "worker", "--region", "62", "--concurrency", "2",
             "--hostname", f"test-{os.getpid()}-{time.monotonic_ns()}@%h", *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not client.control.ping(timeout=0.5):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-3000:]}")
            yield proc
        finally:
            kill_group(proc, grace=30)


def session_processes(sid: int) -> list[psutil.Process]:
    """Live processes of session ``sid`` (a spider's session: its pid)."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
            if os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


class EventLog:
    """Captures task events from the broker in a thread while the test runs."""

    def __init__(self, client: Celery) -> None:
        self.client = client
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.receiver: Any = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> EventLog:
        self.thread.start()
        assert self.ready.wait(10), "event receiver did not start"
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.receiver is not None:
            self.receiver.should_stop = True
        self.thread.join(10)

    def _run(self) -> None:
        with self.client.connection_for_read() as conn:
            self.receiver = self.client.events.Receiver(conn, handlers={"*": self._on_event})
            self.ready.set()
            self.receiver.capture(limit=None, timeout=None, wakeup=True)

    def _on_event(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(event)

    def for_task(self, task_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e.get("uuid") == task_id]

    def wait_for(self, task_id: str, types: tuple[str, ...], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.for_task(task_id):
                if event["type"] in types:
                    return event
            time.sleep(0.1)
        raise AssertionError(f"no {types} event for {task_id} within {timeout}s")


def create_run(database: str, source_name: str, region: str = "62") -> int:
    """A queued crawl run of ``source_name``, as the CLI creates it before sending the task."""
    with psycopg.connect(database) as conn:
        return RunStore(conn).create(source_name, region)


def wait_run(database: str, run_id: int, timeout: float = 240) -> dict[str, Any]:
    """The run's row once it is no longer queued or running (else AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(database) as conn:
            run = RunStore(conn).get(run_id)
        if run and run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not finish within {timeout}s")


def shards_of(database: str, run_id: int) -> list[dict[str, Any]]:
    """The shard rows of a run."""
    with psycopg.connect(database, row_factory=dict_row) as conn:
        return ShardStore(conn).of_run(run_id)
