"""Identity and office networks: the operator's contact, an outbound proxy, a custom CA bundle.

``require_contact`` is the one rule for the User-Agent (checked by ``pantau crawl`` and the
crawl task); ``ProxyMiddleware`` is the Scrapy component that ``crawler.runner.scrapy_settings``
switches on when ``PANTAU_HTTP_PROXY`` or ``PANTAU_HTTPS_PROXY`` is set (``crawler.tls`` holds
the one for ``PANTAU_CA_BUNDLE``), ``BindAddressMiddleware`` the one for
``PANTAU_BIND_ADDRESS``. Scrapy is imported lazily: the CLI imports this module.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

PROJECT_URL = "https://github.com/pantau-crawler/pantau"
CONTACT_EXAMPLE = "'pantau/0.1 (+https://diskominfo.kalteng.go.id/pantau; humas@kalteng.go.id)'"
CONTACT_HINT = ("put your office's contact (a web address or an e-mail) in PANTAU_USER_AGENT, "
                f"e.g. {CONTACT_EXAMPLE}")
DEFAULT_NO_PROXY = "localhost,127.0.0.0/8,::1"
_PROXY_DECIDED_FOR = "pantau_proxy_host"  # request.meta: the host ProxyMiddleware chose for

_CONTACT_URL = re.compile(r"https?://[^\s;()<>]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)


class MissingContact(ValueError):
    """A crawl beyond loopback was asked for, but the User-Agent names no operator contact."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ::1."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def has_contact(user_agent: str) -> bool:
    """True when the User-Agent holds an e-mail address or a web address other than pantau's."""
    if _EMAIL.search(user_agent):
        return True
    urls = (u.rstrip(".,").rstrip("/").lower() for u in _CONTACT_URL.findall(user_agent))
    return any(u != PROJECT_URL and not u.startswith(PROJECT_URL + "/") for u in urls)


def require_contact(user_agent: str, url: str) -> None:
    """Raise :class:`MissingContact` unless ``url`` is on loopback or the UA names a contact."""
    host = urlsplit(url).hostname or ""
    if is_loopback(host) or has_contact(user_agent):
        return
    raise MissingContact(
        f"PANTAU_USER_AGENT names no contact of the operator, required to crawl {host}")


def redact_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it replaced by ``***@``."""
    return _URL_CREDENTIALS.sub(r"\g<head>***@", text)


def bypasses_proxy(host: str, no_proxy: str) -> bool:
    """True when ``host`` matches ``no_proxy``: ``*``, a host, a domain (``.go.id`` or
    ``go.id``: itself and its subdomains), an IP address or a network (CIDR)."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                    return True
            except ValueError:
                pass
            continue
        domain = entry.lstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


class ProxyMiddleware:
    """Downloader middleware: ``meta['proxy']`` from PANTAU_HTTP_PROXY/PANTAU_HTTPS_PROXY.

    Registered before Scrapy's HttpProxyMiddleware (750), which moves the URL's credentials
    into a Proxy-Authorization header and strips them from ``meta['proxy']``, so no later
    message names them. Hosts matching PANTAU_NO_PROXY get ``meta['proxy'] = None``: with
    pantau's proxy configured, the worker's ``http_proxy`` environment variables play no part.
    """

    def __init__(self, proxies: dict[str, str], no_proxy: str) -> None:
        self.proxies = proxies
        self.no_proxy = no_proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        from scrapy.exceptions import NotConfigured

        http = crawler.settings.get("PANTAU_HTTP_PROXY")
        https = crawler.settings.get("PANTAU_HTTPS_PROXY") or http
        if not http and not https:
            raise NotConfigured("no PANTAU_HTTP_PROXY or PANTAU_HTTPS_PROXY")
        proxies = {k: v for k, v in (("http", http), ("https", https)) if v}
        return cls(proxies, crawler.settings.get("PANTAU_NO_PROXY", DEFAULT_NO_PROXY))

    def proxy_for(self, url: str) -> str | None:
        """The proxy URL for a request to ``url``, or None to connect directly."""
        parts = urlsplit(url)
        if parts.hostname is None or bypasses_proxy(parts.hostname, self.no_proxy):
            return None
        return self.proxies.get(parts.scheme)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        # A spider's own choice wins. A redirect carries the meta of the request it came
        # from: when it leads to another host, this middleware's earlier choice is redone
        # (a redirect from a PANTAU_NO_PROXY site to the Internet goes through the proxy).
        host = urlsplit(request.url).hostname
        decided = request.meta.get(_PROXY_DECIDED_FOR)
        if "proxy" not in request.meta or (decided is not None and decided != host):
            request.meta["proxy"] = self.proxy_for(request.url)
            request.meta[_PROXY_DECIDED_FOR] = host


class BindAddressMiddleware:
    """Downloader middleware: connections leave from PANTAU_BIND_ADDRESS.

    Sets ``meta['bindaddress']``, which Scrapy's HTTP/1.1 handler passes to the TCP connect
    (a spider's own choice wins). A machine with several addresses can so pick the one a
    site sees; tests tell workers apart by it (127.0.0.2, 127.0.0.3, ...).
    """

    def __init__(self, address: str) -> None:
        self.address = address

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BindAddressMiddleware:
        from scrapy.exceptions import NotConfigured

        address = crawler.settings.get("PANTAU_BIND_ADDRESS")
        if not address:
            raise NotConfigured("no PANTAU_BIND_ADDRESS")
        return cls(str(address))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.meta.setdefault("bindaddress", (self.address, 0))
