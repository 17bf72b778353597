"""Redis key names of the shared politeness state, and what counts as one domain."""

from __future__ import annotations

from urllib.parse import urlsplit

PREFIX = "pantau:polite"
DEFAULT_PORTS = {"http": 80, "https": 443}


def domain_of(url: str) -> str:
    """The politeness domain of ``url``: its host, plus the port when it is not the default.

    ``https://Example.org/x`` and ``http://example.org:80/`` are both ``example.org``;
    ``http://127.0.0.1:8080/`` is ``127.0.0.1:8080`` (two local test sites stay apart).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def key(domain: str, part: str) -> str:
    """The full Redis key of one piece of a domain's state, e.g. ``pantau:polite:d:slots``."""
    return f"{PREFIX}:{domain}:{part}"
