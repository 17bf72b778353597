"""``pantau demo``: the whole path on one machine, with nothing to configure.

Embedded PostgreSQL and Redis (unless the environment names servers), the local phpBB demo
forum, a real Celery worker process, one crawl enqueued through Celery with a progress bar,
and a summary that compares what was stored with what the forum holds. Every process it
started is stopped at the end, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawler.cli.services import connect_services
from crawler.config.settings import Settings
from crawler.demosite.model import POSTS_PER_PAGE, TOPICS_PER_PAGE, Forum
from crawler.i18n import say
from crawler.runner.process import kill_group

console = Console(highlight=False)
DEMO_SOURCE = "demo-forum"
DEMO_REGION = "62"
WORKER_START_TIMEOUT = 60.0
# Politeness override for the local demo site only: it is ours, on 127.0.0.1.
DEMO_POLITENESS = {"download_delay": 0, "concurrent_requests": 8,
                   "requests_per_second": 50, "cluster_concurrency": 8}


def demo(
    port: Annotated[int, typer.Option(help="Port of the demo forum on 127.0.0.1.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the generated forum.")] = 62,
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds.")] = 600,
) -> None:
    """Crawl a local demo forum through Celery into PostgreSQL and compare with its truth."""
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_interruptible())
        settings = stack.enter_context(_services())
        from crawler.storage.migrate import upgrade

        assert settings.database_url is not None
        upgrade(settings.database_url)
        from crawler.demosite import DemoForumServer, build_forum

        forum = build_forum(seed, now=_forum_time(settings.state_dir))
        server = stack.enter_context(_serve_forum(DemoForumServer, forum, port))
        console.print(say("demo_forum", url=server.url, posts=len(server.forum.truth())))
        stack.enter_context(_worker(settings))
        run = _crawl(settings, server.url, server.forum, timeout)
        same = _summary(settings, run, server.url, server.forum, time.monotonic() - started)
    if _interrupted.is_set():
        raise KeyboardInterrupt
    if not same:
        raise typer.Exit(1)


def _forum_time(state_dir: Path) -> datetime:
    """When the demo forum was first generated (kept in the state directory).

    The forum places a few posts "today" relative to its generation time; generating it
    again from the same moment keeps every post's time, as a real forum's would, so a
    second demo run finds nothing changed.
    """
    path = state_dir / "demo" / "forum-time"
    try:
        return datetime.fromisoformat(path.read_text("utf-8").strip())
    except (OSError, ValueError):
        now = datetime.now(ZoneInfo("Asia/Jakarta")).replace(second=0, microsecond=0)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(now.isoformat(), "utf-8")
        return now


_interrupted = threading.Event()


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM unwind the demo, so every started process is stopped.

    The flag is kept as well: a library that swallows KeyboardInterrupt in a retry loop
    cannot make the demo carry on; its own loops check the flag.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        _interrupted.set()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _check_interrupted() -> None:
    if _interrupted.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def _services() -> Iterator[Settings]:
    """Settings with database and Redis URLs; embedded servers started here are stopped after."""
    settings, started = connect_services()
    try:
        yield settings
    finally:
        for service in reversed(started):
            service.stop()


@contextlib.contextmanager
def _serve_forum(server_cls: Any, forum: Forum, port: int) -> Iterator[Any]:
    try:
        server = server_cls(forum, host="127.0.0.1", port=port)
    except OSError as err:
        from crawler.cli.errors import UserError

        raise UserError(say("demo_port", port=port, reason=err.strerror),
                        say("demo_port_hint")) from err
    with server:
        yield server


def _worker_env() -> dict[str, str]:
    """This environment, with loopback allowed: the demo forum is on 127.0.0.1, which the
    SSRF guard refuses by default (docs/operations.md, "The SSRF guard")."""
    from crawler.ssrf.policy import with_loopback

    env = dict(os.environ)
    env["PANTAU_ALLOWED_NETWORKS"] = with_loopback(env.get("PANTAU_ALLOWED_NETWORKS", ""))
    return env


@contextlib.contextmanager
def _worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """A real `pantau worker` process in its own session, stopped with its whole group after."""
    from tasks.app import app

    log_dir = settings.state_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "demo-worker.log"
    hostname = f"demo-{os.getpid()}@%h"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "worker", "--region", DEMO_REGION,
             "--concurrency", "1", "--hostname", hostname, "--loglevel", "info"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=_worker_env(),
        )
    try:
        with console.status(say("demo_starting_worker")):
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            while not app.control.ping(timeout=0.5):
                _check_interrupted()
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start; see {log_path}")
        console.print(say("demo_worker", pid=proc.pid, log=log_path))
        yield proc
    finally:
        kill_group(proc, grace=20)  # warm shutdown first: the worker acks or hands back


def expected_pages(forum: Forum) -> int:
    """Pages a full crawl fetches: robots.txt, the index, topic lists and topic pages."""
    lists = sum(-(-len(forum.topics(b.forum_id)) // TOPICS_PER_PAGE) for b in forum.boards)
    topics = sum(-(-len(t.posts) // POSTS_PER_PAGE) for t in forum.threads.values())
    return 2 + lists + topics


def _crawl(settings: Settings, url: str, forum: Forum, timeout: float) -> dict[str, Any]:
    """Enqueue the crawl through Celery and follow it with a progress bar; return its run."""
    from celery.result import AsyncResult

    from crawler.config.sources import Source
    from crawler.storage.db import connect
    from crawler.storage.runs import RunStore
    from tasks.app import crawl_queue
    from tasks.crawl import crawl_source

    source = Source.model_validate({
        "name": DEMO_SOURCE, "kind": "forum", "engine": "phpbb", "url": url,
        "region": DEMO_REGION, "timezone": "Asia/Jakarta", "authors": "keep",
        "politeness": DEMO_POLITENESS,
    })
    assert settings.database_url is not None
    with connect(settings.database_url) as conn:
        store = RunStore(conn)
        run_id = store.create(source.name, source.region)
        result: AsyncResult = crawl_source.apply_async(
            args=[source.model_dump(mode="json"), run_id], queue=crawl_queue(source.region))
        columns = (TextColumn(f"[bold]{say('crawling')}[/]"), BarColumn(), MofNCompleteColumn(),
                   TextColumn(say("demo_progress", items="{task.fields[items]}",
                                  errors="{task.fields[errors]}")),
                   TimeElapsedColumn())
        deadline = time.monotonic() + timeout
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task(say("crawling"), total=expected_pages(forum), items=0, errors=0)
            while not result.ready():
                _check_interrupted()
                if time.monotonic() > deadline:
                    result.revoke(terminate=True)
                    raise RuntimeError(f"the demo crawl did not finish within {timeout:.0f} s")
                info = result.info if result.state == "PROGRESS" else None
                if isinstance(info, dict):
                    progress.update(bar, completed=info.get("pages", 0),
                                    items=info.get("items", 0), errors=info.get("errors", 0))
                time.sleep(0.2)
            run = store.get(run_id) or {}
            progress.update(bar, completed=run.get("pages") or 0, items=run.get("items") or 0,
                            errors=run.get("errors") or 0)
        result.forget()
    return run


def _stored_matches_truth(conn: Any, url: str, forum: Forum) -> tuple[int, int]:
    """Posts stored for the demo source, and how many of them equal the forum's truth."""
    from crawler.extract.urls import site_key
    from crawler.items import normalize_text, post_uid

    site = site_key(url)
    truth = {
        (post_uid("phpbb", site, "post", p.native_id), p.thread_native_id, p.position,
         p.author_name, p.published_at, normalize_text(p.body_text))
        for p in forum.truth()
    }
    rows = conn.execute(
        "SELECT uid, thread_native_id, position, author_name, published_at, body_text "
        "FROM posts WHERE source = %s AND site = %s AND deleted_at IS NULL",
        [DEMO_SOURCE, site]).fetchall()
    return len(rows), len(truth & set(rows))


