"""What Chromium loads by itself passes the SSRF guard: a rendered page cannot reach elsewhere.

The site is on 127.0.0.1, the only network the workers allow here
(PANTAU_ALLOWED_NETWORKS=127.0.0.1/32). Its page makes the browser load a script, a frame and
an XHR from 127.0.0.2 (loopback too, but not allowed: it stands for the office network), and
an image from the site itself. No request may reach 127.0.0.2, and the image is not loaded;
the page's posts are still read. (A redirect of the page itself is followed by Chromium
without asking: not covered, see docs/operations.md, "The SSRF guard".)
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import psycopg
import pytest

from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.demosite.server import Reply
from crawler.runner import CrawlSpec, run_crawl
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
                f"<script>fetch('{there}data').catch(() => null);</script></body></html>")
        return super().respond(target, host)


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[LeakySite, Elsewhere]]:
    chromium_path()
    elsewhere = Elsewhere()
    site = LeakySite(build_forum(seed=62))
    site.elsewhere = elsewhere.url
    with site:
        yield site, elsewhere
    elsewhere.close()


def test_the_browser_reaches_only_allowed_addresses(
        sites: tuple[LeakySite, Elsewhere], database: str, redis_url: str,
        tmp_path: Path) -> None:
    site, elsewhere = sites
    source = Source.model_validate({
        "name": "leak", "kind": "rendered", "url": f"{site.url}bocor",
        "region": "62", "authors": "keep", "selectors": SELECTORS, "render": {"timeout": 5}})
    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create(source.name, "62")
    with short_tmpdir() as tmpdir:
        env = worker_env(database, redis_url, tmp_path, TMPDIR=str(tmpdir),
                         PANTAU_ALLOWED_NETWORKS="127.0.0.1/32")
        outcome = run_crawl(CrawlSpec.for_source(source, run_id), env=env, timeout=120)
    assert outcome.final, outcome.stderr_tail[-3000:]
    assert elsewhere.paths == []
    assert site.request_log.snapshot() == ["/robots.txt", "/bocor"]  # no /gambar.png
    assert (outcome.stats["items"], outcome.stats["errors"]) == (1, 0)
