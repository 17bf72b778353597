"""User mistakes and unreachable services become one clear line plus a hint, never a traceback.

The line and its prefixes (``galat:``/``saran:``, ``error:``/``hint:``) are in the command's
language (crawler.i18n.cli_lang); messages of library exceptions (a sources file's mistake,
an engine not detected) are English.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console

from crawler.authors import MissingPseudonymKey
from crawler.config.sources import ConfigError
from crawler.embedded import EmbeddedServiceError
from crawler.i18n import reset_lang, say
from crawler.storage.access import AccessError
from crawler.storage.audit import AuditUnavailable
from crawler.storage.db import DatabaseUnavailable

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class UserError(Exception):
    """A problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None, code: int = 2) -> None:
        super().__init__(message)
        self.hint = hint
        self.code = code


def _describe(exc: BaseException) -> tuple[str, str | None, int] | None:
    """Message, hint and exit code for the exceptions a user can cause, else None."""
    import pydantic
    import redis

    if isinstance(exc, UserError):
        return str(exc), exc.hint, exc.code
    if isinstance(exc, AccessError):
        return str(exc), exc.hint, 2
    if isinstance(exc, AuditUnavailable):
        return str(exc), say("audit_hint"), 1
    if isinstance(exc, ConfigError):
        return str(exc), say("config_hint"), 2
    if isinstance(exc, DatabaseUnavailable):
        return str(exc), say("database_hint"), 1
    if isinstance(exc, MissingPseudonymKey):
        return str(exc), None, 2
    if isinstance(exc, redis.ConnectionError | ConnectionRefusedError):
        return say("redis_unreachable", error=exc), say("redis_hint"), 1
    if isinstance(exc, EmbeddedServiceError):
        return say("embedded_failed", error=exc), say("embedded_hint"), 1
    if isinstance(exc, pydantic.ValidationError) and exc.title == "Settings":
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        name = f"PANTAU_{field.upper()}" if field else "settings"
        message = first["msg"].removeprefix("Value error, ")
        return f"{name}: {message}", say("settings_hint"), 2
    return None


def run_guarded(entry: Callable[[], object]) -> None:
    """Run the CLI; known failures print one line (and a hint) and exit non-zero."""
    reset_lang()
    try:
        entry()
    except KeyboardInterrupt:
        err_console.print(f"[yellow]{say('interrupted')}[/]")
        sys.exit(130)
    except Exception as exc:
        described = _describe(exc)
        if described is None:
            raise
        message, hint, code = described
        err_console.print(f"[bold red]{say('error_prefix')}:[/] {message}")
        if hint:
            err_console.print(f"[dim]{say('hint_prefix')}:[/] {hint}")
        sys.exit(code)
