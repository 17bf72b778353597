"""The SSRF guard's decisions, with the resolver stubbed: no test sends a packet anywhere.

Every test here runs with a socket spy that fails on any connect, and a resolver stub that
maps test names (``metadata.test`` -> 169.254.169.254, ``intranet.test`` -> 10.1.2.3, ...)
to addresses; the real ``getaddrinfo`` is only ever asked about numeric hosts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.settings import Settings as ScrapySettings
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.bounds.config import RESOLVER_SETTING
from crawler.config.settings import Settings
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec
from crawler.ssrf import policy
from crawler.ssrf.guard import BlockedRequest, SsrfGuard
from crawler.ssrf.policy import AddressPolicy, non_public_kind, resolve_host, with_loopback
from crawler.ssrf.resolver import GuardedResolver, proxy_hosts

FAKE_DNS = {"metadata.test": ["169.254.169.254"], "intranet.test": ["10.1.2.3"],
            "public.test": ["93.184.216.34"], "mixed.test": ["93.184.216.34", "192.168.0.9"],
            "v6.test": ["fd00:ec2::254"], "localhost": ["127.0.0.1"]}


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any connect attempt in this test fails it (and is recorded)."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> Any:
        attempts.append(address)
        raise AssertionError(f"a connection was attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch, no_connect: list[Any]) -> Iterator[list[str]]:
    """Stub the guard's resolver with FAKE_DNS; the list records every name looked up."""
    asked: list[str] = []

    def fake(host: str, port: int) -> list[policy.Address]:
        asked.append(host)
        if host not in FAKE_DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in FAKE_DNS[host]]

    monkeypatch.setattr(policy, "resolve_host", fake)
    yield asked
    assert no_connect == []


def refusal(url: str, allow: str = "") -> str | None:
    guard = SsrfGuard(AddressPolicy.parse(allow))
    return asyncio.run(guard.refusal(url))


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
    ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("fc00::1", "private"),
    ("169.254.169.254", "link-local (a cloud metadata service)"),
    ("fd00:ec2::254", "link-local (a cloud metadata service)"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"),
    ("240.0.0.1", "reserved"), ("100.64.0.1", "not public (shared or special-purpose)"),
    ("::ffff:10.0.0.1", "private"), ("2002:a00:1::", "private"), ("64:ff9b::a00:1", "private"),
    ("64:ff9b::808:808", None), ("8.8.8.8", None), ("2606:4700::1111", None),
])
def test_every_non_public_address_has_a_kind(address: str, kind: str | None) -> None:
    assert non_public_kind(ipaddress.ip_address(address)) == kind


def test_the_allowlist_parses_networks_addresses_and_domains() -> None:
    allow = AddressPolicy.parse(" 10.0.0.0/8, 192.168.1.5 ,.kantor.go.id, ::1, intranet ")
    assert allow.allows_host("forum.kantor.go.id") and allow.allows_host("KANTOR.go.id.")
    assert allow.allows_host("intranet") and not allow.allows_host("notkantor.go.id")
    assert allow.lists(ipaddress.ip_address("10.200.0.1"))
    assert allow.lists(ipaddress.ip_address("::ffff:10.0.0.7"))  # the IPv4 it carries
    assert not allow.lists(ipaddress.ip_address("192.168.1.6"))
    assert AddressPolicy.parse("*").allow_all and not AddressPolicy.parse("").allow_all
    assert with_loopback("10.0.0.0/8") == "10.0.0.0/8,127.0.0.0/8,::1"
    assert with_loopback("127.0.0.0/8,::1") == "127.0.0.0/8,::1"


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "http://intranet/", "a b", "10.0.0.0/8x",
                                   "::g", "-bad-.go.id"])
def test_a_bad_allowlist_entry_is_named_at_start(entry: str) -> None:
    with pytest.raises(ValueError, match="is not a network"):
        AddressPolicy.parse(f"127.0.0.0/8,{entry}")
    with pytest.raises(ValueError, match=r"PANTAU_ALLOWED_NETWORKS|allowed_networks"):
        Settings(_env_file=None, allowed_networks=entry)  # type: ignore[call-arg]


@pytest.mark.usefixtures("lookups")
@pytest.mark.parametrize(("url", "shown"), [
    ("http://metadata.test/latest/meta-data/", "metadata.test (169.254.169.254): link-local "
                                               "(a cloud metadata service)"),
    ("http://intranet.test:8080/admin", "intranet.test (10.1.2.3): private"),
    ("http://mixed.test/", "mixed.test (192.168.0.9): private"),
    ("http://v6.test/", "v6.test (fd00:ec2::254): link-local"),
    ("http://localhost:6379/", "localhost (127.0.0.1): loopback"),
    ("http://169.254.169.254/", "169.254.169.254: link-local"),
    ("http://[::1]:5432/", "::1: loopback"),
    ("http://[::ffff:a00:1]/", "private"),
    ("ftp://public.test/file", "only http and https URLs are crawled, not ftp:"),
    ("file:///etc/passwd", "only http and https URLs are crawled, not file:"),
    ("http://[::1/", "not a valid URL"),
    ("http:///nohost", "the URL names no host"),
])
def test_non_public_targets_are_refused(url: str, shown: str) -> None:
    reason = refusal(url)
    assert reason is not None and shown in reason, reason


def test_public_and_allowlisted_targets_pass(lookups: list[str]) -> None:
    assert refusal("https://public.test/forum/") is None
    assert refusal("http://intranet.test/", allow="10.0.0.0/8") is None
    assert refusal("http://intranet.test/", allow="intranet.test") is None
    assert refusal("http://127.0.0.1:8765/", allow="127.0.0.0/8,::1") is None
    assert refusal("http://intranet.test/", allow="10.9.0.0/16") is not None
    # a host named in the allowlist is not even looked up; an IP literal never is
    assert "127.0.0.1" not in lookups
    assert lookups.count("intranet.test") == 2


