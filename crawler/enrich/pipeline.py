"""EnrichPipeline: the Scrapy stage between normalize (100) and storage (800).

It sets each post's language, region codes (the source's region and the regions the text
names, with their enclosing regions) and watchlist flags (the spec's watchlists: the
source's, its region's and enclosing regions'), so posts arrive in PostgreSQL enriched.
Near-duplicate clustering needs every stored post and runs in `pantau enrich` instead.
With PANTAU_WRITER_PROCESS (the default) the storage pipeline's writer enriches the posts
instead, in a process beside the spider (crawler.writer_process), with :func:`enrich_post`.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.enrich.enricher import Enricher
from crawler.items import Post
from crawler.runner.spec import CrawlSpec


class EnrichPipeline:
    """Post -> Post with language, region_codes and watchlist_flags set."""

    def __init__(self, spec: CrawlSpec, stats: StatsCollector | None = None) -> None:
        self.spec = spec
        self.stats = stats
        self.enricher = Enricher(spec.watchlists)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichPipeline:
        raw = crawler.settings.getdict("PANTAU_SPEC")
        if not raw:
            raise NotConfigured("PANTAU_SPEC is not set")
        if enriched_by_writer(crawler.settings):
            raise NotConfigured("posts are enriched by the writer process (crawler.writebehind)")
        return cls(CrawlSpec.model_validate(raw), crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, Post):
            return item
        if enrich_post(self.enricher, item, self.spec.region) and self.stats is not None:
            self.stats.inc_value("pantau/posts_flagged")
        return item


def enrich_post(enricher: Enricher, post: Post, region: str | None) -> bool:
    """Set ``post``'s language, region codes and watchlist flags; True when it is flagged."""
    result = enricher.enrich(post.title, post.body_text, region, post.language)
    post.language = result.language
    post.region_codes = result.region_codes
    post.watchlist_flags = result.watchlist_flags
    return bool(result.watchlist_flags)


def enriched_by_writer(settings: Any) -> bool:
    """Whether the storage pipeline's writer enriches posts (PANTAU_WRITER_PROCESS with a
    database to write to), so this stage stands aside: the same work off the spider's core."""
    return bool(settings.getbool("PANTAU_WRITER_PROCESS") and settings.get("PANTAU_DATABASE_URL")
                and settings.getdict("PANTAU_SPEC"))
