"""The guard's SOCKS5 proxy in front of Chromium, spoken to directly, with a stubbed resolver.

Names resolve through a stub (crawler.ssrf.policy.resolve_host): ``intranet.kantor`` to
10.0.0.5, ``situs.lokal`` to 127.0.0.1. Only 127.0.0.1 is allowed. A refused name is
answered "not allowed by ruleset" and recorded before any connection is tried (nothing is
ever sent to 10.0.0.5); an allowed one is tunnelled to the address that was checked.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

from crawler.ssrf import policy
from crawler.ssrf.browser_proxy import BrowserGuardProxy
from crawler.ssrf.guard import SsrfGuard
from crawler.ssrf.policy import AddressPolicy, parse_address

NAMES = {"intranet.kantor": "10.0.0.5", "situs.lokal": "127.0.0.1"}


def socks_connect(host: str, port: int) -> bytes:
    name = host.encode()
    return (b"\x05\x01\x00" + b"\x05\x01\x00\x03" + bytes([len(name)]) + name
            + struct.pack("!H", port))


async def exchange(proxy: BrowserGuardProxy, host: str, port: int,
                   payload: bytes = b"") -> tuple[int, bytes]:
    """The SOCKS reply code for ``host:port`` and what came back for ``payload``."""
    address, proxy_port = proxy.url.removeprefix("socks5://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(address, int(proxy_port))
    writer.write(socks_connect(host, port))
    assert await reader.readexactly(2) == b"\x05\x00"
    reply = await reader.readexactly(10)
    echoed = b""
    if reply[1] == 0 and payload:
        writer.write(payload)
        writer.write_eof()
        echoed = await reader.read()
    writer.close()
    return reply[1], echoed


def test_refused_before_connect_allowed_tunnelled(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []
    connects: list[tuple[Any, ...]] = []

    def resolve(host: str, port: int) -> list[Any]:
        looked_up.append(host)
        return [parse_address(NAMES[host])]

    monkeypatch.setattr(policy, "resolve_host", resolve)
    opened = asyncio.open_connection

    async def open_connection(*args: Any, **kwargs: Any) -> Any:
        connects.append(args)
        return await opened(*args, **kwargs)

    async def run() -> tuple[list[tuple[int, bytes]], list[tuple[str, str]], int]:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"echo:" + await reader.read())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        refused: list[tuple[str, str]] = []
        guard = SsrfGuard(AddressPolicy.parse("127.0.0.1/32"))
        proxy = BrowserGuardProxy(guard, lambda target, why: refused.append((target, why)))
        await proxy.start()
        monkeypatch.setattr(asyncio, "open_connection", open_connection)
        try:
            answers = [await exchange(proxy, "intranet.kantor", 80),
                       await exchange(proxy, "situs.lokal", port, b"halo"),
                       await exchange(proxy, "127.0.0.2", port)]
        finally:
            monkeypatch.setattr(asyncio, "open_connection", opened)
            await proxy.close()
            server.close()
        return answers, refused, port

    answers, refused, port = asyncio.run(run())
    assert answers == [(2, b""), (0, b"echo:halo"), (2, b"")]
    assert [target for target, _ in refused] == ["intranet.kantor:80", f"127.0.0.2:{port}"]
    assert "private address" in refused[0][1] and "loopback address" in refused[1][1]
    assert looked_up == ["intranet.kantor", "situs.lokal"]  # a literal is not looked up
    # besides the test's own connections to the proxy, one: to situs.lokal's checked address
    proxy_port = connects[0][1]
    assert [c[:2] for c in connects if c[1] != proxy_port] == [("127.0.0.1", port)]


def test_connections_leave_from_the_bind_address() -> None:
    """PANTAU_BIND_ADDRESS holds for rendered crawls too: the proxy opens the browser's
    connections from it, so the site sees 127.0.0.2, not the system's choice (127.0.0.1)."""

    async def run() -> list[tuple[int, bytes]]:
        async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()
            writer.write(writer.get_extra_info("peername")[0].encode())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(peer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        guard = SsrfGuard(AddressPolicy.parse("127.0.0.1/32"))
        bound = BrowserGuardProxy(guard, lambda *_: None, bind_address="127.0.0.2")
        unbound = BrowserGuardProxy(guard, lambda *_: None)
        await bound.start()
        await unbound.start()
        try:
            return [await exchange(bound, "127.0.0.1", port, b"x"),
                    await exchange(unbound, "127.0.0.1", port, b"x")]
        finally:
            await bound.close()
            await unbound.close()
            server.close()

    assert asyncio.run(run()) == [(0, b"127.0.0.2"), (0, b"127.0.0.1")]
