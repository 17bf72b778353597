"""The SSRF guard for every connection Chromium opens: a SOCKS5 proxy in the spider process.

Playwright's routes (scrapy-playwright's abort hook, crawler.runner.playwright_handler) see
the requests a page makes, but not the hops of a redirect the browser follows by itself (a
page, a script or a ``fetch()`` answered with a 302 to an intranet address), and not every
WebSocket. So a rendered crawl launches Chromium with this proxy (``socks5://127.0.0.1:PORT``,
loopback included: Playwright drops Chromium's implicit loopback bypass): every TCP
connection of the browser - page loads, redirect hops, subresources, fetch/XHR, WebSockets -
is a SOCKS5 CONNECT that names the host (Chromium resolves nothing itself for SOCKS5). The
proxy resolves it, checks every address as :class:`crawler.ssrf.guard.SsrfGuard` does
(PANTAU_ALLOWED_NETWORKS) and connects to a checked address, never resolving again (DNS
rebinding cannot slip in between). A refusal answers "not allowed by ruleset", so the browser
sees a failed connection, and calls ``on_refusal`` (the handler records it on the run, kind
``blocked``). With an office proxy (an ``http://`` proxy URL), the checked connection is a
CONNECT tunnel through it, except for hosts in PANTAU_NO_PROXY; the target is checked all the
same. Connections leave from PANTAU_BIND_ADDRESS when it is set, as Scrapy's do
(crawler.network.BindAddressMiddleware). UDP (WebRTC) is switched off in Chromium instead
(crawler.runner.browser).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass

from scrapy.exceptions import CannotResolveHostError

from crawler.network import bypasses_proxy
from crawler.ssrf.guard import SsrfGuard

logger = logging.getLogger(__name__)

# SOCKS5 (RFC 1928) replies
_OK, _FAILURE, _NOT_ALLOWED, _UNREACHABLE, _REFUSED, _NO_COMMAND, _NO_ADDRESS_TYPE = (
    0, 1, 2, 4, 5, 7, 8)
_IO_TIMEOUT = 30.0
_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Upstream:
    """An office HTTP proxy that checked connections are tunnelled through."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    no_proxy: str = ""


class BrowserGuardProxy:
    """A SOCKS5 server on 127.0.0.1 that lets the browser reach only what the guard allows."""

    def __init__(self, guard: SsrfGuard, on_refusal: Callable[[str, str], None],
                 upstream: Upstream | None = None, bind_address: str | None = None) -> None:
        self.guard = guard
        self.on_refusal = on_refusal  # (host:port, reason)
        self.upstream = upstream
        # the local address of every connection out (to the site, or to the office proxy)
        self.local_addr = (bind_address, 0) if bind_address else None
        self.server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """``socks5://127.0.0.1:PORT`` (once started)."""
        assert self.server is not None
        return f"socks5://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        """Stop listening and cut the open tunnels."""
        if self.server is not None:
            self.server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._tunnel(reader, writer)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, methods = await _read(reader, 2)
        await _read(reader, methods)
        writer.write(b"\x05\x00" if version == 5 else b"\x05\xff")  # no authentication
        if version != 5:
            return
        _, command, _, kind = await _read(reader, 4)
        host = await _address(reader, kind)
        (port,) = struct.unpack("!H", await _read(reader, 2))
        if host is None or command != 1:  # CONNECT only
            _reply(writer, _NO_ADDRESS_TYPE if host is None else _NO_COMMAND)
            return
        code, upstream = await self._connect(host, port)
        _reply(writer, code)
        if upstream is None:
            return
        up_reader, up_writer = upstream
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()

    async def _connect(self, host: str, port: int) -> tuple[
            int, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        """The SOCKS reply code and, when allowed, the connection to ``host:port``."""
        try:
            addresses = await self.guard.addresses(host, port)
        except CannotResolveHostError:
            return _UNREACHABLE, None
        refusal = None if self.guard.policy.allows_host(host) else \
            self.guard.policy.refusal(host, addresses)
        if refusal is not None:
            self.on_refusal(f"{host}:{port}", refusal)
            return _NOT_ALLOWED, None
        try:
            if self.upstream is not None and not bypasses_proxy(host, self.upstream.no_proxy):
                return _OK, await _through(self.upstream, host, port, self.local_addr)
            for address in addresses:
                with contextlib.suppress(OSError):
                    return _OK, await asyncio.wait_for(asyncio.open_connection(
                        str(address), port, local_addr=self.local_addr), _IO_TIMEOUT)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        return _REFUSED, None


async def _read(reader: asyncio.StreamReader, size: int) -> bytes:
    return await asyncio.wait_for(reader.readexactly(size), _IO_TIMEOUT)


async def _address(reader: asyncio.StreamReader, kind: int) -> str | None:
    """The destination of a SOCKS5 request: an IP address or a host name."""
    if kind == 1:
        return str(ipaddress.IPv4Address(await _read(reader, 4)))
    if kind == 4:
        return str(ipaddress.IPv6Address(await _read(reader, 16)))
    if kind == 3:
        (length,) = await _read(reader, 1)
        return (await _read(reader, length)).decode("idna").lower().rstrip(".")
    return None


def _reply(writer: asyncio.StreamWriter, code: int) -> None:
    writer.write(bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0]))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(_CHUNK):
            writer.write(chunk)
            await writer.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.write_eof()


async def _through(upstream: Upstream, host: str, port: int,
                   local_addr: tuple[str, int] | None = None) -> tuple[
        asyncio.StreamReader, asyncio.StreamWriter]:
    """A CONNECT tunnel to ``host:port`` through the office proxy."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(
        upstream.host, upstream.port, local_addr=local_addr), _IO_TIMEOUT)
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if upstream.username is not None:
        token = base64.b64encode(f"{upstream.username}:{upstream.password or ''}".encode())
        lines.append(f"Proxy-Authorization: Basic {token.decode()}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _IO_TIMEOUT)
    status = head.split(b" ", 2)[1] if head.count(b" ") >= 1 else b""
    if status != b"200":
        writer.close()
        raise OSError(f"the proxy answered {head.splitlines()[0]!r} to CONNECT {target}")
    return reader, writer
