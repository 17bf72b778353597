"""A phpBB-like site whose boards and topics are the bad inputs of docs/reliability.md.

The index (``/``) links every case as a board, so one crawl of the site meets them all:

==========================  =======================================================
``viewforum.php?f=1``       a normal board (topics 1, 2, 5, 6, 7)
``viewforum.php?f=2``       a list whose every page number shows the same topics
``viewforum.php?f=3``       a calendar: each month links the next one as a sub-board
``viewforum.php?f=10``      a 50 MB page streamed without Content-Length
``viewforum.php?f=11``      a 50 MB page announced by Content-Length
``viewforum.php?f=12``      a server that drips one byte a second
``viewforum.php?f=13``      a redirect loop (two URLs sending to each other)
``viewforum.php?f=14``      an endless redirect chain (hop=N -> hop=N+1)
``viewforum.php?f=17``      an image where a page was linked
``viewtopic.php?t=1``       a normal topic of 12 posts on two pages
``viewtopic.php?t=2``       mixed encodings, a NUL byte, dates in 2099, 1970 and year 1
``viewtopic.php?t=3``       a topic whose next page never ends (new posts each page)
``viewtopic.php?t=4``       a topic whose next link is itself with a new session id
``viewtopic.php?t=5``       one gigantic post (300,000 characters)
``viewtopic.php?t=6``       malformed HTML: cut off inside the third post
``viewtopic.php?t=7``       a UTF-8 page whose header says ISO-8859-1
``viewtopic.php?t=15``      a gzip bomb (64 MB of zeros in 64 KB)
``viewtopic.php?t=16``      a body that says gzip and is not
``latest.json``             a JSON API URL answered with an HTML challenge page
``api-forum/*.json``        the same, for a Discourse source (crawled on its own)
==========================  =======================================================

``StormServer`` answers everything with 503 and ``Retry-After: 1`` (link it with
``storm_url``). Streams stop when the client goes away, or when the server stops.
"""

from __future__ import annotations

import functools
import secrets
import threading
import zlib
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from crawler.demosite.model import WIB, Forum
from crawler.demosite.server import Reply, SiteServer
from tests.sites import hostile_pages as pages
from tests.sites.hostile_pages import FakePost

BIG = 50 * 1024 * 1024
BOMB = 64 * 1024 * 1024
GIANT_WORDS = 60_000
ROBOTS = "User-agent: *\nDisallow:\n"
CHALLENGE = "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>" \
            "<p>Checking your browser before accessing the site.</p></body></html>"
BOARDS = [("./viewforum.php?f=1", "Umum"), ("./viewforum.php?f=2&page=1", "Tanpa akhir"),
          ("./viewforum.php?f=3&month=1", "Kalender"), ("./viewforum.php?f=10", "50 MB"),
          ("./viewforum.php?f=11", "50 MB diumumkan"), ("./viewforum.php?f=12", "Menetes"),
          ("./viewforum.php?f=13", "Putaran"), ("./viewforum.php?f=14&hop=1", "Rantai"),
          ("./viewforum.php?f=17", "Gambar"), ("./viewtopic.php?t=3", "Topik tanpa akhir"),
          ("./viewtopic.php?t=4", "Topik berulang"), ("./viewtopic.php?t=15", "Bom gzip"),
          ("./viewtopic.php?t=16", "Gzip rusak"), ("./latest.json", "API")]
NORMAL_TOPICS = [(1, "Topik biasa"), (2, "Campuran encoding"), (5, "Satu tulisan raksasa"),
                 (6, "HTML rusak"), (7, "Header salah")]


def _when(day: int) -> str:
    return f"2024-03-{day:02d}T10:05:00+07:00"


NORMAL_POSTS = [FakePost(100 + i, "budi", _when(1 + i), f"<p>Tulisan biasa nomor {i}.</p>")
                for i in range(12)]
