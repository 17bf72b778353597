"""TLS for office networks that intercept it: verify server certificates against PANTAU_CA_BUNDLE.

Scrapy verifies no certificate by default, and pantau keeps that default for public pages.
With ``PANTAU_CA_BUNDLE`` set, ``crawler.runner.scrapy_settings`` makes this module's
:class:`CaBundleContextFactory` Scrapy's DOWNLOADER_CLIENTCONTEXTFACTORY: every HTTPS server
(or the office proxy that intercepts it) must present a certificate chaining to a CA in that
bundle, for the host name requested; otherwise the request fails with ``certificate verify
failed`` in its error reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twisted.internet.ssl import Certificate, optionsForClientTLS, trustRootFromCertificates
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def load_trust_root(path: Path) -> Any:
    """A Twisted trust root made of every certificate in the PEM file ``path``."""
    try:
        pem = path.read_bytes()
    except OSError as err:
        raise ValueError(f"PANTAU_CA_BUNDLE {path}: {err.strerror}") from None
    blocks = _PEM_CERT.findall(pem)
    if not blocks:
        raise ValueError(f"PANTAU_CA_BUNDLE {path}: no PEM certificate in it")
    try:
        return trustRootFromCertificates([Certificate.loadPEM(block) for block in blocks])
    except Exception as err:
        raise ValueError(f"PANTAU_CA_BUNDLE {path}: unreadable certificate ({err})") from None


@implementer(IPolicyForHTTPS)
class CaBundleContextFactory:
    """Client TLS policy: the server certificate must chain to the bundle and name the host."""

    def __init__(self, trust_root: Any) -> None:
        self.trust_root = trust_root

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CaBundleContextFactory:
        """Scrapy passes ``method=`` (the TLS method); Twisted's defaults are kept instead."""
        bundle = crawler.settings.get("PANTAU_CA_BUNDLE")
        if not bundle:
            raise ValueError("CaBundleContextFactory needs PANTAU_CA_BUNDLE")
        return cls(load_trust_root(Path(bundle)))

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:  # Twisted's name
        return optionsForClientTLS(hostname.decode("ascii"), trustRoot=self.trust_root)
