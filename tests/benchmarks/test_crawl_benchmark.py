"""Crawl throughput and worker memory: pantau through Celery against bare Scrapy, on static pages.

Run all:  .venv/bin/pytest -m benchmark tests/benchmarks/test_crawl_benchmark.py -s
One:      ... -k one_worker | -k two_workers | -k rss
Sizes:    PANTAU_BENCH_CRAWL_SCALE (forum scale of the speed runs, default 2: 386 pages),
          PANTAU_BENCH_CRAWL_ROUNDS (default 3), PANTAU_BENCH_TWO_ROUNDS (default 1),
          PANTAU_BENCH_SHARD_THREADS (threads per shard of the sharded runs, default 22),
          PANTAU_BENCH_CONCURRENCY (requests in flight per crawl, default 8),
          PANTAU_BENCH_RSS_SCALE (default 30: ~5,300 pages; 115: ~20,300 pages),
          PANTAU_BENCH_RSS_WARMUP (pages crawled before the RSS baseline, default 2000).
The demo forum is pre-rendered to static files and served by nginx (aiohttp where nginx is
absent), so the site is not what is measured. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery

from crawler.config.settings import Settings
from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.runner.spec import CrawlSpec
from tests.benchmarks.bare_scrapy import bare_settings
from tests.benchmarks.meters import (
    CpuMeter,
    RssSample,
    RssSampler,
    postmaster_of,
    reaped_children_cpu,
    tree_cpu,
)
from tests.benchmarks.static_site import free_port, render_site, serve_static, server_kind
from tests.workers import FAST_ENV, client_for, running_worker, worker_env

SCALE = int(os.environ.get("PANTAU_BENCH_CRAWL_SCALE", "2"))
ROUNDS = int(os.environ.get("PANTAU_BENCH_CRAWL_ROUNDS", "3"))
TWO_ROUNDS = int(os.environ.get("PANTAU_BENCH_TWO_ROUNDS", "1"))
SHARD_THREADS = int(os.environ.get("PANTAU_BENCH_SHARD_THREADS", "22"))
CONCURRENCY = int(os.environ.get("PANTAU_BENCH_CONCURRENCY", "8"))
RSS_SCALE = int(os.environ.get("PANTAU_BENCH_RSS_SCALE", "30"))
RSS_WARMUP = int(os.environ.get("PANTAU_BENCH_RSS_WARMUP", "2000"))
REPO = Path(__file__).resolve().parents[2]
CRAWL_TIMEOUT = 3400
# Crawls here may outlast the test override's 240 s soft time limit.
LONG_LIMITS = {"PANTAU_TASK_SOFT_TIME_LIMIT": "3300", "PANTAU_TASK_TIME_LIMIT": "3400",
               "PANTAU_VISIBILITY_TIMEOUT": "3500"}
HAS_SCRAPY_REDIS = importlib.util.find_spec("scrapy_redis") is not None
# pantau with its opt-in speed-ups: enrich and write in a process beside the spider, spiders
# forked from a warm server (docs/operations.md, PANTAU_WRITER_PROCESS, PANTAU_WARM_SPIDERS)
# pantau-exec: the writer in a thread of the spider, a new interpreter for every spider
EXEC = {"PANTAU_WRITER_PROCESS": "false", "PANTAU_WARM_SPIDERS": "false"}
PANTAU_KINDS = {"pantau": {}, "pantau-exec": EXEC}

# slow and integration too: a run selected with `-m "not slow"` replaces the default
# `-m "not benchmark"` and would otherwise pick these up.
pytestmark = [pytest.mark.benchmark, pytest.mark.slow, pytest.mark.integration,
              pytest.mark.timeout(5400)]


@dataclass
class Site:
    """A pre-rendered forum served on one or more local ports (one site per port)."""

    urls: list[str]
    pages: int
    posts: int
    threads: int
    server_pid: int


@dataclass
class Run:
    """One measured crawl (or set of concurrent crawls)."""

    kind: str
    pages: int
    wall: float
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Pages per second of wall-clock time."""
        return self.pages / self.wall