ENCODING_POSTS = [
    FakePost(201, "sari", _when(20), "<p>Kopi di @@CP1252@@ enak.</p>"),
    FakePost(202, "sari", _when(20), "<p>Ada @@NUL@@ di sini.</p>"),
    FakePost(203, "joko", "2099-01-01T10:00:00+07:00", "<p>Dari masa depan.</p>"),
    FakePost(204, "joko", "1970-01-01T00:00:00+00:00", "<p>Jam nol.</p>"),
    FakePost(205, "joko", "0001-01-01T00:00:00+14:00", "<p>Tahun satu.</p>"),
    FakePost(206, "joko", "bukan-tanggal", "<p>Tanggal rusak.</p>"),
]


@functools.cache
def gzip_bomb(size: int = BOMB) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1/1000 of the size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    out = [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join([*out, packer.flush()])


def _int(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    return int(values[0]) if values and values[0].isdigit() else None


class HostileServer(SiteServer):
    """The hostile site (see the module docstring); ``storm_url`` adds the storm board."""

    def __init__(self, storm_url: str = "", host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(Forum("Forum Uji", [], {}, [], datetime.now(WIB)), host, port)
        self.storm_url = storm_url
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Also end the streams still running."""
        self.stopping.set()
        super().stop()

    def respond(self, target: str, host: str) -> Reply:
        """The pages that are plain replies (the streams and redirects are in ``special``)."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        script = parts.path.rsplit("/", 1)[-1]
        html = "text/html; charset=utf-8"
        if parts.path == "/robots.txt":
            return 200, "text/plain", ROBOTS
        if parts.path.endswith(".json"):
            return 200, html, CHALLENGE
        if script in ("", "index.php") and not parts.path.startswith("/api-forum"):
            storm = [(f"{self.storm_url}viewforum.php?f=20", "Badai 503")] if self.storm_url \
                else []
            return 200, html, pages.index(BOARDS + storm)
        board, topic = _int(query, "f"), _int(query, "t")
        start = _int(query, "start") or 0
        if script == "viewforum.php" and board == 1:
            return 200, html, pages.board("Umum", NORMAL_TOPICS)
        if script == "viewforum.php" and board == 2:
            page = _int(query, "page") or 1
            return 200, html, pages.board("Tanpa akhir", NORMAL_TOPICS[:1],
                                          f"./viewforum.php?f=2&page={page + 1}")
        if script == "viewforum.php" and board == 3:
            month = (_int(query, "month") or 1) + 1
            return 200, html, pages.board(f"Kalender {month - 1}", [], None,
                                          [(f"./viewforum.php?f=3&month={month}", "Berikut")])
        if script == "viewforum.php" and board == 17:
            return 200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(4096)
        if script == "viewtopic.php" and topic is not None:
            return self._topic(topic, start)
        return 404, html, pages.frame("Tidak ada", "<p>Tidak ditemukan.</p>")

    def _topic(self, topic: int, start: int) -> Reply:
        html = "text/html; charset=utf-8"
        if topic == 1:
            later = "./viewtopic.php?t=1&start=10" if start == 0 else None
            return 200, html, pages.topic(1, "Topik biasa", NORMAL_POSTS[start:start + 10],
                                          later)
        if topic == 2:
            text = pages.topic(2, "Campuran encoding", ENCODING_POSTS).encode("utf-8")
            body = text.replace(b"@@CP1252@@", b"caf\xe9 \x93kutip\x94").replace(
                b"@@NUL@@", b"nol\x00byte")
            return 200, html, body
        if topic == 3:
            posts = [FakePost(3000 + start + i, "tono", _when(5), f"<p>Halaman {start}.</p>")
                     for i in range(10)]
            return 200, html, pages.topic(3, "Tanpa akhir", posts,
                                          f"./viewtopic.php?t=3&start={start + 10}")
        if topic == 4:
            posts = [FakePost(401, "ani", _when(6), "<p>Satu.</p>"),
                     FakePost(402, "ani", _when(6), "<p>Dua.</p>")]
            return 200, html, pages.topic(4, "Berulang", posts,
                                          f"./viewtopic.php?t=4&sid={secrets.token_hex(16)}")
        if topic == 5:
            giant = FakePost(501, "rudi", _when(7), "<p>" + "kata " * GIANT_WORDS + "</p>")
            return 200, html, pages.topic(5, "Raksasa", [giant])
        if topic == 6:
            posts = [FakePost(600 + i, "dewi", _when(8), f"<p>Isi {i} <b>tebal <i>miring</p>")
                     for i in range(1, 4)]
            full = pages.topic(6, "HTML rusak", posts)
            cut = full[:full.index('id="p603"') + 60]
            return 200, html, cut + "<div <<>> </span></table><p>\x0b<tr><td>"
        if topic == 7:
            post = FakePost(701, "eko", _when(9), "<p>Selamat pagi \u2014 se\u00f1or.</p>")
            return 200, "text/html; charset=iso-8859-1", pages.topic(7, "Header", [post])
        return 404, html, pages.frame("Tidak ada", "<p>Topik tidak ada.</p>")

    def special(self, handler: BaseHTTPRequestHandler) -> bool:
        """Answer the streams, redirects and encodings; False for ``respond``'s pages."""
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        script = parts.path.rsplit("/", 1)[-1]
        board, topic = _int(query, "f"), _int(query, "t")
        if script == "viewforum.php" and board in (10, 11):
            self._stream(handler, announce=board == 11)
        elif script == "viewforum.php" and board == 12:
            self._drip(handler)
        elif script == "viewforum.php" and board == 13:
            other = "./viewforum.php?f=13" if "x=b" in parts.query else \
                "./viewforum.php?f=13&x=b"
            _send(handler, 302, "text/html", b"", {"Location": other})
        elif script == "viewforum.php" and board == 14:
            hop = (_int(query, "hop") or 0) + 1
            _send(handler, 302, "text/html", b"", {"Location": f"./viewforum.php?f=14&hop={hop}"})
        elif script == "viewtopic.php" and topic == 15:
            _send(handler, 200, "text/html; charset=utf-8", gzip_bomb(),
                  {"Content-Encoding": "gzip"})
        elif script == "viewtopic.php" and topic == 16:
            _send(handler, 200, "text/html; charset=utf-8", b"this is not gzip at all",
                  {"Content-Encoding": "gzip"})
        else:
            return False
        return True

    def _stream(self, handler: BaseHTTPRequestHandler, announce: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length" if announce else "Transfer-Encoding",
                            str(BIG) if announce else "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>"
        for _ in range(BIG // len(chunk)):
            if self.stopping.is_set():
                return
            handler.wfile.write(chunk if announce else
                                f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        if not announce:
            handler.wfile.write(b"0\r\n\r\n")

    def _drip(self, handler: BaseHTTPRequestHandler) -> None:
        body = pages.frame("Menetes", "<p>pelan sekali</p>").encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body:
            if self.stopping.wait(1.0):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.request_log.append(self.path)
                try:
                    if not server.special(self):
                        status, kind, body = server.respond(self.path, self.headers["Host"] or "")
                        _send(self, status, kind,
                              body.encode("utf-8") if isinstance(body, str) else body, {})
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the crawler gave up: that is the point

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: requests are in ``request_log``."""

        return Handler


class BareSite(SiteServer):
    """A SiteServer whose pages come from ``respond`` alone (no forum model behind them)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(Forum(type(self).__name__, [], {}, [], datetime.now(WIB)), host, port)


class StormServer(BareSite):
    """Every page answers 503 with ``Retry-After: 1`` (robots.txt excepted)."""

    def respond(self, target: str, host: str) -> Reply:
        if target == "/robots.txt":
            return 200, "text/plain", ROBOTS
        return 503, "text/html; charset=utf-8", pages.frame("Sibuk", "<p>Coba lagi nanti.</p>")

    def headers(self, target: str) -> dict[str, str]:
        return {} if target == "/robots.txt" else {"Retry-After": "1"}


def _send(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes,
          headers: dict[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
