"""The demo forum over HTTP: a stdlib ThreadingHTTPServer on 127.0.0.1 in a background thread."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from crawler.demosite.model import POSTS_PER_PAGE, TOPICS_PER_PAGE, Forum
from crawler.demosite.render import page, render_index, render_viewforum, render_viewtopic

ROBOTS_TXT = "User-agent: *\nDisallow:\n"


class RequestLog:
    """A thread-safe list of the request paths (with query) the server answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: list[str] = []

    def append(self, path: str) -> None:
        """Record one request path."""
        with self._lock:
            self._paths.append(path)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._paths.clear()

    def snapshot(self) -> list[str]:
        """A copy of the recorded paths, oldest first."""
        with self._lock:
            return list(self._paths)

    def __len__(self) -> int:
        with self._lock:
            return len(self._paths)

    def __iter__(self) -> Iterator[str]:
        return iter(self.snapshot())


def _int(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values or not values[0].isdigit():
        return None
    return int(values[0])


def _clamp(start: int, total: int, per_page: int) -> int:
    """phpBB's validate_start: a start past the end shows the last page."""
    last = max(0, (total - 1) // per_page * per_page)
    return min(start - start % per_page, last)


Reply = tuple[int, str, str | bytes]  # status, Content-Type, body (str is sent as UTF-8)


class SiteServer:
    """A fixture web site on 127.0.0.1 in a daemon thread: subclasses implement ``respond``.

    Use as a context manager; ``url`` is the base URL (ending in ``/``), ``forum`` may be
    replaced or mutated between crawls (hold ``lock``), ``request_log`` records every request
    path with its query.
    """

    def __init__(self, forum: Forum, host: str = "127.0.0.1", port: int = 0,
                 prefix: str = "/") -> None:
        self.forum = forum
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        self.request_log = RequestLog()
        self.lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The site's base URL, e.g. ``http://127.0.0.1:40123/``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    def start(self) -> Self:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name=type(self).__name__)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def respond(self, target: str, host: str) -> Reply:
        """Status, content type and body for a request target such as ``/viewtopic.php?t=5``."""
        raise NotImplementedError

    def headers(self, target: str) -> dict[str, str]:
        """Extra response headers for ``target`` (e.g. an API's paging headers)."""
        del target
        return {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.request_log.append(self.path)
                status, content_type, body = server.respond(self.path, self.headers["Host"] or "")
                data = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in server.headers(self.path).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: requests are in ``request_log``."""

        return Handler


class DemoForumServer(SiteServer):
    """Serves a :class:`Forum` like phpBB 3.2 prosilver with cookie-less ``sid`` links."""

    def respond(self, target: str, host: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT
        if not parts.path.startswith(self.prefix):
            return self._not_found()
        script = parts.path[len(self.prefix):]
        query = parse_qs(parts.query)
        sid = secrets.token_hex(16)
        forum = self.forum
        now = datetime.now(forum.timezone)
        start = _int(query, "start") or 0
        with self.lock:
            if script in ("", "index.php"):
                return self._ok(render_index(forum, sid, now))
            if script == "viewforum.php":
                board = forum.board(_int(query, "f") or -1)
                if board is None:
                    return self._not_found()
                start = _clamp(start, len(forum.topics(board.forum_id)), TOPICS_PER_PAGE)
                return self._ok(render_viewforum(forum, board, start, sid, now))
            if script == "viewtopic.php":
                return self._viewtopic(query, start, sid, now, f"http://{host}{self.prefix}")
            if script == "memberlist.php":
                user = next((u for u in forum.users if u.user_id == _int(query, "u")), None)
                if user is None:
                    return self._not_found()
                return self._ok(page(forum, f"Profil {user.name}",
                                     f"<h2>Profil {escape(user.name)}</h2>", sid))
        return self._not_found()

    def _viewtopic(self, query: dict[str, list[str]], start: int, sid: str, now: datetime,
                   base_url: str) -> tuple[int, str, str]:
        forum = self.forum
        thread = forum.threads.get(_int(query, "t") or -1)
        post_id = _int(query, "p")
        if post_id is not None:
            try:
                thread, index = forum.locate(post_id)
            except KeyError:
                return self._not_found()
            start = index - index % POSTS_PER_PAGE
        if thread is None:
            return self._not_found()
        start = _clamp(start, len(thread.posts), POSTS_PER_PAGE)
        return self._ok(render_viewtopic(forum, thread, start, sid, now, base_url))

    @staticmethod
    def _ok(body: str) -> tuple[int, str, str]:
        return 200, "text/html; charset=UTF-8", body

    def _not_found(self) -> tuple[int, str, str]:
        body = page(self.forum, "Informasi", "<h2>Informasi</h2><p>Halaman tidak ditemukan.</p>",
                    secrets.token_hex(16))
        return 404, "text/html; charset=UTF-8", body