def _summary(settings: Settings, run: dict[str, Any], url: str, forum: Forum,
             elapsed: float) -> bool:
    """Print the summary; True when the stored posts are exactly the forum's posts."""
    from crawler.storage.db import connect, redact_url

    assert settings.database_url is not None
    with connect(settings.database_url) as conn:
        stored, matching = _stored_matches_truth(conn, url, forum)
    on_site = len(forum.truth())
    same = run.get("status") == "succeeded" and stored == on_site == matching
    stats = run.get("stats") or {}
    crawl_seconds = float(stats.get("elapsed") or 0) or elapsed
    table = Table(show_header=False, title=say("demo_title"), title_justify="left")
    kind = say("demo_deep") if run.get("deep") else say("demo_incremental")
    table.add_row(say("demo_run"), say("demo_run_value", run=run.get("id"),
                                       status=run.get("status"), kind=kind))
    table.add_row(say("demo_pages"), str(run.get("pages") or 0))
    table.add_row(say("demo_on_site"), str(on_site))
    table.add_row(say("demo_stored"), say("demo_stored_value", stored=stored, matching=matching))
    table.add_row(say("demo_this_run"), say(
        "demo_this_run_value", new=run.get("posts_new") or 0,
        edited=run.get("posts_edited") or 0, unchanged=run.get("posts_unchanged") or 0))
    if stats.get("threads_unchanged"):
        table.add_row(say("demo_threads_skipped"),
                      say("demo_threads_skipped_value", count=stats["threads_unchanged"]))
    table.add_row(say("demo_elapsed"), say("demo_elapsed_value", total=elapsed,
                                           crawl=crawl_seconds))
    table.add_row(say("demo_rate"), f"{(run.get('pages') or 0) / max(crawl_seconds, 1e-6):.1f}")
    console.print(table)
    if same:
        console.print(say("demo_ok"))
    else:
        console.print(say("demo_mismatch", reason=run.get("reason") or say("demo_differ")))
    prefix = f"PANTAU_STATE_DIR={settings.state_dir} " if "PANTAU_STATE_DIR" in os.environ else ""
    pantau = _command("pantau")
    query = "SELECT container, count(*) FROM posts GROUP BY 1"
    console.print(say("demo_look_further", status=f"{prefix}{pantau} status",
                      psql=f"psql '{redact_url(settings.database_url)}' -c '{query}'",
                      flower=f"{prefix}{pantau} flower",
                      worker=f"{prefix}{pantau} worker --region 62"), soft_wrap=True)
    return same


def _command(name: str) -> str:
    """How the user types a console script of this installation: by name if it is on PATH."""
    beside = Path(sys.executable).parent / name
    return name if shutil.which(name) == str(beside) or not beside.exists() else str(beside)
