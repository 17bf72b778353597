"""Shared parsing helpers for spiders: canonical URLs, localized dates, post text and quotes."""

from __future__ import annotations

from crawler.extract.dates import parse_forum_date
from crawler.extract.text import BodyParts, extract_body
from crawler.extract.urls import SESSION_PARAMS, canonicalize_url, query_param, site_key

__all__ = [
    "SESSION_PARAMS",
    "BodyParts",
    "canonicalize_url",
    "extract_body",
    "parse_forum_date",
    "query_param",
    "site_key",
]
