"""The SSRF guard at connect time: Scrapy's DNS resolver, refusing non-public answers.

``SsrfGuard`` checks a request's host before the download starts; the connection then
resolves the name again. A name whose answer changes in between (DNS rebinding: public for
the check, 10.0.0.5 for the connection) would slip through. ``GuardedResolver`` is
installed as Scrapy's resolver (``crawler.bounds.config.RESOLVER_SETTING``) and applies the
same policy to the address every TCP connection is made to. Proxy hosts
(PANTAU_HTTP_PROXY/PANTAU_HTTPS_PROXY) are exempt: an office proxy usually has a private
address, and the target behind it was checked by the middleware.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.ssrf.policy import AddressPolicy, parse_address

if TYPE_CHECKING:
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


def proxy_hosts(*proxies: str | None) -> frozenset[str]:
    """The host names of the configured proxy URLs."""
    hosts = set()
    for proxy in proxies:
        if proxy:
            try:
                host = urlsplit(proxy).hostname
            except ValueError:
                continue
            if host:
                hosts.add(host.lower())
    return frozenset(hosts)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver; an answer the policy refuses fails the lookup instead."""

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float,
                 policy: AddressPolicy | None = None, exempt: frozenset[str] = frozenset()
                 ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy or AddressPolicy()
        self.exempt = exempt

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> GuardedResolver:
        settings = crawler.settings  # a CrawlerProcess here: it has settings, no spider
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") \
            else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"),
                   AddressPolicy.parse(settings.get("PANTAU_ALLOWED_NETWORKS") or ""),
                   proxy_hosts(settings.get("PANTAU_HTTP_PROXY"),
                               settings.get("PANTAU_HTTPS_PROXY")))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """The address of ``name``, or a DNSLookupError when the policy refuses it."""
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, answer: str, name: str) -> str:
        if name.lower().rstrip(".") in self.exempt:
            return answer
        address = parse_address(answer)
        refusal = self.policy.refusal(name, [address] if address is not None else [])
        if refusal is not None:
            logger.warning("connection %s", refusal)
            raise DNSLookupError(refusal)
        return answer
