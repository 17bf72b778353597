"""The one function that turns process settings and a crawl spec into Scrapy settings."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from crawler.config.settings import Settings
from crawler.politeness.config import cluster_politeness_settings
from crawler.runner.spec import CrawlSpec

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def scrapy_settings(settings: Settings, spec: CrawlSpec) -> dict[str, Any]:
    """Scrapy settings for one crawl; per-source politeness overrides the defaults."""
    polite = spec.politeness
    limits = spec.limits
    return {
        "BOT_NAME": "pantau",
        "SPIDER_MODULES": ["spiders"],
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": (
            polite.obey_robots_txt if polite.obey_robots_txt is not None
            else settings.obey_robots_txt
        ),
        "DOWNLOAD_DELAY": (
            polite.download_delay if polite.download_delay is not None
            else settings.download_delay
        ),
        "CONCURRENT_REQUESTS_PER_DOMAIN": (
            polite.concurrent_requests or settings.concurrent_requests_per_domain
        ),
        "CONCURRENT_REQUESTS": 16,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "RETRY_TIMES": settings.retry_times,
        "CLOSESPIDER_PAGECOUNT": limits.max_pages or 0,
        "CLOSESPIDER_TIMEOUT": limits.max_seconds or 0,
        "DEPTH_LIMIT": limits.max_depth or 0,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19's remote control runs Python sent over HTTP: never in a worker.
        "REMOTE_CONTROL_ENABLED": False,
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "LOG_LEVEL": settings.log_level,
        "ITEM_PIPELINES": {
            "crawler.pipelines.NormalizePipeline": 100,
            "crawler.pipelines.StoragePipeline": 800,
            "crawler.pipelines.ShardPlanner": 900,
        },
        "DOWNLOADER_MIDDLEWARES": {
            # below RetryMiddleware (550): sees only what retries gave up on
            "crawler.middlewares.FailureRecorder": 500,
            # before HttpProxyMiddleware (750), which moves proxy credentials into a header
            "crawler.network.ProxyMiddleware": 740,
            # Cluster-wide politeness (crawler.politeness; off without Redis). The robots.txt
            # copy sits below HttpCompression (590), so it stores and serves decoded bodies;
            # the limiter sits next to the download, so it sees a 429 before RetryMiddleware.
            "crawler.politeness.robots.SharedRobotsTxt": 580,
            "crawler.politeness.middleware.ClusterPoliteness": 870,
        },
        "EXTENSIONS": {"crawler.extensions.ProgressReporter": 500},
        "PANTAU_SPEC": spec.model_dump(mode="json"),
        "PANTAU_DATABASE_URL": settings.database_url,
        "PANTAU_WRITER_BATCH_SIZE": settings.writer_batch_size,
        "PANTAU_PROGRESS_INTERVAL": settings.progress_interval,
        # Identity and office networks: proxy (crawler.network), CA bundle (crawler.tls)
        "PANTAU_HTTP_PROXY": _secret(settings.http_proxy),
        "PANTAU_HTTPS_PROXY": _secret(settings.https_proxy),
        "PANTAU_NO_PROXY": settings.no_proxy,
        **({"DOWNLOADER_CLIENTCONTEXTFACTORY": "crawler.tls.CaBundleContextFactory",
            "PANTAU_CA_BUNDLE": str(settings.ca_bundle)} if settings.ca_bundle else {}),
        # Cluster-wide politeness: PANTAU_POLITE_*, PANTAU_REDIS_URL, DOWNLOAD_SLOTS
        **cluster_politeness_settings(settings, spec),
    }


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
