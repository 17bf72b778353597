"""The one function that turns process settings and a crawl spec into Scrapy settings."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from crawler.bounds.config import bounds_settings
from crawler.config.settings import Settings
from crawler.dedup.config import cluster_dedup_settings
from crawler.politeness.config import cluster_politeness_settings
from crawler.runner.browser import browser_settings
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
        # the spider process installs its own log handlers (crawler.observe.logs): a text
        # stderr for the crash tail, and the worker's stream in PANTAU_LOG_FORMAT
        "LOG_INSTALL_ROOT_HANDLER": False,
        "ITEM_PIPELINES": {
            "crawler.pipelines.NormalizePipeline": 100,
            "crawler.enrich.pipeline.EnrichPipeline": 300,  # language, regions, watchlists
            "crawler.pipelines.StoragePipeline": 800,
            "crawler.pipelines.ShardPlanner": 900,
        },
        "DOWNLOADER_MIDDLEWARES": {
            # below RetryMiddleware (550): sees only what retries gave up on
            "crawler.middlewares.FailureRecorder": 500,
            # reddit crawls only: the OAuth bearer token on API requests; a 401 (expired)
            # fetches a new one before FailureRecorder could count it
            "crawler.social_auth.RedditOAuth": 520,
            # before HttpProxyMiddleware (750), which moves proxy credentials into a header
            "crawler.network.ProxyMiddleware": 740,
            # PANTAU_BIND_ADDRESS: the local address connections are made from
            "crawler.network.BindAddressMiddleware": 745,
            # Cluster-wide politeness (crawler.politeness; off without Redis). The robots.txt
            # copy sits below HttpCompression (590), so it stores and serves decoded bodies;
            # the limiter sits next to the download, so it sees a 429 before RetryMiddleware.
            "crawler.politeness.robots.SharedRobotsTxt": 580,
            "crawler.politeness.middleware.ClusterPoliteness": 870,
            # Scrapy 2.19's RobotsTxtMiddleware lets all but the first request that waits
            # for robots.txt through unchecked; this one checks every one (same place)
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.politeness.obey.ObeyRobotsTxt": 100,
            # Hostile input (docs/reliability.md): the SSRF guard before everything else
            # (robots.txt included); Scrapy's redirect and decompression middlewares replaced
            # by ones that record what they drop (same orders)
            "crawler.ssrf.guard.SsrfGuard": 50,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.bounds.downloads.BoundedMetaRefresh": 580,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            "crawler.bounds.downloads.BoundedDecompression": 590,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.bounds.downloads.BoundedRedirects": 600,
        },
        # Endless pagination, calendar traps, pages that are not pages (crawler.bounds.traps)
        "SPIDER_MIDDLEWARES": {"crawler.bounds.traps.PagingGuard": 950},
        "EXTENSIONS": {"crawler.extensions.ProgressReporter": 500},
        "PANTAU_SPEC": spec.model_dump(mode="json"),
        "PANTAU_DATABASE_URL": settings.database_url,
        "PANTAU_WRITER_BATCH_SIZE": settings.writer_batch_size,
        # enrich and write in a process forked beside the spider (crawler.writer_process)
        "PANTAU_WRITER_PROCESS": settings.writer_process,
        "PANTAU_PROGRESS_INTERVAL": settings.progress_interval,
        # Identity and office networks: proxy (crawler.network), CA bundle (crawler.tls)
        "PANTAU_HTTP_PROXY": _secret(settings.http_proxy),
        "PANTAU_HTTPS_PROXY": _secret(settings.https_proxy),
        "PANTAU_NO_PROXY": settings.no_proxy,
        "PANTAU_BIND_ADDRESS": str(settings.bind_address) if settings.bind_address else None,
        **({"DOWNLOADER_CLIENTCONTEXTFACTORY": "crawler.tls.CaBundleContextFactory",
            "PANTAU_CA_BUNDLE": str(settings.ca_bundle)} if settings.ca_bundle else {}),
        # Cluster-wide politeness: PANTAU_POLITE_*, PANTAU_REDIS_URL, DOWNLOAD_SLOTS
        **cluster_politeness_settings(settings, spec),
        # Request de-duplication across the cluster: DUPEFILTER_CLASS, PANTAU_DEDUP_*
        # (crawler.dedup; nothing, so Scrapy's in-memory filter, without Redis or a run)
        **cluster_dedup_settings(settings, spec),
        # Kind rendered: scrapy-playwright and the system Chromium (crawler.runner.browser)
        **browser_settings(settings, spec),
        # Hostile input: size, redirect and paging caps, allowlist, guarded DNS resolver
        **bounds_settings(settings),
    }


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
