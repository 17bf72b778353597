"""Identity and office networks: the contact rule, the outbound proxy and the custom CA bundle.

The crawls here run a real spider process (crawler.runner) against the local demo forum,
without a database; the proxy is a tiny forward proxy on 127.0.0.1 and the HTTPS forum uses
a CA made in the test (trustme). Nothing leaves the loopback range.
"""

from __future__ import annotations

import base64
import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme
from pydantic import ValidationError

from crawler.config.settings import Settings
from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.extract.urls import site_key
from crawler.network import (
    CONTACT_HINT,
    MissingContact,
    ProxyMiddleware,
    bypasses_proxy,
    redact_credentials,
    require_contact,
)
from crawler.runner.outcome import FAILED, SUCCEEDED, judge
from crawler.runner.process import CrawlOutcome, run_crawl
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec

DEFAULT_UA = Settings.model_fields["user_agent"].default
OFFICE_UA = "pantau/0.1 (+https://diskominfo.kalteng.go.id/pantau; humas@kalteng.go.id)"
PAGES = 8  # enough to reach topic pages with posts, short enough for a test


# --- the contact rule --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/", "http://127.0.0.2/forum/",
                                 "http://localhost:9000/", "http://[::1]:8080/"])
def test_loopback_needs_no_contact(url: str) -> None:
    require_contact(DEFAULT_UA, url)


@pytest.mark.parametrize("user_agent", [
    DEFAULT_UA,
    "pantau/0.1",
    "pantau/0.1 (+https://github.com/pantau-crawler/pantau/issues)",
    "Mozilla/5.0 (compatible; pantau)",
])
def test_beyond_loopback_needs_a_contact(user_agent: str) -> None:
    with pytest.raises(MissingContact, match=r"no contact .* forum\.example\.go\.id"):
        require_contact(user_agent, "https://forum.example.go.id/index.php")


@pytest.mark.parametrize("user_agent", [
    OFFICE_UA,
    "pantau/0.1 (+https://diskominfo.kalteng.go.id/pantau)",
    "pantau/0.1 (humas@kalteng.go.id)",
    "pantau/0.1 (+https://github.com/pantau-crawler/pantau; humas@kalteng.go.id)",
    "pantau/0.1 (+http://kominfo.palangkaraya.go.id/)",
])
def test_a_web_address_or_an_email_is_a_contact(user_agent: str) -> None:
    require_contact(user_agent, "https://forum.example.go.id/")


def test_contact_hint_shows_an_example_that_passes() -> None:
    example = CONTACT_HINT.split("e.g. ")[1].strip("'")
    require_contact(example, "https://forum.example.go.id/")


# --- proxy rules and settings ------------------------------------------------------------


@pytest.mark.parametrize(("host", "no_proxy", "bypass"), [
    ("127.0.0.1", "localhost,127.0.0.0/8,::1", True),
    ("127.0.0.2", "localhost,127.0.0.0/8,::1", True),
    ("::1", "localhost,127.0.0.0/8,::1", True),
    ("localhost", "localhost,127.0.0.0/8,::1", True),
    ("forum.example.go.id", "localhost,127.0.0.0/8,::1", False),
    ("forum.kalteng.go.id", ".go.id", True),
    ("forum.kalteng.go.id", "kalteng.go.id", True),
    ("kalteng.go.id", ".kalteng.go.id", True),
    ("notkalteng.go.id", "kalteng.go.id", False),
    ("10.1.2.3", "10.0.0.0/8", True),
    ("10.1.2.3", "10.1.2.3", True),
    ("anything.id", "*", True),
    ("127.0.0.1", "", False),
])
def test_no_proxy_matching(host: str, no_proxy: str, bypass: bool) -> None:
    assert bypasses_proxy(host, no_proxy) is bypass