@contextlib.contextmanager
def static_forum(scale: int, work: Path, sites: int) -> Iterator[Site]:
    """The demo forum at ``scale``, rendered once and served on ``sites`` ports."""
    started = time.perf_counter()
    forum = build_forum(seed=62, scale=scale)
    ports = [free_port() for _ in range(sites)]
    pages = render_site(forum, work / "www", f"http://127.0.0.1:{ports[0]}/")
    posts = sum(len(t.posts) for t in forum.threads.values())
    print(f"\nforum scale {scale}: {len(forum.threads)} threads, {posts} posts, {pages} pages, "
          f"built and rendered in {time.perf_counter() - started:.0f}s; served by {server_kind()}")
    with serve_static(work / "www", ports, work / "server") as server:
        yield Site([f"http://127.0.0.1:{p}/" for p in ports], pages, posts, len(forum.threads),
                   server.pid)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with static_forum(SCALE, tmp_path_factory.mktemp("site"), sites=2) as served:
        yield served


def source(name: str, url: str, threads_per_shard: int | None = None) -> dict[str, Any]:
    return {"name": name, "kind": "forum", "engine": "phpbb", "url": url, "region": "62",
            "timezone": "Asia/Jakarta", "authors": "keep",
            "politeness": {"download_delay": 0, "concurrent_requests": CONCURRENCY},
            **({"threads_per_shard": threads_per_shard} if threads_per_shard else {})}


def truncate(database: str) -> None:
    """Every crawl then inserts (the writer's re-write path is slower; see Writer)."""
    with psycopg.connect(database) as conn:
        conn.execute("TRUNCATE posts, post_versions, threads CASCADE")  # and what refers to them


def stored_posts(database: str) -> int:
    with psycopg.connect(database) as conn:
        row = conn.execute("SELECT count(*) FROM posts").fetchone()
    assert row is not None
    return int(row[0])


@functools.cache
def _postmaster(database: str) -> int:
    return postmaster_of(database)


def cpu_groups(site: Site, database: str, crawler: Callable[[], float]) -> dict[str, Callable[
        [], float]]:
    postmaster = _postmaster(database)
    return {"crawler": crawler, "postgres": lambda: tree_cpu([postmaster]),
            "site": lambda: tree_cpu([site.server_pid])}


