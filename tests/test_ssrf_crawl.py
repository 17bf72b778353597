"""A whole crawl against the SSRF guard: links and redirects to private targets, and a proxy.

The spider process runs ``crawler.runner.child`` exactly as a worker does, but under a
harness that replaces name resolution (``getaddrinfo``/``gethostbyname``: test names map to
metadata, intranet and public addresses; anything else must be numeric) and makes every
connect to an address other than 127.0.0.1 fail and be logged. The test then shows: every
private target was refused and recorded as ``blocked`` - links, redirects, literals, decimal
forms, ``file:`` - none reached the proxy, no connection was even attempted, and a public
name went through the proxy and was stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from crawler.demosite.server import Reply
from crawler.extract.urls import site_key
from crawler.runner.spec import CrawlSpec
from tests.sites import hostile_pages as pages
from tests.sites.hostile import ROBOTS, BareSite
from tests.sites.hostile_pages import FakePost
from tests.workers import worker_env

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]
FAKE_DNS = {"metadata.test": "169.254.169.254", "intranet.test": "10.1.2.3",
            "public.test": "93.184.216.34"}
REDIRECTS = {"metadata": "http://metadata.test/latest/meta-data/",
             "literal": "http://169.254.169.254/latest/meta-data/iam/",
             "intranet": "http://intranet.test:8080/admin",
             "decimal": "http://2130706434:8765/"}  # 127.0.0.2: loopback, not allowlisted
LINKS = ["http://10.9.8.7/forum/", "file:///etc/passwd", "http://[fd00:ec2::254]/"]
PUBLIC = "http://public.test/forum/viewtopic.php?t=9"

HARNESS = """
import json, os, socket, sys
names = json.loads(os.environ["TEST_FAKE_DNS"])
log = os.environ["TEST_CONNECT_LOG"]
real_getaddrinfo = socket.getaddrinfo

def numeric(host):
    return real_getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)

def getaddrinfo(host, port, *args, **kwargs):
    host = host.decode() if isinstance(host, bytes) else host
    if host in names:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port or 0))]
    return [(f, t, p, c, (a[0], port or 0) + a[2:]) for f, t, p, c, a in numeric(host)]

def gethostbyname(host):
    return names[host] if host in names else numeric(host)[0][4][0]

def refuse(original):
    def connect(self, address):
        if isinstance(address, tuple) and address[0] != "127.0.0.1":
            with open(log, "a") as fh:
                fh.write(json.dumps(list(address)[:2]) + "\\n")
            raise ConnectionRefusedError(111, "refused by the test harness")
        return original(self, address)
    return connect

socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
socket.socket.connect = refuse(socket.socket.connect)
socket.socket.connect_ex = refuse(socket.socket.connect_ex)
from crawler.runner.child import main
sys.exit(main(sys.argv))
"""


class LocalSite(BareSite):
    """Links and redirects to every kind of private target (and one public name)."""

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        html = "text/html; charset=utf-8"
        if parts.path == "/robots.txt":
            return 200, "text/plain", ROBOTS
        if parts.path == "/go":
            return 302, html, ""
        boards = [(f"./go?to={name}", name) for name in REDIRECTS]
        boards += [(url, url) for url in [*LINKS, PUBLIC]]
        return 200, html, pages.index(boards)

    def headers(self, target: str) -> dict[str, str]:
        to = parse_qs(urlsplit(target).query).get("to", [""])[0]
        return {"Location": REDIRECTS[to]} if to in REDIRECTS else {}


class FakeProxy(BareSite):
    """A forward proxy that answers every request itself (it never connects anywhere)."""

    def respond(self, target: str, host: str) -> Reply:
        if target.endswith("/robots.txt"):
            return 200, "text/plain", ROBOTS
        post = FakePost(901, "publik", "2024-03-01T10:00:00+07:00", "<p>Dari situs publik.</p>")
        return 200, "text/html; charset=utf-8", pages.topic(9, "Publik", [post])


def run_harnessed(spec: CrawlSpec, env: dict[str, str]) -> dict[str, Any]:
    """Run the spider process under HARNESS; its final progress line (the stats)."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", HARNESS, spec.model_dump_json()],
                            env={**env, "PANTAU_PROGRESS_FD": str(write_fd)},
                            pass_fds=(write_fd,), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    os.close(write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as stream:
        lines = [json.loads(line) for line in stream if line.strip()]
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    assert lines and lines[-1].get("final"), stderr.decode()[-3000:]
    return lines[-1]


@pytest.fixture
def servers() -> Iterator[tuple[LocalSite, FakeProxy]]:
    with LocalSite() as site, FakeProxy() as proxy:
        yield site, proxy


def test_private_targets_are_refused_before_any_connection_even_through_a_proxy(
        servers: tuple[LocalSite, FakeProxy], fresh_migrated_database: str, redis_url: str,
        tmp_path: Path) -> None:
    site, proxy = servers
    connects = tmp_path / "connects.jsonl"
    spec = CrawlSpec(run_id=None, source="ssrf", region="62", spider="phpbb", platform="phpbb",
                     start_url=site.url, site=site_key(site.url), authors="keep",
                     politeness={"download_delay": 0, "concurrent_requests": 8})
    env = worker_env(fresh_migrated_database, redis_url, tmp_path,
                     PANTAU_ALLOWED_NETWORKS="127.0.0.1/32", PANTAU_HTTP_PROXY=proxy.url,
                     PANTAU_NO_PROXY="127.0.0.1", PANTAU_RETRY_TIMES="0",
                     TEST_FAKE_DNS=json.dumps(FAKE_DNS), TEST_CONNECT_LOG=str(connects))
    stats = run_harnessed(spec, env)

    blocked = {r["url"]: r["message"] for r in stats["error_reasons"] if r["kind"] == "blocked"}
    expected = [*REDIRECTS.values(), *LINKS]
    assert set(blocked) == set(expected), stats["error_reasons"]
    assert "169.254.169.254): link-local (a cloud metadata service)" in \
        blocked[REDIRECTS["metadata"]]
    assert "intranet.test (10.1.2.3): private" in blocked[REDIRECTS["intranet"]]
    assert "127.0.0.2): loopback" in blocked[REDIRECTS["decimal"]]
    assert "only http and https" in blocked["file:///etc/passwd"]
    assert all("PANTAU_ALLOWED_NETWORKS" in m for u, m in blocked.items() if "file:" not in u)
    assert stats["errors_by_kind"] == {"blocked": len(expected)}
    # nothing was even attempted: no connection, and the proxy saw the public host only
    assert not connects.exists(), connects.read_text()
    assert {urlsplit(path).hostname for path in proxy.request_log} == {"public.test"}
    # every redirect was asked for once, and refused when it came back round
    assert sorted(p for p in site.request_log if p.startswith("/go")) == sorted(
        f"/go?to={name}" for name in REDIRECTS)
    with psycopg.connect(fresh_migrated_database) as conn:
        rows = conn.execute("SELECT native_id, site FROM posts").fetchall()
    assert rows == [("901", site_key(site.url))]
