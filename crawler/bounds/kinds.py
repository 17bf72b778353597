"""What kind of failure a download exception is, for a crawl run's ``error_reasons``.

Kinds a run can record (docs/operations.md, "Crawl run statuses"): ``http``, ``network``,
``timeout``, ``too_large``, ``blocked``, ``redirect_loop``, ``trap``,
``unexpected_content``, ``date``, ``parse``, ``item``, ``storage``. This module only
classifies exceptions; it imports nothing of pantau, so the failure recorder can use it.
"""

from __future__ import annotations

from scrapy import exceptions as scrapy_exceptions
from twisted.internet import defer
from twisted.internet import error as tx_error

TIMEOUT, TOO_LARGE, NETWORK = "timeout", "too_large", "network"
# Scrapy's messages for a body over DOWNLOAD_MAXSIZE: the download handler's (announced by
# Content-Length, or counted while receiving) and the decompression middleware's.
_TOO_LARGE_MARKS = ("larger than download max size", "exceeded DOWNLOAD_MAXSIZE")


def _scrapy_exception(name: str) -> type[BaseException] | None:
    """A Scrapy exception class that newer versions have (2.13 raises Twisted's instead)."""
    found = getattr(scrapy_exceptions, name, None)
    return found if isinstance(found, type) else None


_TIMEOUTS: tuple[type[BaseException], ...] = tuple(
    t for t in (_scrapy_exception("DownloadTimeoutError"), tx_error.TimeoutError,
                defer.TimeoutError) if t is not None)
# Scrapy's HTTP/1.1 handler cancels a download whose body grows past DOWNLOAD_MAXSIZE while
# it arrives (no Content-Length, or a wrong one): the exception then carries no message.
_CANCELLED: tuple[type[BaseException], ...] = tuple(
    t for t in (_scrapy_exception("DownloadCancelledError"), defer.CancelledError)
    if t is not None)


def failure_kind(exception: BaseException) -> str:
    """The error kind of a download that ended in ``exception``.

    An exception class may name its own kind (``error_kind``, e.g. the SSRF guard's
    ``blocked``); timeouts are ``timeout``; a body over the size cap is ``too_large``;
    everything else is ``network``.
    """
    own = getattr(exception, "error_kind", None)
    if isinstance(own, str):
        return own
    if isinstance(exception, _TIMEOUTS):
        return TIMEOUT
    message = str(exception)
    if any(mark in message for mark in _TOO_LARGE_MARKS) or (
            isinstance(exception, _CANCELLED) and not message):
        return TOO_LARGE
    return NETWORK


def describe(exception: BaseException) -> tuple[str, str]:
    """``(kind, message)`` of a failed download, as a run's ``error_reasons`` shows it."""
    name = type(exception).__name__
    kind = failure_kind(exception)
    detail = str(exception)
    if not detail and kind == TOO_LARGE:
        detail = "the body grew past DOWNLOAD_MAXSIZE (PANTAU_DOWNLOAD_MAXSIZE) while it " \
                 "arrived; download cancelled"
    return kind, f"{name}: {detail or name}"
