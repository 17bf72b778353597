"""Scrapy's redirect and decompression middlewares, recording what they drop.

Scrapy raises ``IgnoreRequest`` from ``process_response`` when a redirect chain is too long or
a compressed body inflates past DOWNLOAD_MAXSIZE (a zip bomb). Exceptions raised there skip
every other middleware's ``process_exception``, so the failure recorder never sees them and
the crawl run would not say why pages are missing. These subclasses take the places of
Scrapy's own (same orders) and record each drop first: ``redirect_loop`` for too many
redirects and for a redirect back to a URL of the same chain (which Scrapy's duplicate filter
would otherwise drop without a word), ``too_large`` for a decompression bomb,
``unexpected_content`` for a body its Content-Encoding cannot decode.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.extract.urls import canonicalize_url
from crawler.middlewares import record_error

REDIRECT_LOOP, TOO_LARGE, UNEXPECTED = "redirect_loop", "too_large", "unexpected_content"


class RedirectLoop(IgnoreRequest):
    """A redirect to a URL its own chain already visited."""

    error_kind = REDIRECT_LOOP


def _loop_target(request: Request, result: Request | Response) -> str | None:
    """The redirect target when it goes back to a URL of the chain, else None."""
    if not isinstance(result, Request):
        return None
    chain = {canonicalize_url(url) for url in (*request.meta.get("redirect_urls", ()),
                                                request.url)}
    target = canonicalize_url(result.url)
    return target if target in chain else None


class _RecordedRedirects:
    """What both redirect middlewares add: loops and over-long chains are recorded."""

    crawler: Any
    max_redirect_times: int

    def _bounded(self, request: Request, response: Response,
                 result: Request | Response | None) -> Request | Response:
        if result is None:  # super() raised: the chain is longer than REDIRECT_MAX_TIMES
            message = (f"more than {self.max_redirect_times} redirects (REDIRECT_MAX_TIMES, "
                       f"PANTAU_MAX_REDIRECTS); the chain had reached {request.url}")
            record_error(self.crawler.stats, REDIRECT_LOOP, request.url, message)
            raise IgnoreRequest(message)
        target = _loop_target(request, result)
        if target is not None:
            message = f"redirect loop: {request.url} sends back to {target}"
            record_error(self.crawler.stats, REDIRECT_LOOP, request.url, message)
            raise RedirectLoop(message)
        return result


class BoundedRedirects(_RecordedRedirects, RedirectMiddleware):
    """RedirectMiddleware that records redirect loops and chains over REDIRECT_MAX_TIMES."""

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Request | Response:
        try:
            result: Request | Response | None = super().process_response(request, response)
        except IgnoreRequest:
            result = None
        return self._bounded(request, response, result)


class BoundedMetaRefresh(_RecordedRedirects, MetaRefreshMiddleware):
    """MetaRefreshMiddleware (``<meta http-equiv=refresh>``) with the same records."""

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Request | Response:
        try:
            result: Request | Response | None = super().process_response(request, response)
        except IgnoreRequest:
            result = None
        return self._bounded(request, response, result)


class BoundedDecompression(HttpCompressionMiddleware):
    """HttpCompressionMiddleware (which stops inflating at DOWNLOAD_MAXSIZE) that records
    a decompression bomb as ``too_large`` and an undecodable body as ``unexpected_content``."""

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as err:  # only raised for DOWNLOAD_MAXSIZE
            record_error(self.stats, TOO_LARGE, request.url, str(err))
            raise
        except (OSError, EOFError, ValueError, struct.error, zlib.error) as err:
            encoding = b",".join(response.headers.getlist("Content-Encoding")).decode(
                "latin-1", "replace")
            message = (f"the body cannot be decoded as Content-Encoding {encoding}: "
                       f"{type(err).__name__}: {err}")
            record_error(self.stats, UNEXPECTED, request.url, message)
            raise IgnoreRequest(message) from err
