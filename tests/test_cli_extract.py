"""``pantau extract`` and engine detection by ``pantau crawl URL``."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demosite import DemoForumServer, build_forum
from tests.sites.custom import CustomForumServer
from tests.test_cli import closed_port, pantau, unreachable


@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=62)) as server:
        yield server


def test_extract_a_saved_real_page(real_fixtures: Path) -> None:
    truth = json.loads((real_fixtures / "truth.json").read_text("utf-8"))
    entry = truth["phpbb/foren.myoos.de.html"]
    result = pantau("extract", str(real_fixtures / "phpbb" / "foren.myoos.de.html"),
                    "--url", entry["thread_url"], "--timezone", "Europe/Berlin", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["engine"], out["kind"]) == ("phpbb", "thread")
    assert [(p["native_id"], p["author_name"]) for p in out["posts"]] == [
        (p["native_id"], p["author"]) for p in entry["posts"]]
    assert out["posts"][0]["published_at"] == "2009-01-21T05:42:00+01:00"


def test_extract_a_url_lists_posts_and_links(forum: DemoForumServer) -> None:
    thread = max(forum.forum.threads.values(), key=lambda t: len(t.posts))
    result = pantau("extract", f"{forum.url}viewtopic.php?t={thread.thread_id}")
    assert result.returncode == 0, result.stderr
    assert "engine: phpbb" in result.stdout
    assert f"thread {thread.thread_id}: {thread.title}" in result.stdout
    assert "10 posts, 0 boards, 0 threads" in result.stdout
    board = pantau("extract", f"{forum.url}viewforum.php?f=2", "--json")
    out = json.loads(board.stdout)
    assert out["kind"] == "board" and out["threads"] and out["next_url"]
    assert all(t["signature"] for t in out["threads"])


def test_extract_mistakes_are_one_line(tmp_path: Path) -> None:
    missing = pantau("extract", str(tmp_path / "nope.html"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    page = tmp_path / "plain.html"
    page.write_text("<html><body><p>Halo</p></body></html>", "utf-8")
    unknown = pantau("extract", str(page))
    assert unknown.returncode == 2
    assert "no known forum engine" in unknown.stderr
    wrong = pantau("extract", str(page), "--engine", "phpbbb")
    assert "unknown engine 'phpbbb'" in wrong.stderr
    dead = pantau("extract", f"http://127.0.0.1:{closed_port()}/")
    assert dead.returncode == 1 and "cannot fetch" in dead.stderr


def test_crawl_url_detects_the_engine_and_says_so(forum: DemoForumServer,
                                                  tmp_path: Path) -> None:
    result = pantau("crawl", forum.url, env=unreachable(tmp_path))
    assert "detected engine phpbb (" in result.stdout
    assert result.returncode != 0  # then the (unreachable) services stop it, in one line
    assert "Traceback" not in result.stderr


def test_crawl_url_of_an_unknown_forum_asks_for_engine_or_selectors(tmp_path: Path) -> None:
    with CustomForumServer(build_forum(seed=62)) as site:
        result = pantau("crawl", site.url, env=unreachable(tmp_path))
    assert result.returncode == 2
    assert "no known forum engine" in result.stderr
    assert "selectors" in result.stderr


def test_extract_and_detection_pass_the_ssrf_guard(forum: DemoForumServer, tmp_path: Path) -> None:
    closed = {"PANTAU_ALLOWED_NETWORKS": ""}  # production default: no private addresses
    refused = pantau("extract", f"{forum.url}viewforum.php?f=2", env=closed)
    assert refused.returncode == 2
    assert "refused 127.0.0.1: loopback address" in refused.stderr
    assert "Traceback" not in refused.stderr
    crawl = pantau("crawl", forum.url, env={**unreachable(tmp_path), **closed})
    assert "refused 127.0.0.1" in crawl.stderr
    assert "detected engine" not in crawl.stdout


def test_a_redirect_of_the_single_page_fetch_passes_the_ssrf_guard() -> None:
    """`pantau extract URL` follows a redirect only to an address the guard allows: the
    target is checked before anything connects to it (crawler/cli/fetch.py)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(f"{self.server.server_address[0]}{self.path}")  # type: ignore[index]
            if self.path == "/hop":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.2:{inner.server_port}/inside")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                body = b"<html><body><p>inside</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    outer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    inner = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (outer, inner)]
    for thread in threads:
        thread.start()
    try:
        url = f"http://127.0.0.1:{outer.server_port}/hop"
        refused = pantau("extract", url, env={"PANTAU_ALLOWED_NETWORKS": "127.0.0.1/32"})
        assert refused.returncode == 2, refused.stderr
        assert "refused 127.0.0.2: loopback address" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert hits == ["127.0.0.1/hop"]  # the redirect target was never connected to
        followed = pantau("extract", url, env={"PANTAU_ALLOWED_NETWORKS": "127.0.0.0/8"})
        assert "refused" not in followed.stderr  # the control: allowed, it is followed
        assert hits == ["127.0.0.1/hop", "127.0.0.1/hop", "127.0.0.2/inside"]
    finally:
        for server in (outer, inner):
            server.shutdown()
            server.server_close()
