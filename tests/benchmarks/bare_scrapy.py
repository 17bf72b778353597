"""A bare Scrapy run of a spider: ``python -m tests.benchmarks.bare_scrapy SETTINGS_JSON URL``.

The baseline of the crawl benchmark: a plain ``CrawlerProcess`` (what ``scrapy crawl`` does)
with no pantau component - no pipelines (items are discarded), no pantau middleware or
extension, no Celery, no database. The settings JSON comes from
:func:`bare_settings`; with ``REDIS_URL`` in it, scrapy-redis schedules the requests.
Prints one JSON line with Scrapy's closing statistics.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from crawler.config.settings import Settings
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec


def bare_settings(spec: CrawlSpec, redis_url: str | None = None) -> dict[str, Any]:
    """pantau's Scrapy settings for ``spec`` with every pantau component taken out.

    Starting from the same function keeps concurrency, delay, robots.txt, reactor, timeouts
    and log level identical to the pantau run; only the components differ.
    """
    settings = scrapy_settings(Settings(database_url=None, redis_url=None), spec)
    # every setting that names a pantau class (DNS resolver, dupefilter, TLS factory, ...)
    bare = {k: v for k, v in settings.items()
            if not k.startswith("PANTAU_") and not str(v).startswith("crawler.")}
    bare.update(ITEM_PIPELINES={}, DOWNLOADER_MIDDLEWARES={}, SPIDER_MIDDLEWARES={},
                EXTENSIONS={},
                # pantau's spider process installs its own log handlers; bare Scrapy logs
                # to stderr as `scrapy crawl` does
                LOG_INSTALL_ROOT_HANDLER=True)
    if redis_url:
        bare.update(
            SCHEDULER="scrapy_redis.scheduler.Scheduler",
            DUPEFILTER_CLASS="scrapy_redis.dupefilter.RFPDupeFilter",
            SCHEDULER_PERSIST=False,
            SCHEDULER_FLUSH_ON_START=True,
            SCHEDULER_QUEUE_KEY=f"bench:{spec.source}:requests",
            SCHEDULER_DUPEFILTER_KEY=f"bench:{spec.source}:dupefilter",
            REDIS_URL=redis_url,
        )
    return bare


def main(argv: list[str]) -> int:
    """Crawl ``argv[2]`` with the settings in ``argv[1]`` and print the final stats."""
    from scrapy.crawler import CrawlerProcess

    settings = json.loads(argv[1])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("phpbb")
    process.crawl(crawler, start_url=argv[2])
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({
        "pages": stats.get("response_received_count", 0),
        "items": stats.get("item_scraped_count", 0),
        "elapsed": stats.get("elapsed_time_seconds", 0.0),
        "finish_reason": stats.get("finish_reason"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
