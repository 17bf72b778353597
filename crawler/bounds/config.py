"""The Scrapy settings of the SSRF guard and of the bounds on hostile input.

Kept free of Twisted imports: :func:`crawler.runner.scrapy_settings.scrapy_settings` calls
it for every crawl. The components themselves are registered there, in the one ordered
table of middlewares.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from crawler.config.settings import Settings
from crawler.ssrf.policy import AddressPolicy

# Scrapy 2.19 renamed DNS_RESOLVER (the old name still works there, with a warning).
RESOLVER_SETTING = ("TWISTED_DNS_RESOLVER" if hasattr(default_settings, "TWISTED_DNS_RESOLVER")
                    else "DNS_RESOLVER")


def bounds_settings(settings: Settings) -> dict[str, Any]:
    """Size, redirect, paging and depth caps, the allowlist, and the guarded DNS resolver
    (left out when PANTAU_ALLOWED_NETWORKS is ``*``)."""
    guarded = not AddressPolicy.parse(settings.allowed_networks).allow_all
    return {
        "DOWNLOAD_MAXSIZE": settings.download_maxsize,
        "DOWNLOAD_WARNSIZE": min(settings.download_warnsize, settings.download_maxsize),
        "REDIRECT_MAX_TIMES": settings.max_redirects,
        "PANTAU_ALLOWED_NETWORKS": settings.allowed_networks,
        "PANTAU_MAX_PAGES_PER_THREAD": settings.max_pages_per_thread,
        "PANTAU_MAX_LINK_DEPTH": settings.max_link_depth,
        "PANTAU_MAX_POST_CHARS": settings.max_post_chars,
        **({RESOLVER_SETTING: "crawler.ssrf.resolver.GuardedResolver"} if guarded else {}),
    }
