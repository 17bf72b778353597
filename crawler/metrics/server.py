"""The /metrics endpoint: a small threaded HTTP server, with basic auth beyond loopback.

On a loopback address (the default 127.0.0.1) the endpoint is open, as Prometheus
exporters usually are. Listening anywhere else needs ``PANTAU_METRICS_BASIC_AUTH``
(``user:password``): the metrics name every source and region being watched, which is
itself worth protecting. Unlike Flower's, this endpoint does not skip auth for /metrics.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import socket
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from crawler.network import is_loopback

REALM = "pantau metrics"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class InsecureBind(ValueError):
    """Listening beyond loopback without a password; ``str()`` is one line for the user."""


def require_auth_beyond_loopback(host: str, basic_auth: str | None) -> None:
    """Raise :class:`InsecureBind` for a non-loopback host without credentials."""
    if not is_loopback(host) and not basic_auth:
        raise InsecureBind(f"refusing to serve metrics on {host} without a password")


def metrics_app(registry: CollectorRegistry, basic_auth: str | None = None) -> WSGIApp:
    """WSGI app: ``/metrics`` (Prometheus text or OpenMetrics), ``/`` a pointer to it."""
    prometheus = make_wsgi_app(registry)
    expected = basic_auth.encode() if basic_auth else None

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if expected is not None and not _authorized(environ, expected):
            start_response("401 Unauthorized", [
                ("WWW-Authenticate", f'Basic realm="{REALM}"'),
                ("Content-Type", "text/plain; charset=utf-8")])
            return [b"401: credentials required\n"]
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return prometheus(environ, start_response)
        if path == "/":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"pantau metrics: see /metrics\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"404: only /metrics is served here\n"]

    return app


def _authorized(environ: dict[str, Any], expected: bytes) -> bool:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would flood the log."""


class _Server(ThreadingWSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_metrics_server(registry: CollectorRegistry, host: str, port: int,
                        basic_auth: str | None = None) -> ThreadingWSGIServer:
    """A bound server (call ``serve_forever()``); port 0 picks a free port.

    Raises :class:`InsecureBind` (see :func:`require_auth_beyond_loopback`) and OSError
    when the address cannot be bound.
    """
    require_auth_beyond_loopback(host, basic_auth)
    server_class = _Server6 if ":" in host else _Server
    return make_server(host.strip("[]"), port, metrics_app(registry, basic_auth),
                       server_class=server_class, handler_class=_QuietHandler)
