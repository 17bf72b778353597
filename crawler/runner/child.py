"""Entry point of a spider process: ``python -m crawler.runner.child SPEC_JSON``.

Started by :func:`crawler.runner.run_crawl` in a new session. It runs one Scrapy crawl with
the settings built by :func:`crawler.runner.scrapy_settings.scrapy_settings`, reports progress
on the file descriptor named by ``PANTAU_PROGRESS_FD``, and kills its own process group if
the task process that started it disappears (SIGKILL leaves no chance to clean up otherwise).

Only its task process decides when a crawl stops: SIGINT (what ``kill_group`` sends on a
deadline or a cancel) closes the spider gracefully, a second SIGINT at once; SIGTERM is
ignored. A process manager that signals every process of a worker (systemd's default
``KillMode=control-group``) would otherwise let Scrapy close the spider with reason
"shutdown" and the task record a partial crawl as a success; the task process, which gets
the same SIGTERM, kills the spider and its message is handed back (docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import Settings
    from crawler.runner.spec import CrawlSpec

logger = logging.getLogger(__name__)
WATCHDOG_INTERVAL = 0.5
INTERRUPTED_STAT = "pantau/interrupted"  # set when SIGINT stopped the crawl (pipelines read it)


def watch_parent(parent: int) -> None:
    """Kill this process group as soon as ``parent`` is no longer our parent, and first our
    descendants outside it (Chromium runs in a session of its own)."""
    from crawler.runner.tree import descendants, kill_all

    def loop() -> None:
        while True:
            if os.getppid() != parent:
                kill_all(descendants(os.getpid()))
                os.killpg(0, signal.SIGKILL)
            time.sleep(WATCHDOG_INTERVAL)

    threading.Thread(target=loop, name="pantau-parent-watchdog", daemon=True).start()


def stop_on_sigint(process: CrawlerProcess) -> None:
    """SIGINT stops the crawl gracefully (marked :data:`INTERRUPTED_STAT`), a second one at
    once; SIGTERM is ignored (a Python handler, not SIG_IGN: programs the spider starts,
    such as the Playwright driver, get the default action)."""
    from twisted.internet import reactor

    def graceful() -> None:
        logger.info("SIGINT: stopping the crawl (reason 'shutdown')")
        for crawler in process.crawlers:
            if crawler.stats is not None:
                crawler.stats.set_value(INTERRUPTED_STAT, "SIGINT")
        process.stop()

    def force() -> None:
        logger.info("second SIGINT: stopping at once")
        with contextlib.suppress(RuntimeError):  # the reactor stopped meanwhile
            reactor.stop()  # type: ignore[misc] # Twisted types the reactor as a module

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, lambda *_: reactor.callFromThread(force))
        reactor.callFromThread(graceful)  # no logging inside a signal handler

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        reactor.callFromThread(logger.info, "SIGTERM ignored: the task process decides")

    signal.signal(signal.SIGINT, on_sigint)
    signal.signal(signal.SIGTERM, on_sigterm)


def known_threads(settings: Settings, spec: CrawlSpec) -> list[dict[str, Any]]:
    """What earlier crawls stored of the site's threads (none for a deep crawl)."""
    if spec.deep or spec.run_id is None or settings.database_url is None:
        return []
    from crawler.storage.db import connect
    from crawler.storage.writer import PostWriter

    with connect(settings.database_url) as conn:
        return PostWriter(conn).known_threads(spec.site)


def main(argv: list[str]) -> int:
    """Run the crawl described by ``argv[1]`` (a CrawlSpec as JSON)."""
    watch_parent(os.getppid())
    from scrapy.crawler import CrawlerProcess

    from crawler.config.settings import get_settings
    from crawler.observe.logs import install_spider_logging
    from crawler.runner.scrapy_settings import scrapy_settings
    from crawler.runner.spec import CrawlSpec

    spec = CrawlSpec.model_validate_json(argv[1])
    settings = get_settings()
    process = CrawlerProcess(scrapy_settings(settings, spec))
    install_spider_logging(settings, spec)  # after CrawlerProcess, which resets logging
    failures: list[str] = []
    done = process.crawl(spec.spider, **spec.spider_arguments(known_threads(settings, spec)))
    done.addErrback(lambda failure: failures.append(
        f"{failure.type.__name__ if failure.type else 'Error'}: {failure.getErrorMessage()}"))
    stop_on_sigint(process)
    process.start(install_signal_handlers=False)  # Scrapy's and Twisted's: see stop_on_sigint
    if failures:  # the crawl could not start (a component raised while being built)
        print(f"crawl failed to start: {failures[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
