"""CPU and memory meters for the crawl benchmarks: process trees measured with psutil."""

from __future__ import annotations

import contextlib
import resource
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psutil


def _own_and_reaped(proc: psutil.Process) -> float:
    """CPU seconds of ``proc`` plus its exited (reaped) children."""
    times = proc.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def tree_cpu(roots: Iterable[int]) -> float:
    """CPU seconds used so far by the process trees under ``roots`` (live and reaped members).

    A live process's ``children_*`` times count only its children that exited and were
    waited for, so adding every live member's own+reaped times counts each second once.
    """
    total = 0.0
    for pid in roots:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += _own_and_reaped(proc)
    return total


def postmaster_of(database_url: str) -> int:
    """The pid of the PostgreSQL server behind ``database_url`` (parent of every backend)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        parent = psutil.Process(row[0]).parent()  # while the backend still exists
    assert parent is not None
    return parent.pid


def reaped_children_cpu() -> float:
    """CPU seconds of this process's exited, waited-for children (e.g. a finished subprocess)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuMeter:
    """CPU seconds per named group over a block: ``with meter: ...`` then ``meter.used``."""

    groups: dict[str, Callable[[], float]]
    used: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0
    _start: dict[str, float] = field(default_factory=dict)
    _t0: float = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = {name: read() for name, read in self.groups.items()}
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.used = {name: read() - self._start[name] for name, read in self.groups.items()}


@dataclass
class RssSample:
    """One sample of a worker's memory (bytes) and of the crawl's progress."""

    t: float
    pages: int
    main: int
    pool: int
    spider: int

    @property
    def total(self) -> int:
        """RSS of the whole worker tree."""
        return self.main + self.pool + self.spider


class RssSampler:
    """Samples the RSS of a worker tree every ``interval`` seconds in a background thread.

    ``main`` is the worker process, ``pool`` its direct children (prefork pool processes),
    ``spider`` everything below them (spider processes and anything they start).
    ``pages`` is called on every sample to read the crawl's progress.
    """

    def __init__(self, worker_pid: int, pages: Callable[[], int], interval: float = 1.0) -> None:
        self.worker = psutil.Process(worker_pid)
        self.pages = pages
        self.interval = interval
        self.samples: list[RssSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def __enter__(self) -> RssSampler:
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def sample(self) -> RssSample:
        """One reading now."""
        pool = spider = 0
        for child in self.worker.children():
            with contextlib.suppress(psutil.Error):
                pool += child.memory_info().rss
                for below in child.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        spider += below.memory_info().rss
        return RssSample(round(time.monotonic() - self._t0, 1), self.pages(),
                         self.worker.memory_info().rss, pool, spider)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.samples.append(self.sample())
            self._stop.wait(self.interval)