def test_proxy_middleware_routes_by_scheme_and_keeps_a_spiders_choice() -> None:
    from scrapy import Request

    mw = ProxyMiddleware({"http": "http://u:p@proxy:3128", "https": "http://proxy:3129"},
                         "localhost,127.0.0.0/8")
    plain, tls, local = (Request(u) for u in ("http://a.go.id/", "https://a.go.id/",
                                              "http://127.0.0.1:8765/"))
    chosen = Request("http://a.go.id/x", meta={"proxy": "http://other:1"})
    for request in (plain, tls, local, chosen):
        mw.process_request(request)
    assert plain.meta["proxy"] == "http://u:p@proxy:3128"
    assert tls.meta["proxy"] == "http://proxy:3129"
    assert local.meta["proxy"] is None  # direct, whatever the worker's http_proxy says
    assert chosen.meta["proxy"] == "http://other:1"


def spec_for(url: str, **extra: Any) -> CrawlSpec:
    return CrawlSpec(run_id=None, source="net-test", region="62", spider="phpbb",
                     platform="phpbb", start_url=url, site=site_key(url), authors="keep",
                     limits={"max_pages": PAGES},
                     politeness={"download_delay": 0, "concurrent_requests": 8}, **extra)


def test_scrapy_settings_carry_the_proxy_and_the_bundle_only_when_set(tmp_path: Path) -> None:
    spec = spec_for("http://127.0.0.1:1/")
    plain = scrapy_settings(Settings(_env_file=None), spec)  # type: ignore[call-arg]
    assert plain["PANTAU_HTTP_PROXY"] is None
    assert "DOWNLOADER_CLIENTCONTEXTFACTORY" not in plain
    bundle = tmp_path / "ca.pem"
    office = Settings(_env_file=None, http_proxy="http://u:p@proxy:3128",  # type: ignore[call-arg]
                      ca_bundle=bundle)
    built = scrapy_settings(office, spec)
    assert built["PANTAU_HTTP_PROXY"] == "http://u:p@proxy:3128"
    assert built["DOWNLOADER_CLIENTCONTEXTFACTORY"] == "crawler.tls.CaBundleContextFactory"
    assert built["PANTAU_CA_BUNDLE"] == str(bundle)
    assert "u:p" not in repr(office)


def test_a_bad_proxy_setting_never_echoes_its_password() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, https_proxy="proxy.kantor:3128@user:rahasia")  # type: ignore[call-arg]
    assert "rahasia" not in str(caught.value)
    assert "must be a URL like http://proxy.kantor:3128" in str(caught.value)


def test_redact_credentials() -> None:
    text = "TunnelError: http://kantor:rahasia@proxy:3128 and https://u@x.id/ ok http://x.id/"
    assert redact_credentials(text) == (
        "TunnelError: http://***@proxy:3128 and https://***@x.id/ ok http://x.id/")


# --- crawls through a local forward proxy ------------------------------------------------


