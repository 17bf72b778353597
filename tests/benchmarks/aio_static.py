"""Fallback static server: ``python -m tests.benchmarks.aio_static ROOT PORT...`` (aiohttp).

Serves the files written by :func:`tests.benchmarks.static_site.render_site` from memory,
keyed by request target, on 127.0.0.1 at each port. Used only where nginx is absent.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web


def load(root: Path) -> dict[str, bytes]:
    """Request target -> body, for every file under ``root/p``."""
    pages: dict[str, bytes] = {}
    base = root / "p"
    for path in base.rglob("a*"):
        parent = path.parent.relative_to(base).as_posix()
        script = "/" if parent == "." else f"/{parent}"
        query = path.name[1:]
        pages[script + (f"?{query}" if query else "")] = path.read_bytes()
    return pages


async def serve(pages: dict[str, bytes], ports: list[int]) -> None:
    """Serve ``pages`` on every port until cancelled."""

    async def handle(request: web.Request) -> web.Response:
        body = pages.get(request.path_qs)
        if body is None:
            return web.Response(status=404, text="not found")
        kind = "text/plain" if request.path == "/robots.txt" else "text/html"
        return web.Response(body=body, content_type=kind, charset="utf-8")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for port in ports:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(load(Path(sys.argv[1])), [int(p) for p in sys.argv[2:]]))
