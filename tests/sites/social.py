"""The base of the social platforms' mock servers: a SiteServer that also answers POST and
sees request headers (Reddit's token endpoint and bearer tokens), with JSON helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from crawler.demosite.server import ROBOTS_TXT, SiteServer

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
# When the mocks' items were posted: fixed, so ground truths are the same on every run.
EPOCH = datetime(2024, 11, 1, 6, 0, tzinfo=UTC)

Answer = tuple[int, str, str | bytes, dict[str, str]]  # status, type, body, extra headers


def at(minutes: int) -> datetime:
    """``EPOCH`` plus ``minutes``."""
    return EPOCH + timedelta(minutes=minutes)


def iso_z(when: datetime) -> str:
    """``2024-11-01T06:00:00.000Z``, as Mastodon and Bluesky write times."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def json_answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    """A JSON response."""
    return status, JSON_TYPE, json.dumps(data, ensure_ascii=False), headers or {}


class SocialServer(SiteServer):
    """A fixture site whose ``answer`` sees the method, target, request headers and body.

    ``model`` holds the platform's content; hold ``lock`` while changing it. Every request is
    logged as its target (GET) or ``POST target``.
    """

    def __init__(self, model: Any, prefix: str = "/") -> None:
        super().__init__(model, prefix=prefix)
        self.model = model

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """The response to one request; subclasses implement it."""
        raise NotImplementedError

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.request_log.append(self.path if method == "GET" else
                                          f"{method} {self.path}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == "/robots.txt":
                    status, kind, data, extra = 200, "text/plain", ROBOTS_TXT, {}
                else:
                    with server.lock:
                        status, kind, data, extra = server.answer(method, self.path, headers,
                                                                  body)
                raw = data.encode("utf-8") if isinstance(data, str) else data
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(raw)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: requests are in ``request_log``."""

        return Handler

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self.url.rstrip("/") if self.prefix == "/" else self.url[: -len(self.prefix)]
