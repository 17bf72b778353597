"""What Chromium loads by itself passes the SSRF guard: a rendered page cannot reach elsewhere.

The site is on 127.0.0.1, the only network the workers allow here
(PANTAU_ALLOWED_NETWORKS=127.0.0.1/32). Its page makes the browser load a script, a frame and
an XHR from 127.0.0.2 (loopback too, but not allowed: it stands for the office network), an
image from the site itself, a WebSocket to 127.0.0.2, an XHR that the site redirects to
127.0.0.2, and one that the site redirects to itself, whose answer is the page's second post.
No request may reach 127.0.0.2, each refusal is recorded on the run (kind ``blocked``), the
image is not loaded, and the allowed XHR and its redirect work. A page that redirects the
browser itself to 127.0.0.2 is refused too. (Chromium follows redirects without asking
Playwright's routes, and routes never see a WebSocket: the guard's SOCKS5 proxy,
crawler.ssrf.browser_proxy, refuses those connections. With 127.0.0.2 allowed, the server
there sees all of them.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.demosite.server import Reply
from crawler.runner import CrawlOutcome, CrawlSpec, run_crawl
from crawler.storage.runs import RunStore
from tests.chromium import chromium_path, short_tmpdir
from tests.sites.rendered import SELECTORS, RenderedForumServer
from tests.workers import worker_env

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


class Elsewhere:
    """An HTTP server on 127.0.0.2 that records every request."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                body = b"document.title = 'reached';"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.httpd.server_address[1]}/"
        Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class LeakySite(RenderedForumServer):
    """The rendered forum plus ``/bocor``, a page that refers elsewhere."""

    elsewhere = ""

    def respond(self, target: str, host: str) -> Reply:
        there = self.elsewhere
        if target == "/bocor":
            return 200, "text/html; charset=utf-8", (
                "<!doctype html><html><body><h1 class='judul-topik'>Bocor</h1>"
                "<article class='pesan' data-id='1'><div class='isi'>Halo</div></article>"
                f"<img src='/gambar.png'><script src='{there}skrip.js'></script>"
                f"<iframe src='{there}bingkai'></iframe>"
                f"<script>fetch('{there}data').catch(() => null);"
                "fetch('/pindah').catch(() => null);"
                # the second post comes once the WebSocket to 127.0.0.2 closed
                f"const ws = new WebSocket('{there.replace('http:', 'ws:')}soket');"
                "ws.onclose = () => fetch('/pindah-lokal').then((r) => r.json())"
                f".then((p) => {{{SECOND_POST}}});"
                "</script></body></html>")
        if target == "/data-lokal":
            return 200, "application/json", json.dumps({"id": 2, "isi": "Dari XHR"})
        if target in self.redirects:
            return 302, "text/plain", ""
        return super().respond(target, host)

    @property
    def redirects(self) -> dict[str, str]:
        return {"/pindah": f"{self.elsewhere}dialihkan", "/pindah-lokal": "/data-lokal",
                "/alih": f"{self.elsewhere}halaman"}

    def headers(self, target: str) -> dict[str, str]:
        return {"Location": self.redirects[target]} if target in self.redirects else {}


SECOND_POST = ("const a = document.createElement('article'); a.className = 'pesan';"
               "a.dataset.id = String(p.id); a.innerHTML = \"<div class='isi'></div>\";"
               "a.firstChild.textContent = p.isi; document.body.appendChild(a);")


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[LeakySite, Elsewhere]]:
    chromium_path()
    elsewhere = Elsewhere()
    site = LeakySite(build_forum(seed=62))
    site.elsewhere = elsewhere.url
    with site:
        yield site, elsewhere
    elsewhere.close()


def crawl(site: LeakySite, path: str, render: dict[str, object], database: str,
          redis_url: str, tmp_path: Path) -> tuple[CrawlOutcome, list[dict[str, str]]]:
    """A crawl of ``path`` that may reach 127.0.0.1 only; its outcome and its error reasons
    (what the crawl task stores on the run, crawl_runs.error_reasons)."""
    source = Source.model_validate({
        "name": "leak", "kind": "rendered", "url": f"{site.url}{path}",
        "region": "62", "authors": "keep", "selectors": SELECTORS, "render": render})
    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create(source.name, "62")
    site.request_log.clear()
    with short_tmpdir() as tmpdir:
        env = worker_env(database, redis_url, tmp_path, TMPDIR=str(tmpdir),
                         PANTAU_ALLOWED_NETWORKS="127.0.0.1/32")
        outcome = run_crawl(CrawlSpec.for_source(source, run_id), env=env, timeout=120)
    assert outcome.final, outcome.stderr_tail[-3000:]
    return outcome, list(outcome.stats["error_reasons"])


def pages(site: LeakySite) -> list[str]:
    """What the site answered (robots.txt aside: the cluster keeps a copy in Redis)."""
    return [p for p in site.request_log.snapshot() if p != "/robots.txt"]


def test_the_browser_reaches_only_allowed_addresses(
        sites: tuple[LeakySite, Elsewhere], database: str, redis_url: str,
        tmp_path: Path) -> None:
    site, elsewhere = sites
    render = {"wait_for": "article.pesan[data-id='2']", "timeout": 10}
    outcome, reasons = crawl(site, "bocor", render, database, redis_url, tmp_path)
    assert elsewhere.paths == []
    # no /gambar.png; the allowed XHR and its redirect went through
    assert sorted(pages(site)) == ["/bocor", "/data-lokal", "/pindah", "/pindah-lokal"]
    assert outcome.stats["items"] == 2  # the second post came by the redirected XHR
    there = elsewhere.url.removeprefix("http://").rstrip("/")
    assert {(r["kind"], r["url"]) for r in reasons} == {
        ("blocked", f"{elsewhere.url}skrip.js"), ("blocked", f"{elsewhere.url}bingkai"),
        ("blocked", f"{elsewhere.url}data"), ("blocked", there)}  # the redirect's hop
    assert all("loopback address" in r["message"] for r in reasons), reasons


def test_a_page_redirected_inside_the_browser_is_refused(
        sites: tuple[LeakySite, Elsewhere], database: str, redis_url: str,
        tmp_path: Path) -> None:
    site, elsewhere = sites
    outcome, reasons = crawl(site, "alih", {"timeout": 5}, database, redis_url, tmp_path)
    assert elsewhere.paths == []
    assert pages(site) == ["/alih"]
    assert outcome.stats["items"] == 0
    there = elsewhere.url.removeprefix("http://").rstrip("/")
    assert ("blocked", there) in {(r["kind"], r["url"]) for r in reasons}, reasons
