"""What ``pantau flower`` checks and changes before Flower starts: exposure, password, /metrics.

Flower has no authentication of its own by default, listens on every interface unless told
otherwise, and serves ``/metrics`` without authentication even when basic auth is on. pantau
therefore binds it to 127.0.0.1 by default, refuses any other address without a password
(``PANTAU_FLOWER_BASIC_AUTH``), and puts ``/metrics`` behind the same authentication as the
pages (:func:`protect_metrics`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from typing import Any

# Flower's task list: its defaults plus args (source=... region=... run=...) and result
# (a running crawl's progress line, or the final summary)
TASK_COLUMNS = "name,uuid,state,args,result,received,started,runtime,worker"
EXPOSURE_HINT = ("set PANTAU_FLOWER_BASIC_AUTH=user:password (e.g. admin:$(openssl rand -hex 16)),"
                 " or keep --address 127.0.0.1 and reach Flower through an SSH tunnel")


class FlowerRefused(Exception):
    """Flower must not start as asked; ``hint`` says what to do instead."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def is_loopback(address: str) -> bool:
    """True for ``localhost`` and loopback IP addresses; False for '' (every interface)."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or '': it may be reachable from elsewhere


def parse_basic_auth(value: str, name: str = "PANTAU_FLOWER_BASIC_AUTH") -> list[str]:
    """The ``user:password`` pairs of ``value`` (comma-separated); never echoes a password."""
    pairs = [pair.strip() for pair in value.split(",")]
    for number, pair in enumerate(pairs, start=1):
        user, colon, password = pair.partition(":")
        if not colon or not user.strip() or not password:
            which = f"entry {number}" if len(pairs) > 1 else "it"
            raise FlowerRefused(
                f"{name} must be user:password (several separated by commas); {which} is not",
                "a password cannot contain a comma; e.g. admin:$(openssl rand -hex 16)")
    return pairs


def _option(args: Sequence[str], *names: str) -> bool:
    """Whether Flower options ``names`` (either spelling) appear among ``args``."""
    wanted = {n.replace("-", "_") for n in names}
    return any(a.startswith("--") and a[2:].partition("=")[0].replace("-", "_") in wanted
               for a in args)


def check_exposure(address: str, credentials: list[str], extra_args: Sequence[str]) -> None:
    """Raise :class:`FlowerRefused` when Flower would be open beyond this machine.

    Beyond loopback (or on a Unix socket, which Flower makes world-writable) Flower needs
    basic auth from the environment, or Flower's own OAuth (``--auth``). A password on the
    command line is refused: every user of the machine can read it in the process list.
    """
    if _option(extra_args, "basic_auth"):
        raise FlowerRefused("a password on the command line is readable by every user (ps)",
                            "put it in PANTAU_FLOWER_BASIC_AUTH=user:password instead")
    exposed = not is_loopback(address) or _option(extra_args, "unix_socket")
    if exposed and not credentials and not _option(extra_args, "auth"):
        where = f"on {address or 'every interface'}"
        raise FlowerRefused(f"Flower would listen {where} without a password", EXPOSURE_HINT)


def credentials_from(configured: str | None) -> list[str]:
    """Basic-auth pairs from ``PANTAU_FLOWER_BASIC_AUTH``, else Flower's ``FLOWER_BASIC_AUTH``."""
    if configured:
        return parse_basic_auth(configured)
    own = os.environ.get("FLOWER_BASIC_AUTH", "")
    return parse_basic_auth(own, "FLOWER_BASIC_AUTH") if own else []


def flower_argv(address: str, port: int, extra_args: Sequence[str]) -> list[str]:
    """The ``celery`` arguments that start Flower (``app.start(argv)``)."""
    argv = ["flower", f"--address={address}", f"--port={port}"]
    if "FLOWER_TASKS_COLUMNS" not in os.environ and not _option(extra_args, "tasks_columns"):
        argv.append(f"--tasks_columns={TASK_COLUMNS}")
    return [*argv, *extra_args]


def _route_path(handler: Any) -> str | None:
    if isinstance(handler, tuple):
        return str(handler[0])
    regex = getattr(handler, "regex", None)
    return regex.pattern.rstrip("$") if regex is not None else None


def _route_target(handler: Any) -> Any:
    return handler[1] if isinstance(handler, tuple) else getattr(handler, "handler_class", None)


def protect_metrics() -> None:
    """Serve Flower's ``/metrics`` only to authenticated clients (this process only).

    Flower's ``Metrics.get`` is wrapped in Tornado's ``authenticated``, like its pages: a
    request without valid basic auth gets 401. A Flower release that routes ``/metrics``
    elsewhere is refused rather than started with the endpoint open.
    """
    from flower import urls
    from flower.views.monitor import Metrics
    from tornado import web

    targets = [_route_target(h) for h in urls.handlers if _route_path(h) == "/metrics"]
    if not targets or any(t is not Metrics for t in targets):
        raise FlowerRefused("this Flower release serves /metrics in a way pantau cannot protect",
                            "install the Flower version pinned in pyproject.toml")
    if not getattr(Metrics.get, "_pantau_protected", False):
        protected = web.authenticated(Metrics.get)
        protected._pantau_protected = True  # type: ignore[attr-defined]
        Metrics.get = protected