class ForwardProxy(ThreadingHTTPServer):
    """A forward proxy for loopback targets: absolute-URI GETs and CONNECT tunnels, counted."""

    daemon_threads = True

    def __init__(self, credentials: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.expected_auth = (
            "Basic " + base64.b64encode(credentials.encode()).decode() if credentials else None)
        self.requests: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> ForwardProxy:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    server: ForwardProxy
    protocol_version = "HTTP/1.1"

    def _admitted(self, target: str) -> bool:
        with self.server.lock:
            self.server.requests.append(f"{self.command} {target}")
        expected = self.server.expected_auth
        if expected and self.headers.get("Proxy-Authorization") != expected:
            self.send_response(407)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        return True

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        assert parts.scheme == "http" and parts.hostname, f"not an absolute URI: {self.path}"
        assert parts.hostname.startswith("127."), "loopback only"
        if not self._admitted(self.path):
            return
        upstream = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        upstream.request("GET", target, headers={"Host": parts.netloc})
        reply = upstream.getresponse()
        body = reply.read()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.getheader("Content-Type") or "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        assert host.startswith("127."), "loopback only"
        if not self._admitted(self.path):
            return
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        sockets = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(sockets, [], [], 10)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def crawl(url: str, database: str = "", **env: str) -> tuple[CrawlOutcome, tuple[str, str | None]]:
    """Run the phpBB spider on ``url`` (posts go to ``database``); return outcome and judgement."""
    spec = spec_for(url)
    settings_env = {"PANTAU_DATABASE_URL": database, "PANTAU_RETRY_TIMES": "0",
                    "PANTAU_DOWNLOAD_TIMEOUT": "10", "PANTAU_USER_AGENT": OFFICE_UA,
                    "PANTAU_HTTP_PROXY": "", "PANTAU_HTTPS_PROXY": "", "PANTAU_CA_BUNDLE": "",
                    "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "",
                    **env}
    outcome = run_crawl(spec, env=settings_env, timeout=120)
    return outcome, judge(outcome, spec)


@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


@pytest.mark.slow
def test_crawl_through_the_proxy_reaches_the_site(forum: DemoForumServer,
                                                  migrated_database: str) -> None:
    with ForwardProxy(credentials="kantor:rahasia") as proxy:
        proxied = proxy.url.replace("http://", "http://kantor:rahasia@")
        outcome, (status, reason) = crawl(forum.url, migrated_database,
                                          PANTAU_HTTP_PROXY=proxied, PANTAU_NO_PROXY="")
    assert (status, outcome.stats["errors"]) == (SUCCEEDED, 0), reason
    assert outcome.stats["items"] > 0
    port = urlsplit(forum.url).port
    gets = [r for r in proxy.requests if r.startswith(f"GET http://127.0.0.1:{port}/")]
    assert len(gets) == outcome.stats["pages"] == len(proxy.requests)
    assert "rahasia" not in outcome.stderr_tail


@pytest.mark.slow
def test_loopback_bypasses_the_proxy_by_default(forum: DemoForumServer,
                                                migrated_database: str) -> None:
    with ForwardProxy() as proxy:
        _, (status, reason) = crawl(forum.url, migrated_database,
                                          PANTAU_HTTP_PROXY=proxy.url)
    assert status == SUCCEEDED, reason
    assert proxy.requests == []


@pytest.mark.slow
def test_a_dead_proxy_fails_without_naming_its_password(forum: DemoForumServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome, (status, reason) = crawl(
        forum.url, PANTAU_HTTP_PROXY=f"http://kantor:rahasia@127.0.0.1:{port}",
        PANTAU_NO_PROXY="")
    assert status == FAILED
    assert reason is not None and "Connection" in reason
    assert "rahasia" not in reason + outcome.stderr_tail + repr(outcome.stats)


# --- a custom CA bundle ------------------------------------------------------------------


@pytest.fixture(scope="module")
def office_ca() -> trustme.CA:
    return trustme.CA(organization_name="Diskominfo test CA")


@pytest.fixture(scope="module")
def tls_forum(office_ca: trustme.CA) -> Iterator[str]:
    """The demo forum over HTTPS, its certificate issued by ``office_ca`` for 127.0.0.1."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    office_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with DemoForumServer(build_forum(seed=62)) as server:
        httpd = server._httpd
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True,
                                           do_handshake_on_connect=False)
        yield server.url.replace("http://", "https://")


def write_ca(ca: trustme.CA, path: Path) -> str:
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.mark.slow
def test_crawl_verifies_against_the_ca_bundle(tls_forum: str, office_ca: trustme.CA,
                                              tmp_path: Path, migrated_database: str) -> None:
    bundle = write_ca(office_ca, tmp_path / "office.pem")
    outcome, (status, reason) = crawl(tls_forum, migrated_database, PANTAU_CA_BUNDLE=bundle)
    assert (status, outcome.stats["errors"]) == (SUCCEEDED, 0), reason
    assert outcome.stats["items"] > 0


@pytest.mark.slow
def test_a_certificate_from_another_ca_fails_with_a_clear_reason(tls_forum: str,
                                                                 tmp_path: Path) -> None:
    bundle = write_ca(trustme.CA(), tmp_path / "other.pem")
    _, (status, reason) = crawl(tls_forum, PANTAU_CA_BUNDLE=bundle)
    assert status == FAILED
    assert reason is not None and "certificate verify failed" in reason, reason


@pytest.mark.slow
def test_without_a_bundle_certificates_are_not_verified(tls_forum: str,
                                                        migrated_database: str) -> None:
    """Scrapy's default, kept for public pages: documented in docs/operations.md."""
    _, (status, reason) = crawl(tls_forum, migrated_database)
    assert status == SUCCEEDED, reason


@pytest.mark.slow
def test_https_through_the_proxy_tunnel_with_the_office_ca(
        tls_forum: str, office_ca: trustme.CA, tmp_path: Path, migrated_database: str) -> None:
    """An office network: one proxy for both schemes, TLS verified against the office CA."""
    bundle = write_ca(office_ca, tmp_path / "office.pem")
    with ForwardProxy(credentials="kantor:rahasia") as proxy:
        proxied = proxy.url.replace("http://", "http://kantor:rahasia@")
        outcome, (status, reason) = crawl(tls_forum, migrated_database, PANTAU_HTTP_PROXY=proxied,
                                          PANTAU_NO_PROXY="", PANTAU_CA_BUNDLE=bundle)
    assert status == SUCCEEDED, reason
    assert outcome.stats["items"] > 0
    assert proxy.requests and all(r.startswith("CONNECT 127.0.0.1:") for r in proxy.requests)


def test_a_missing_bundle_stops_the_crawl_at_start(tmp_path: Path) -> None:
    _, (status, reason) = crawl("https://127.0.0.1:1/",
                                      PANTAU_CA_BUNDLE=str(tmp_path / "absent.pem"))
    assert status == FAILED
    assert reason is not None and "absent.pem" in reason, reason


# --- where a crawl is validated: `pantau crawl` and the crawl task ----------------------


def test_cli_refuses_a_site_beyond_loopback_without_contact(tmp_path: Path) -> None:
    from tests.test_cli import pantau, unreachable

    result = pantau("crawl", "http://forum.example.go.id/", env=unreachable(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: PANTAU_USER_AGENT names no contact of the operator")
    assert lines[1].startswith("hint: put your office's contact")


@pytest.mark.integration
@pytest.mark.slow
def test_task_refuses_a_site_beyond_loopback_without_contact(
        migrated_database: str, redis_url: str, tmp_path: Path) -> None:
    import psycopg

    from crawler.storage.runs import RunStore
    from tests.workers import client_for, running_worker, worker_env

    with socket.socket() as sock:  # should the check fail, requests end at a dead loopback proxy
        sock.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = worker_env(migrated_database, redis_url, tmp_path, PANTAU_HTTP_PROXY=dead_proxy,
                     PANTAU_NO_PROXY="")
    client = client_for(migrated_database, redis_url)
    src = {"name": "forum-no-contact", "kind": "forum", "engine": "phpbb",
           "url": "http://forum.example.go.id/", "region": "62", "authors": "keep"}
    with psycopg.connect(migrated_database, autocommit=True) as conn:
        run_id = RunStore(conn).create(src["name"], "62")
    with running_worker(env, tmp_path / "worker.log", client):
        result = client.send_task("pantau.crawl_source", args=[src, run_id], queue="crawl.62")
        result.get(timeout=60, propagate=False)
    assert result.failed()
    with psycopg.connect(migrated_database) as conn:
        status, reason = conn.execute("SELECT status, reason FROM crawl_runs WHERE id = %s",
                                      [run_id]).fetchone() or (None, None)
    assert status == "failed"
    assert reason.startswith("PANTAU_USER_AGENT names no contact of the operator, "
                             "required to crawl forum.example.go.id; put your office's contact")