def test_the_guard_raises_before_anything_connects(lookups: list[str]) -> None:
    stats: dict[str, int] = {}

    class Stats:
        def inc_value(self, key: str, count: int = 1) -> None:
            stats[key] = stats.get(key, 0) + count

    guard = SsrfGuard(AddressPolicy.parse("127.0.0.0/8"), Stats())  # type: ignore[arg-type]
    with pytest.raises(BlockedRequest, match=r"169\.254\.169\.254") as raised:
        asyncio.run(guard.process_request(Request("http://metadata.test/latest/")))
    assert raised.value.error_kind == "blocked"
    assert asyncio.run(guard.process_request(Request("http://127.0.0.1:1/"))) is None
    assert stats == {"pantau/ssrf/refused": 1}


def test_an_unresolvable_name_is_a_dns_failure_not_a_pass(lookups: list[str]) -> None:
    with pytest.raises(CannotResolveHostError, match=r"cannot resolve nowhere\.test"):
        refusal("http://nowhere.test/")


def test_lookups_are_cached_per_host(lookups: list[str]) -> None:
    guard = SsrfGuard(AddressPolicy())
    for path in ("a", "b", "c"):
        assert asyncio.run(guard.refusal(f"http://public.test/{path}")) is None
    assert lookups == ["public.test"]


def test_resolve_host_takes_literals_and_numeric_forms_without_a_lookup(
        monkeypatch: pytest.MonkeyPatch, no_connect: list[Any]) -> None:
    real = socket.getaddrinfo
    asked: list[Any] = []

    def numeric_only(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)  # AI_NUMERICHOST: the C library parses, it never asks DNS
        return real(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
    assert resolve_host("[fd00:ec2::254]", 80) == [ipaddress.ip_address("fd00:ec2::254")]
    assert asked == []  # a literal is itself
    # decimal and short forms of 127.0.0.1, as browsers and curl accept them
    assert resolve_host("2130706433", 80) == [ipaddress.ip_address("127.0.0.1")]
    assert resolve_host("127.1", 80) == [ipaddress.ip_address("127.0.0.1")]
    assert AddressPolicy().refusal("2130706433", resolve_host("2130706433", 80)) is not None


def _resolved(deferred: defer.Deferred[str]) -> str | Failure:
    out: list[Any] = []
    deferred.addBoth(out.append)
    return out[0]


def test_the_connect_time_resolver_refuses_a_rebound_answer(
        monkeypatch: pytest.MonkeyPatch, no_connect: list[Any]) -> None:
    answers = {"rebind.test": "10.0.0.5", "public.test": "93.184.216.34",
               "proxy.kantor": "10.20.30.40"}
    monkeypatch.setattr(CachingThreadedResolver, "getHostByName",
                        lambda self, name, timeout=(): defer.succeed(answers[name]))
    resolver = GuardedResolver(object(), 10000, 60.0,  # type: ignore[arg-type]
                               AddressPolicy.parse("127.0.0.0/8"),
                               proxy_hosts("http://u:p@proxy.kantor:3128", None))
    refused = _resolved(resolver.getHostByName("rebind.test"))
    assert isinstance(refused, Failure) and refused.check(DNSLookupError)
    assert "10.0.0.5" in refused.getErrorMessage()
    assert _resolved(resolver.getHostByName("public.test")) == "93.184.216.34"
    assert _resolved(resolver.getHostByName("proxy.kantor")) == "10.20.30.40"  # the proxy


def _spec() -> CrawlSpec:
    return CrawlSpec(run_id=None, source="s", region="62", spider="phpbb", platform="phpbb",
                     start_url="http://forum.test/", site="http://forum.test/")


def test_scrapy_settings_switch_the_guard_on_by_default_and_off_only_with_a_star() -> None:
    guarded = scrapy_settings(Settings(_env_file=None, allowed_networks=""),  # type: ignore[call-arg]
                              _spec())
    assert guarded["DOWNLOADER_MIDDLEWARES"]["crawler.ssrf.guard.SsrfGuard"] == 50
    assert guarded[RESOLVER_SETTING] == "crawler.ssrf.resolver.GuardedResolver"
    assert guarded["PANTAU_ALLOWED_NETWORKS"] == ""
    open_ = scrapy_settings(Settings(_env_file=None, allowed_networks="*"),  # type: ignore[call-arg]
                            _spec())
    assert RESOLVER_SETTING not in open_

    class Crawler:
        stats = None
        settings = ScrapySettings({"PANTAU_ALLOWED_NETWORKS": "*"})

    with pytest.raises(NotConfigured):
        SsrfGuard.from_crawler(Crawler())  # type: ignore[arg-type]
    assert Settings.model_fields["allowed_networks"].default == ""  # production: deny


def test_a_redirect_to_another_host_gets_its_own_proxy_choice() -> None:
    from crawler.network import ProxyMiddleware

    middleware = ProxyMiddleware({"http": "http://proxy.kantor:3128"}, "127.0.0.0/8")
    local = Request("http://127.0.0.1:8765/go")
    middleware.process_request(local)
    assert local.meta["proxy"] is None
    away = local.replace(url="http://metadata.test/latest/")  # as RedirectMiddleware builds it
    middleware.process_request(away)
    assert away.meta["proxy"] == "http://proxy.kantor:3128"
    own = Request("http://a.test/", meta={"proxy": "http://other:1"})
    middleware.process_request(own)
    middleware.process_request(followed := own.replace(url="http://b.test/"))
    assert followed.meta["proxy"] == "http://other:1"  # a spider's own choice stays
