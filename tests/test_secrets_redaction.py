"""No secret of the configuration reaches what people see: logs, events, Flower, status, metrics.

A real `pantau worker` runs with passwords everywhere: PostgreSQL (trust auth on 127.0.0.1
accepts and ignores it), a private redis-server started here with ``requirepass`` (the broker
and result backend), a forward proxy that demands Proxy-Authorization (tests/test_network.py)
and the pseudonymization key. It crawls three sources through that proxy: the demo forum
(succeeds), a source whose URL carries a user and password (refused by the worker:
crawler/config/sources.py) and a page that is not there (fails with error reasons). A real
`pantau flower` (basic auth) and a real `pantau metrics` (basic auth) watch. Then every place
an operator or an onlooker can read is collected - the worker's log with its spiders' lines,
in text and in JSON, every Celery event of the tasks as a receiver gets them, Flower's
/api/tasks, /api/task/info, /api/task/result and task pages, Flower's own log, the
crawl_runs rows (reason, error_reasons, stats), `pantau status` (table and --json), the
metrics endpoint and its log - and no secret may appear in any of them, neither as it is
nor base64-encoded as in a basic-auth header.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from celery import Celery
from psycopg.rows import dict_row

from crawler.config.sources import CREDENTIALS_IN_URL, ConfigError, load_sources
from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.runner.process import kill_group
from crawler.storage.runs import RunStore
from tests.flowerproc import PASSWORD as FLOWER_PASSWORD
from tests.flowerproc import USER as FLOWER_USER
from tests.flowerproc import flower_env, free_port, get, running_flower
from tests.test_network import OFFICE_UA, ForwardProxy
from tests.workers import EventLog, client_for, running_worker, worker_env

CREDENTIALED = "http://reader:{}@127.0.0.1:1/forum/"

PG_SECRET = "pgPass-7f3a91"
REDIS_SECRET = "redisPass-c2e845"
PROXY_SECRET = "proxyPass-9b16d0"
SITE_SECRET = "sitePass-41aa7e"
METRICS_SECRET = "metricsPass-e05c33"
PSEUDONYM_SECRET = "pseudonymKey-6d28f1b0c4e9a7"
SECRETS = {"postgres": PG_SECRET, "redis": REDIS_SECRET, "proxy": PROXY_SECRET,
           "site": SITE_SECRET, "flower": FLOWER_PASSWORD, "metrics": METRICS_SECRET,
           "pseudonym key": PSEUDONYM_SECRET}
BASIC_PAIRS = {"proxy": f"kantor:{PROXY_SECRET}", "flower": f"{FLOWER_USER}:{FLOWER_PASSWORD}",
               "metrics": f"prom:{METRICS_SECRET}"}


def leaks(where: str, text: str) -> list[str]:
    """Which secrets ``text`` shows (as they are, or base64 as in an Authorization header)."""
    lowered = text.lower()
    found = [f"{where}: {name}" for name, secret in SECRETS.items() if secret.lower() in lowered]
    for name, pair in BASIC_PAIRS.items():
        if base64.b64encode(pair.encode()).decode() in text:
            found.append(f"{where}: {name} (base64)")
    return found


# --- services with passwords ---------------------------------------------------------------


@pytest.fixture(scope="module")
def locked_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server that demands a password; yields its URL with the password."""
    home = tmp_path_factory.mktemp("locked-redis")
    port = free_port()
    conf = home / "redis.conf"  # in a file: not on the command line for `ps` to show
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {home}\nsave \"\"\nappendonly no\n"
                    f"requirepass {REDIS_SECRET}\nlogfile {home / 'redis.log'}\n")
    conf.chmod(0o600)
    proc = subprocess.Popen(["redis-server", str(conf)], cwd=home, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://:{REDIS_SECRET}@127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(url, socket_connect_timeout=1).ping():
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the private redis-server did not start")
            time.sleep(0.05)
        with pytest.raises(redis.AuthenticationError):  # the password is really needed
            redis.Redis(port=port, socket_connect_timeout=1).get("x")
        yield url
    finally:
        kill_group(proc, grace=10)


@pytest.fixture(scope="module")
def pg_url(database: str) -> str:
    """The module's database URL with a password (trust auth accepts it)."""
    url = database.replace("postgresql://postgres@", f"postgresql://postgres:{PG_SECRET}@")
    assert PG_SECRET in url
    psycopg.connect(url).close()
    return url


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(credentials=f"kantor:{PROXY_SECRET}") as server:
        yield server


@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.fixture(scope="module")
def env(pg_url: str, locked_redis: str, proxy: ForwardProxy,
        tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of every pantau process here: secrets in every URL and key."""
    state = tmp_path_factory.mktemp("secrets-state")
    return worker_env(
        pg_url, locked_redis, state,
        PANTAU_HTTP_PROXY=proxy.url.replace("http://", f"http://kantor:{PROXY_SECRET}@"),
        PANTAU_NO_PROXY="no-such-host.invalid",  # loopback goes through the proxy too
        PANTAU_PSEUDONYM_KEY=PSEUDONYM_SECRET, PANTAU_USER_AGENT=OFFICE_UA,
        PANTAU_METRICS_BASIC_AUTH=f"prom:{METRICS_SECRET}", COLUMNS="250")


@pytest.fixture(scope="module")
def secret_client(pg_url: str, locked_redis: str) -> Celery:
    return client_for(pg_url, locked_redis)


@pytest.fixture(scope="module")
def flower(env: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`pantau flower` with basic auth on the locked broker; yields its URL and its log."""
    log = tmp_path_factory.mktemp("secrets-flower") / "flower.log"
    with running_flower(flower_env(env), log) as (base, _):
        yield base, log


# --- one round of crawls ---------------------------------------------------------------------


def _source(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "forum", "engine": "phpbb", "url": url, "region": "62",
            "timezone": "Asia/Jakarta", "authors": "pseudonymize", **extra}


def _pantau(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "crawler", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def _wait_for_log(path: Path, needle: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(encoding="utf-8", errors="replace")
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


@contextlib.contextmanager
def _metrics_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "metrics", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError):
                    if get(base + "/metrics")[0] == 401:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"metrics did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            yield base
        finally:
            kill_group(proc, grace=10)



# --- a source URL with credentials is refused, without echoing them ---------------------------


def test_a_sources_file_with_a_password_in_a_url_is_refused_without_echo(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: Kalimantan Tengah\n    sources:\n"
                    f"      - name: forum-x\n        engine: phpbb\n"
                    f"        url: {CREDENTIALED.format(SITE_SECRET)}\n")
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert CREDENTIALS_IN_URL in str(err.value)
    assert SITE_SECRET not in str(err.value)
    assert "source forum-x: field 'url'" in str(err.value)


def test_pantau_crawl_refuses_a_url_with_a_password_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PANTAU_STATE_DIR": str(tmp_path),
           "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0",
           "PANTAU_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run([sys.executable, "-m", "crawler", "crawl",
                           CREDENTIALED.format(SITE_SECRET)], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert CREDENTIALS_IN_URL in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert SITE_SECRET not in done.stdout + done.stderr


# --- the end-to-end crawl --------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_reaches_logs_events_flower_status_or_metrics(
        log_format: str, env: dict[str, str], secret_client: Celery, pg_url: str,
        locked_redis: str, proxy: ForwardProxy, forum: DemoForumServer,
        flower: tuple[str, Path], tmp_path: Path) -> None:
    flower_base, flower_log = flower
    worker_log = tmp_path / "worker.log"
    env = {**env, "PANTAU_LOG_FORMAT": log_format}
    sfx = log_format
    good = _source(f"sec-forum-{sfx}", forum.url, limits={"max_pages": 8})
    creds = _source(f"sec-creds-{sfx}", forum.url.replace("http://",
                                                          f"http://reader:{SITE_SECRET}@"))
    missing = _source(f"sec-missing-{sfx}", forum.url + "gone/")
    with psycopg.connect(pg_url) as conn:
        runs = {src["name"]: RunStore(conn).create(src["name"], "62")
                for src in (good, creds, missing)}
    proxied_before = len(proxy.requests)

    with running_worker(env, worker_log, secret_client), EventLog(secret_client) as events:
        results = {src["name"]: secret_client.send_task(
            "pantau.crawl_source", args=[src, runs[src["name"]]], queue="crawl.62")
            for src in (good, creds, missing)}
        for result in results.values():
            with contextlib.suppress(Exception):  # two of them fail on purpose
                result.get(timeout=120, propagate=False)
        for result in results.values():  # the last event of each task has arrived
            events.wait_for(result.id, ("task-succeeded", "task-failed"), timeout=30)
        worker_text = _wait_for_log(worker_log, f"{good['name']} (run {runs[good['name']]}) "
                                    "succeeded")
    task_ids = {r.id for r in results.values()}

    # The crawls really happened, through the password-protected proxy and broker.
    assert results[good["name"]].state == "SUCCESS"
    assert results[creds["name"]].state == results[missing["name"]].state == "FAILURE"
    assert len(proxy.requests) > proxied_before
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT * FROM crawl_runs WHERE id = ANY(%s) ORDER BY id",
                            [list(runs.values())]).fetchall()
        posts = conn.execute("SELECT count(*) AS n, min(author_key) AS k FROM posts "
                             "WHERE source = %s", [good["name"]]).fetchone()
    by_name = {row["source"]: row for row in rows}
    assert by_name[good["name"]]["status"] == "succeeded"
    assert posts is not None and posts["n"] > 0 and posts["k"]  # authors pseudonymized
    assert by_name[creds["name"]]["status"] == "failed"
    assert CREDENTIALS_IN_URL in (by_name[creds["name"]]["reason"] or "")
    assert by_name[missing["name"]]["status"] == "failed"
    assert by_name[missing["name"]]["error_reasons"], "the 404 is recorded with its URL"

    # What each onlooker can read, collected; each must be about these crawls.
    seen: dict[str, str] = {}
    seen["worker log"] = worker_text
    if log_format == "json":
        records = [json.loads(line) for line in worker_text.splitlines()
                   if line.startswith('{"timestamp"')]
        assert any(r.get("process") == "spider" for r in records)
        assert any(r.get("process") == "worker" for r in records)
    else:
        assert "[scrapy.core.engine] INFO: Spider opened" in worker_text
    assert f"crawl {good['name']} (run {runs[good['name']]}, full) starting" in worker_text

    mine = [e for e in events.events if e.get("uuid") in task_ids]
    assert {e["type"] for e in mine} >= {"task-sent", "task-received", "task-started",
                                         "task-progress", "task-succeeded", "task-failed"}
    sent = [e for e in mine if e["type"] in ("task-sent", "task-received")]
    assert {e["args"] for e in sent if e["uuid"] == results[creds["name"]].id} == {
        f"source={creds['name']} region=62 run={runs[creds['name']]}"}
    seen["celery events"] = json.dumps(mine, default=str)

    auth = (FLOWER_USER, FLOWER_PASSWORD)
    status, listing = get(f"{flower_base}/api/tasks", auth)
    assert status == 200 and task_ids <= set(json.loads(listing)), listing[:500]
    seen["flower /api/tasks"] = listing
    for task_id in task_ids:
        for path in (f"/api/task/info/{task_id}", f"/api/task/result/{task_id}",
                     f"/task/{task_id}"):
            status, body = get(flower_base + path, auth)
            assert status == 200, (path, status)
            seen[f"flower {path}"] = body
    seen["flower log"] = flower_log.read_text(errors="replace")

    seen["crawl_runs"] = json.dumps(rows, default=str)
    seen["pantau status"] = _pantau(env, "status", "--region", "62", "--limit", "20")
    seen["pantau status --json"] = _pantau(env, "status", "--json", "--region", "62")
    assert creds["name"] in seen["pantau status"]
    assert "not supported" in seen["pantau status --json"]

    with _metrics_server(env, tmp_path / "metrics.log") as metrics_base:
        status, metrics = get(metrics_base + "/metrics", ("prom", METRICS_SECRET))
    assert status == 200 and f'source="{good["name"]}"' in metrics
    seen["metrics"] = metrics
    seen["metrics log"] = (tmp_path / "metrics.log").read_text(errors="replace")

    found = [leak for where, text in seen.items() for leak in leaks(where, text)]
    assert not found, found

    # The secrets were there to leak: Redis itself keeps the task message's arguments (the
    # result backend stores them, result_extended), the refused URL with its password.
    raw = redis.Redis.from_url(locked_redis).get(
        f"celery-task-meta-{results[creds['name']].id}")
    assert raw is not None and SITE_SECRET.encode() in raw
    assert os.environ.get("PANTAU_PSEUDONYM_KEY") != PSEUDONYM_SECRET  # only the children had it
