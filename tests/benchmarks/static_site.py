"""The demo forum pre-rendered to static files, served by nginx (or aiohttp) in other processes.

The crawler under test should be the only thing working hard: every page the phpBB spider can
ask for is rendered once, keyed by its canonical request target (the spider drops ``sid`` and
sorts the query, e.g. ``/viewtopic.php?start=10&t=11``), and served as a file. nginx maps a
target to ``p<path>/a<query>`` with ``try_files``; without nginx, an aiohttp process serves the
same files from memory.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from crawler.demosite.model import Forum
from crawler.demosite.server import DemoForumServer
from crawler.extract.urls import canonicalize_url, query_param

CRAWLED_SCRIPTS = {"", "index.php", "viewforum.php", "viewtopic.php"}
_HREF = re.compile(r'href="([^"]+)"')
_SID = re.compile(r"sid=[0-9a-f]{32}&?")  # dropped early: it makes every href unique
_LOCAL = ("./index.php", "./viewforum.php", "./viewtopic.php")
_POST_LINK = re.compile(r"[?&]p=")  # links to one post: the spider never follows them


def file_for(root: Path, target: str) -> Path:
    """Where the page for request target ``/script?query`` is stored under ``root``."""
    parts = urlsplit(target)
    return root / "p" / parts.path.lstrip("/") / f"a{parts.query}"


def render_site(forum: Forum, root: Path, base_url: str) -> int:
    """Render every page reachable from the index (no ``p=`` post links) into ``root``.

    Returns the number of HTML pages written (robots.txt excluded).
    """
    with DemoForumServer(forum) as server:  # used for its request -> page logic only
        return _render(server, root, base_url)


def _render(server: DemoForumServer, root: Path, base_url: str) -> int:
    host = urlsplit(base_url).netloc
    queue, seen, hrefs = deque(["/"]), {"/"}, set()
    while queue:
        target = queue.popleft()
        status, _, body = server.respond(target, host)
        assert status == 200, target
        path = file_for(root, target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode("utf-8"))
        for raw in _HREF.findall(body):
            href = _SID.sub("", unescape(raw))
            if href in hrefs or not href.startswith(_LOCAL) or _POST_LINK.search(href):
                continue
            hrefs.add(href)
            url = canonicalize_url(urljoin(base_url + target.lstrip("/"), href))
            parts = urlsplit(url)
            if (parts.netloc != host or parts.path.rsplit("/", 1)[-1] not in CRAWLED_SCRIPTS
                    or query_param(url, "p") is not None):
                continue
            next_target = parts.path + (f"?{parts.query}" if parts.query else "")
            if next_target not in seen:
                seen.add(next_target)
                queue.append(next_target)
    robots = file_for(root, "/robots.txt")
    robots.parent.mkdir(parents=True, exist_ok=True)
    robots.write_text("User-agent: *\nDisallow:\n")
    return len(seen)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    open_file_cache max=100000 inactive=600s;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    default_type "text/html; charset=UTF-8";
    server {{
        {listen}
        root {root};
        location / {{ try_files /p$uri/a$args =404; }}
    }}
}}
"""


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"static server exited:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("static server did not start listening")


def server_kind() -> str:
    """``nginx`` when the binary exists, else ``aiohttp``."""
    return "nginx" if shutil.which("nginx") else "aiohttp"


@contextlib.contextmanager
def serve_static(root: Path, ports: list[int], work: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Serve ``root`` on 127.0.0.1 at each of ``ports`` (one process) until the block ends."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    log = work / "server.log"
    if server_kind() == "nginx":
        listen = " ".join(f"listen 127.0.0.1:{p};" for p in ports)
        conf = work / "nginx.conf"
        # As root, nginx drops its workers to "nobody", who cannot read pytest's 0700 tmp dirs.
        user = "user root;" if os.geteuid() == 0 else ""
        conf.write_text(NGINX_CONF.format(user=user, work=work, listen=listen, root=root))
        argv = [shutil.which("nginx") or "nginx", "-c", str(conf), "-p", str(work)]
    else:
        argv = [sys.executable, "-m", "tests.benchmarks.aio_static", str(root),
                *map(str, ports)]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            for port in ports:
                _wait_listening(port, proc, log)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
