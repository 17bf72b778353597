"""The demo forum with a server-side request log: client address, start, end and status.

Workers are told apart by their source address (PANTAU_BIND_ADDRESS 127.0.0.2, .3, ...).
The log is what the site saw, so limits are checked on it rather than on what clients say.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from crawler.demosite import DemoForumServer, Forum


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it (monotonic seconds)."""

    start: float
    end: float
    client: str
    path: str
    status: int

    @property
    def page(self) -> tuple[str, ...]:
        """The page a request is for: script plus its ``f``/``t``/``start`` (no session id)."""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        return (parts.path, *(f"{k}={query[k][0]}" for k in ("f", "t", "start") if k in query))


class LoggedForumServer(DemoForumServer):
    """The demo forum, logging every request; optionally slow, throttling once, own robots.

    ``hold(path)`` is how long the server takes for a page; ``throttle(hits)`` is asked
    before each page and, when it says so, that one request gets ``429`` with
    ``Retry-After: retry_after``.
    """

    def __init__(self, forum: Forum, *, robots: str | None = None,
                 hold: Callable[[str], float] | None = None,
                 throttle: Callable[[list[Hit]], bool] | None = None,
                 retry_after: int = 2) -> None:
        self.robots = robots
        self.hold = hold
        self.throttle = throttle
        self.retry_after = retry_after
        self.hits: list[Hit] = []
        self.throttled: Hit | None = None
        self.hits_lock = threading.Lock()
        super().__init__(forum)

    def respond(self, target: str, host: str) -> tuple[int, str, str | bytes]:
        if self.robots is not None and urlsplit(target).path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", self.robots
        return super().respond(target, host)

    def log(self) -> list[Hit]:
        """Every request so far, by start time."""
        with self.hits_lock:
            return sorted(self.hits, key=lambda h: h.start)

    def _record(self, hit: Hit) -> None:
        with self.hits_lock:
            self.hits.append(hit)
            if hit.status == 429:
                self.throttled = hit

    def _throttle_now(self) -> bool:
        with self.hits_lock:
            if self.throttle is None or self.throttled is not None:
                return False
            if self.throttle(list(self.hits)):
                self.throttled = Hit(0, 0, "", "", 429)  # taken: only one 429
                return True
            return False

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self
        base = super()._handler_class()

        class Logged(base):  # type: ignore[valid-type,misc]
            status = 0

            def send_response(self, code: int, message: str | None = None) -> None:
                self.status = code
                super().send_response(code, message)

            def do_GET(self) -> None:
                start = time.monotonic()
                robots = urlsplit(self.path).path == "/robots.txt"
                if not robots and server._throttle_now():
                    self.send_response(429)
                    self.send_header("Retry-After", str(server.retry_after))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    if not robots and server.hold is not None:
                        time.sleep(server.hold(self.path))
                    super().do_GET()
                self.wfile.flush()
                server._record(Hit(start, time.monotonic(), self.client_address[0], self.path,
                                   self.status))

        return Logged


def max_in_window(starts: list[float], seconds: float) -> int:
    """The most request starts in any window of ``seconds``."""
    ordered = sorted(starts)
    best, low = 0, 0
    for high, t in enumerate(ordered):
        while ordered[low] <= t - seconds:
            low += 1
        best = max(best, high - low + 1)
    return best


def max_overlap(hits: list[Hit]) -> int:
    """The most requests the server was serving at once."""
    events = sorted([(h.start, 1) for h in hits] + [(h.end, -1) for h in hits])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak
