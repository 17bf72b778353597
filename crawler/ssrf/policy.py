"""Which addresses a crawl may reach: public ones, plus what PANTAU_ALLOWED_NETWORKS allows.

A page can point a crawler anywhere: a link or a redirect to ``http://169.254.169.254/`` (a
cloud's metadata service), to ``http://10.0.0.5/`` (an office's intranet) or to
``http://127.0.0.1:6379/`` (the broker) would make a worker fetch what nobody outside may see.
:class:`AddressPolicy` refuses every address that is not public - loopback, private,
link-local, multicast, reserved, unspecified, shared (CGNAT) - unless the operator's
allowlist names its network or its host. ``resolve_host`` is the one place names become
addresses for the guard (tests replace it; it never sends anything for an IP literal).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWLIST_HINT = "allow it with PANTAU_ALLOWED_NETWORKS on the workers (docs/operations.md)"
LOOPBACK_ONLY = "127.0.0.0/8,::1"  # what the demo and the tests allow
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^\.?({_LABEL}\.)*{_LABEL}$")


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped ``::ffff:a.b.c.d``, 6to4, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_kind(address: Address) -> str | None:
    """Why ``address`` is not a public Internet address ("loopback", "private", ...), or None."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return non_public_kind(inner)
    if address in _METADATA:
        return "link-local (a cloud metadata service)"
    for kind, flag in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                       ("multicast", address.is_multicast),
                       ("unspecified", address.is_unspecified),
                       ("reserved", address.is_reserved), ("private", address.is_private)):
        if flag:
            return kind
    return None if address.is_global else "not public (shared or special-purpose)"


def parse_address(text: str) -> Address | None:
    """``text`` as an IP address (brackets and an IPv6 zone tolerated), or None."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """The allowlist: networks (CIDR or single addresses) and host names or domains.

    A host name entry allows that host wherever it resolves (``.kantor.go.id`` or
    ``kantor.go.id``: the domain and its subdomains); ``*`` allows everything (no guard).
    """

    networks: tuple[Network, ...] = ()
    domains: tuple[str, ...] = ()
    allow_all: bool = False
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str | None) -> AddressPolicy:
        """The policy of a comma-separated allowlist; ValueError names a bad entry."""
        networks: list[Network] = []
        domains: list[str] = []
        allow_all = False
        for entry in (e.strip().lower() for e in (text or "").split(",")):
            if not entry:
                continue
            if entry == "*":
                allow_all = True
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if "/" in entry or ":" in entry or not _HOST_NAME.match(entry.rstrip(".")):
                raise ValueError(f"{entry!r} is not a network (CIDR), an IP address or a "
                                 "host name")
            domains.append(entry.strip(".").rstrip("."))
        return cls(tuple(networks), tuple(domains), allow_all, text or "")

    def allows_host(self, host: str) -> bool:
        """True when the allowlist names ``host`` (or a domain it is in)."""
        if self.allow_all:
            return True
        host = host.strip("[]").rstrip(".").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def lists(self, address: Address) -> bool:
        """True when a network of the allowlist holds ``address`` (or the IPv4 it carries)."""
        inner = embedded_ipv4(address)
        return any(address in net or (inner is not None and inner in net)
                   for net in self.networks)

    def refusal(self, host: str, addresses: list[Address]) -> str | None:
        """Why a request to ``host``, resolved to ``addresses``, must not be made; None: go.

        Every address must be public or allowlisted: a name that resolves to one public and
        one private address is refused (the connection could go to either).
        """
        if self.allows_host(host):
            return None
        if not addresses:
            return f"refused {host}: it resolves to no address"
        for address in addresses:
            kind = non_public_kind(address)
            if kind is None or self.lists(address):
                continue
            shown = host if host.strip("[]") == str(address) else f"{host} ({address})"
            return f"refused {shown}: {kind} address; {ALLOWLIST_HINT}"
        return None


def with_loopback(allowlist: str) -> str:
    """``allowlist`` with the loopback networks added (the demo's and the tests' setting)."""
    entries = [e.strip() for e in allowlist.split(",") if e.strip()]
    for entry in LOOPBACK_ONLY.split(","):
        if entry not in entries:
            entries.append(entry)
    return ",".join(entries)


def resolve_host(host: str, port: int) -> list[Address]:
    """The addresses ``host`` resolves to (an IP literal is itself; no lookup is made).

    Blocking (``getaddrinfo``): the guard runs it in a thread. Raises ``OSError`` (including
    ``socket.gaierror``) when the name does not resolve, UnicodeError for a name IDNA cannot
    encode.
    """
    literal = parse_address(host)
    if literal is not None:
        return [literal]
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = parse_address(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    return found
