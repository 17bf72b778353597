"""Scrapy settings of a rendered crawl: scrapy-playwright driving the system Chromium.

Only crawls whose spec has a `render` block get them (``browser_settings`` returns nothing
otherwise), so a plain crawl never loads Playwright. Every crawl runs in its own process with
the asyncio reactor already (crawler.runner.scrapy_settings), which scrapy-playwright needs.
Chromium is the executable at PANTAU_CHROMIUM_PATH, never a downloaded one (no
``playwright install``), headless, sandboxed unless running as root (Chromium's sandbox
cannot run as root; Playwright then passes ``--no-sandbox``). Contexts and pages are capped
(PANTAU_BROWSER_MAX_CONTEXTS, PANTAU_BROWSER_MAX_PAGES). Pages do not load images, media or
fonts (nothing reads them, and the cluster's politeness limits count only page loads), nor
anything at an address the SSRF guard refuses (crawler.runner.playwright_handler); service
workers, which would fetch past that check, are blocked.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from crawler.config.settings import Settings
from crawler.runner.spec import CrawlSpec

PLAYWRIGHT_HANDLER = "crawler.runner.playwright_handler.SharedPlaywrightHandler"
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})  # resource types never loaded


def launch_options(settings: Settings) -> dict[str, Any]:
    """Playwright's launch options for the system Chromium (and the office proxy, if any)."""
    options: dict[str, Any] = {
        "executable_path": str(settings.chromium_path),
        "headless": True,
        # Chromium's sandbox cannot run as root; Playwright then passes --no-sandbox.
        "chromium_sandbox": os.geteuid() != 0,
        # WebRTC's UDP would pass by every proxy, the SSRF guard's too (a page's script
        # could send STUN packets into the office network)
        "args": ["--force-webrtc-ip-handling-policy=disable_non_proxied_udp"],
    }
    proxy = settings.https_proxy or settings.http_proxy
    if proxy is not None:
        parts = urlsplit(proxy.get_secret_value())
        server = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        options["proxy"] = {"server": server, "bypass": settings.no_proxy,
                            **({"username": parts.username} if parts.username else {}),
                            **({"password": parts.password} if parts.password else {})}
    return options


def browser_settings(settings: Settings, spec: CrawlSpec) -> dict[str, Any]:
    """The scrapy-playwright settings of ``spec``'s crawl; empty unless it is rendered."""
    if spec.render is None:
        return {}
    timeout_s = float(spec.render.get("timeout", 30))
    return {
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch_options(settings),
        # One context, started with the crawl. Without a CA bundle Scrapy verifies no
        # certificate, and neither does the browser; with one, Chromium checks against the
        # system's store (docs/operations.md, "Rendered pages").
        "PLAYWRIGHT_CONTEXTS": {"default": {"ignore_https_errors": settings.ca_bundle is None,
                                            "service_workers": "block"}},
        "PLAYWRIGHT_MAX_CONTEXTS": settings.browser_max_contexts,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": settings.browser_max_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_s * 1000,
    }