@contextlib.contextmanager
def workers(n: int, concurrency: int, database: str, redis_url: str, client: Celery,
            work: Path, extra_env: dict[str, str] | None = None,
            queue: str | None = None) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``n`` real ``pantau worker`` processes (test politeness override), all answering pings.

    ``extra_env`` adds settings; ``queue`` is a queue only these workers serve.
    """
    with contextlib.ExitStack() as stack:
        procs = []
        for i in range(n):
            state = work / f"worker{i}"
            state.mkdir(parents=True, exist_ok=True)
            env = worker_env(database, redis_url, state, **LONG_LIMITS, **(extra_env or {}))
            procs.append(stack.enter_context(running_worker(
                env, state / "worker.log", client, "--concurrency", str(concurrency),
                *(["--queue", queue] if queue else []))))
        deadline = time.monotonic() + 60
        while len(client.control.ping(timeout=1) or []) < len(procs):
            assert time.monotonic() < deadline, "not every worker answers"
        yield procs


def crawl_through_celery(client: Celery, sources: list[dict[str, Any]],
                         queue: str = "crawl.62") -> list[dict[str, Any]]:
    """Send one crawl task per source at once; wait for all; their summaries."""
    results = [client.send_task("pantau.crawl_source", args=[s], queue=queue)
               for s in sources]
    return [r.get(timeout=CRAWL_TIMEOUT) for r in results]


def finished_run(database: str, run_id: int) -> dict[str, Any]:
    """The crawl_runs row of ``run_id`` once it is finished (a sharded run ends with its
    last shard, after crawl_source has returned)."""
    deadline = time.monotonic() + CRAWL_TIMEOUT
    with psycopg.connect(database, autocommit=True) as conn:  # one connection: polling is cheap
        while time.monotonic() < deadline:
            row = conn.execute("SELECT status, pages, posts_new, shards FROM crawl_runs"
                               " WHERE id = %s", [run_id]).fetchone()
            if row is not None and row[0] not in ("queued", "running"):
                return dict(zip(("status", "pages", "posts_new", "shards"), row, strict=True))
            time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish")


def bare_crawl(url: str, name: str, redis_url: str | None = None) -> dict[str, Any]:
    """One bare Scrapy process (tests/benchmarks/bare_scrapy.py) on ``url``; its stats."""
    overrides = {k.removeprefix("PANTAU_").lower(): v for k, v in FAST_ENV.items()}
    spec = CrawlSpec.for_source(Source.model_validate(source(name, url)), None)
    settings = bare_settings(spec, redis_url)
    settings["LOG_LEVEL"] = Settings(**overrides).log_level
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bare_scrapy", json.dumps(settings), url],
        cwd=REPO, capture_output=True, timeout=CRAWL_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return dict(json.loads(done.stdout.decode().strip().splitlines()[-1]))


def cpu_text(run: Run) -> str:
    return ", ".join(f"{k} {v:.1f}s" for k, v in run.cpu.items())


# -- 1. one worker against bare Scrapy ---------------------------------------------------------


def test_one_worker_vs_bare_scrapy(site: Site, database: str, redis_url: str, client: Celery,
                                   tmp_path: Path) -> None:
    url = site.urls[0]
    kinds = [*PANTAU_KINDS, "bare", *(["scrapy-redis"] if HAS_SCRAPY_REDIS else [])]
    runs: dict[str, list[Run]] = {k: [] for k in kinds}
    crawled: set[int] = set()
    with contextlib.ExitStack() as stack:
        # one worker per pantau kind, each with a queue of its own
        pantau = {kind: stack.enter_context(workers(
            1, 1, database, redis_url, client, tmp_path / kind, extra_env=env,
            queue=f"bench.{kind}"))[0] for kind, env in PANTAU_KINDS.items()}
        for round_no in range(ROUNDS):
            for kind in kinds[round_no % len(kinds):] + kinds[:round_no % len(kinds)]:
                if kind in pantau:
                    truncate(database)
                    worker = pantau[kind]
                    groups = cpu_groups(site, database,
                                        lambda worker=worker: tree_cpu([worker.pid]))
                    with CpuMeter(groups) as meter:
                        (summary,) = crawl_through_celery(
                            client, [source(f"b{round_no}-{kind}", url)], f"bench.{kind}")
                    assert summary["status"] == "succeeded", summary
                    assert summary["posts_new"] == site.posts == stored_posts(database)
                    pages = summary["pages"]
                else:
                    groups = cpu_groups(site, database, reaped_children_cpu)
                    redis = redis_url if kind == "scrapy-redis" else None
                    with CpuMeter(groups) as meter:
                        stats = bare_crawl(url, f"b{round_no}", redis)
                    assert stats["items"] == site.posts + site.threads, stats
                    pages = stats["pages"]
                # Every kind fetches the same pages (the rendered set has a few more: the
                # category and index.php links the spider does not follow).
                crawled.add(pages)
                assert len(crawled) == 1, crawled
                run = Run(kind, pages, meter.wall, meter.used)
                runs[kind].append(run)
                print(f"round {round_no + 1} {kind:<12} {run.pages} pages in {run.wall:6.2f}s "
                      f"= {run.rate:6.1f} pages/s; CPU {cpu_text(run)}")
    rate = {k: statistics.median(r.rate for r in v) for k, v in runs.items()}
    (pages,) = crawled
    print(f"\nmedian of {ROUNDS} rounds, {pages} pages, concurrency {CONCURRENCY}:")
    for kind in kinds:
        cpu = {g: statistics.median(r.cpu[g] for r in runs[kind]) for g in runs[kind][0].cpu}
        per_page = 1000 * cpu["crawler"] / pages
        ratio = rate[kind] / rate["bare"]
        print(f"  {kind:<12} {rate[kind]:7.1f} pages/s  ratio to bare {ratio:.2f}"
              f"  crawler CPU {per_page:.2f} ms/page, postgres CPU {cpu['postgres']:.1f}s, "
              f"site CPU {cpu['site']:.1f}s")  # fmt: skip
    print("  (pantau-exec: " + ", ".join(f"{k}={v}" for k, v in EXEC.items()) + "; pantau's first "
          "crawl also starts the warm server)")
    if not HAS_SCRAPY_REDIS:
        print("  scrapy-redis is not installed: no scrapy-redis run")


# -- 2. two workers against one ------------------------------------------------------------------


# PANTAU_BENCH_EXEC=1: the workers of the two-worker runs use pantau-exec's settings
TWO_ENV = EXEC if os.environ.get("PANTAU_BENCH_EXEC", "0") == "1" else {}
TWO_CONFIGS = (
    # (label, workers, concurrency per worker, sources)
    ("1 worker x1, 2 sources", 1, 1, 2),
    ("2 workers x1, 2 sources", 2, 1, 2),
    ("1 worker x2, 2 sources", 1, 2, 2),
    ("2 workers x1, 1 source", 2, 1, 1),
)


def test_two_workers_vs_one(site: Site, database: str, redis_url: str, client: Celery,
                            tmp_path: Path) -> None:
    results: dict[str, list[Run]] = {label: [] for label, *_ in TWO_CONFIGS}
    for round_no in range(TWO_ROUNDS):
        for label, n, concurrency, n_sources in TWO_CONFIGS:
            truncate(database)
            srcs = [source(f"two{round_no}-{i}", site.urls[i]) for i in range(n_sources)]
            with workers(n, concurrency, database, redis_url, client,
                         tmp_path / f"{round_no}-{n}-{concurrency}-{n_sources}",
                         extra_env=TWO_ENV) as procs:
                pids = [p.pid for p in procs]
                groups = cpu_groups(site, database, lambda pids=pids: tree_cpu(pids))
                with CpuMeter(groups) as meter:
                    summaries = crawl_through_celery(client, srcs)
            assert all(s["status"] == "succeeded" for s in summaries), summaries
            assert stored_posts(database) == site.posts * n_sources
            pages = sum(s["pages"] for s in summaries)
            run = Run(label, pages, meter.wall, meter.used)
            results[label].append(run)
            print(f"round {round_no + 1} {label:<24} {pages} pages in {run.wall:6.2f}s = "
                  f"{run.rate:6.1f} pages/s; CPU {cpu_text(run)}")
    base = statistics.median(r.rate for r in results[TWO_CONFIGS[0][0]])
    print(f"\nmedian of {TWO_ROUNDS} round(s):")
    for label, runs in results.items():
        rate = statistics.median(r.rate for r in runs)
        print(f"  {label:<24} {rate:7.1f} pages/s  speed-up vs 1 worker x1: {rate / base:.2f}")


SHARD_CONFIGS = (
    # (label, workers, concurrency per worker, threads per shard or None)
    ("1 worker, unsharded", 1, 1, None),
    ("1 worker, sharded", 1, 1, SHARD_THREADS),
    ("2 workers, sharded", 2, 1, SHARD_THREADS),
)


def test_two_workers_share_one_sharded_source(site: Site, database: str, redis_url: str,
                                              client: Celery, tmp_path: Path) -> None:
    """One big source: its threads listed once, then crawled in shards by whichever worker
    is free. Timed from sending the crawl until its run is finished (the last shard)."""
    results: dict[str, list[Run]] = {label: [] for label, *_ in SHARD_CONFIGS}
    for round_no in range(TWO_ROUNDS):
        for label, n, concurrency, per_shard in SHARD_CONFIGS:
            truncate(database)
            src = source(f"shard{round_no}-{n}-{per_shard or 0}", site.urls[0], per_shard)
            with workers(n, concurrency, database, redis_url, client,
                         tmp_path / f"s{round_no}-{n}-{per_shard}", extra_env=TWO_ENV) as procs:
                pids = [p.pid for p in procs]
                groups = cpu_groups(site, database, lambda pids=pids: tree_cpu(pids))
                with CpuMeter(groups) as meter:
                    (summary,) = crawl_through_celery(client, [src])
                    run = finished_run(database, summary["run_id"])
            assert run["status"] == "succeeded", (summary, run)
            assert stored_posts(database) == site.posts
            # a sharded run's row counts its shards' pages; the listing is the summary's
            pages = run["pages"] + (summary["pages"] if per_shard else 0)
            result = Run(label, pages, meter.wall, meter.used)
            results[label].append(result)
            print(f"round {round_no + 1} {label:<20} {pages} pages, {run['shards']} shards, "
                  f"in {result.wall:6.2f}s = {result.rate:6.1f} pages/s; CPU "
                  f"{cpu_text(result)}")
    base = statistics.median(r.wall for r in results[SHARD_CONFIGS[0][0]])
    print(f"\nmedian of {TWO_ROUNDS} round(s), {SHARD_THREADS} threads per shard, worker env "
          f"{TWO_ENV or 'defaults'}:")
    for label, runs in results.items():
        wall = statistics.median(r.wall for r in runs)
        print(f"  {label:<20} {wall:6.2f}s  speed-up vs 1 worker unsharded: {base / wall:.2f}")


# -- 3. worker RSS over a long crawl --------------------------------------------------------------


def summarize_rss(samples: list[RssSample], warmup: int) -> dict[str, dict[str, float]]:
    """Start (first sample after ``warmup`` pages), max and end, per role and in total, in MB."""
    crawling = [s for s in samples if s.spider > 0]
    after = [s for s in crawling if s.pages >= warmup]
    assert after, "no samples after warm-up: lower PANTAU_BENCH_RSS_WARMUP"
    out: dict[str, dict[str, float]] = {}
    for role in ("main", "pool", "spider", "total"):
        values = [getattr(s, role) / 2**20 for s in after]
        start, top, end = values[0], max(values), values[-1]
        out[role] = {"start": start, "max": top, "end": end,
                     "growth_end": end / start - 1, "growth_max": top / start - 1}
    return out


def test_worker_rss_over_long_crawl(fresh_migrated_database: str, redis_url: str,
                                    tmp_path: Path) -> None:
    database = fresh_migrated_database
    client = client_for(database, redis_url)
    with static_forum(RSS_SCALE, tmp_path / "site", sites=1) as served, \
            psycopg.connect(database, autocommit=True) as progress, \
            workers(1, 2, database, redis_url, client, tmp_path) as (worker,):

        def pages() -> int:
            row = progress.execute("SELECT coalesce(sum(pages), 0) FROM crawl_runs").fetchone()
            return int(row[0]) if row else 0

        with RssSampler(worker.pid, pages) as sampler:
            time.sleep(3)  # idle worker before the crawl
            started = time.perf_counter()
            (summary,) = crawl_through_celery(client, [source("rss", served.urls[0])])
            wall = time.perf_counter() - started
            time.sleep(3)
    assert summary["status"] == "succeeded", summary
    assert summary["posts_new"] == served.posts == stored_posts(database)
    samples = sampler.samples
    print(f"{summary['pages']} pages in {wall:.0f}s ({summary['pages'] / wall:.0f} pages/s), "
          f"{len(samples)} samples; idle worker before: {samples[0].total / 2**20:.0f} MB, "
          f"after: {samples[-1].total / 2**20:.0f} MB")
    crawling = [s for s in samples if s.spider > 0]
    step = max(1, len(crawling) // 12)
    print(f"{'t':>6}{'pages':>8}{'main':>8}{'pool':>8}{'spider':>8}{'total':>8}  (MB)")
    for s in [*crawling[::step], crawling[-1]]:
        print(f"{s.t:>6.0f}{s.pages:>8}{s.main / 2**20:>8.0f}{s.pool / 2**20:>8.0f}"
              f"{s.spider / 2**20:>8.0f}{s.total / 2**20:>8.0f}")
    print(f"\nafter {RSS_WARMUP} pages of warm-up (MB):")
    for role, v in summarize_rss(samples, RSS_WARMUP).items():
        print(f"  {role:<7} start {v['start']:6.1f}  max {v['max']:6.1f}  end {v['end']:6.1f}  "
              f"growth end {v['growth_end']:+.1%}  max {v['growth_max']:+.1%}")
