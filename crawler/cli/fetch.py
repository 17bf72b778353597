"""One page fetched for the CLI (``pantau extract URL``, engine detection of ``pantau crawl URL``).

Crawls fetch through Scrapy; these single requests use the standard library with the same
identity, office network and safety settings: the User-Agent, the proxy (unless ``no_proxy``
matches), the CA bundle, and the SSRF guard's allowlist (checked for the URL and every
redirect).
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from crawler.cli.errors import UserError
from crawler.config.settings import Settings
from crawler.extract.engines import Page
from crawler.i18n import say
from crawler.network import bypasses_proxy, redact_credentials
from crawler.ssrf.policy import AddressPolicy, resolve_host

MAX_BYTES = 20 * 1024 * 1024


def guard(url: str, policy: AddressPolicy) -> None:
    """The SSRF guard of the crawls (crawler/ssrf) for one URL: refused -> UserError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UserError(say("not_url", url=url), say("not_url_hint"))
    host = parts.hostname or ""
    try:
        addresses = resolve_host(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as err:
        raise UserError(say("cannot_resolve", host=host, error=err), say("check_address"),
                        code=1) from None
    reason = policy.refusal(host, addresses)
    if reason:
        raise UserError(reason, say("ssrf_hint"))


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Every redirect target passes the guard too."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        guard(newurl, self.policy)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_page(url: str, settings: Settings) -> Page:
    """GET ``url``; a network failure or an HTTP error status is a UserError naming it."""
    policy = AddressPolicy.parse(settings.allowed_networks)
    guard(url, policy)
    host = urlsplit(url).hostname or ""
    handlers: list[urllib.request.BaseHandler] = [_GuardedRedirects(policy)]
    proxies: dict[str, str] = {}
    if not bypasses_proxy(host, settings.no_proxy):
        http = settings.http_proxy.get_secret_value() if settings.http_proxy else None
        https = settings.https_proxy.get_secret_value() if settings.https_proxy else http
        proxies = {k: v for k, v in (("http", http), ("https", https)) if v}
    handlers.append(urllib.request.ProxyHandler(proxies))
    if settings.ca_bundle is not None:
        handlers.append(urllib.request.HTTPSHandler(
            context=ssl.create_default_context(cafile=str(settings.ca_bundle))))
    opener = urllib.request.build_opener(*handlers)
    # the scheme is checked above: only http(s) is opened
    request = urllib.request.Request(url, headers={  # noqa: S310
        "User-Agent": settings.user_agent, "Accept": "text/html,application/json,*/*"})
    try:
        with opener.open(request, timeout=settings.download_timeout) as response:
            body = response.read(MAX_BYTES + 1)
            headers = dict(response.headers.items())
            final_url, status = response.geturl(), response.status
    except urllib.error.HTTPError as err:
        raise UserError(say("http_error", url=url, code=err.code, reason=err.reason),
                        say("http_error_hint"), code=1) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise UserError(say("cannot_fetch", url=redact_credentials(url), reason=reason),
                        say("cannot_fetch_hint"), code=1) from None
    if len(body) > MAX_BYTES:
        raise UserError(say("too_large", url=url, mb=MAX_BYTES // 2**20), code=1)
    return Page.from_bytes(final_url, body, headers, status)
