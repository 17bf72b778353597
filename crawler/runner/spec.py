"""The per-run parameters of one crawl, validated at the task boundary."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crawler.config.sources import Limits, Politeness, Source
from crawler.extract.urls import site_key


class CrawlSpec(BaseModel):
    """Everything a spider process needs besides the process settings (environment)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: int | None = Field(description="crawl_runs.id the posts are attributed to.")
    source: str
    region: str
    spider: str = Field(description="Spider name in spiders/, e.g. phpbb.")
    platform: str = Field(description="posts.platform, e.g. phpbb.")
    start_url: str
    site: str = Field(description="Canonical base URL: part of every post's identity.")
    timezone: str = "Asia/Jakarta"
    authors: str = "pseudonymize"
    limits: Limits = Limits()
    politeness: Politeness = Politeness()
    mode: Literal["full", "discover", "threads"] = Field(
        default="full", description="Spider mode (crawler.items.SPIDER_MODES).")
    urls: list[str] = Field(default_factory=list, description="Thread URLs of mode 'threads'.")
    shard_no: int | None = Field(default=None, description="The shard this crawl is, if any.")
    threads_per_shard: int | None = None

    @classmethod
    def for_source(cls, source: Source, run_id: int | None) -> CrawlSpec:
        """The spec of one crawl of ``source``."""
        url = str(source.url)
        return cls(
            run_id=run_id,
            source=source.name,
            region=source.region,
            spider=source.spider,
            platform=source.engine or source.kind,
            start_url=url,
            site=site_key(url),
            timezone=source.timezone or "Asia/Jakarta",
            authors=source.authors,
            limits=source.limits,
            politeness=source.politeness,
            mode="discover" if source.threads_per_shard else "full",
            threads_per_shard=source.threads_per_shard,
        )

    def for_shard(self, shard_no: int, urls: list[str]) -> CrawlSpec:
        """The spec of one shard of this (discovery) crawl."""
        return self.model_copy(update={"mode": "threads", "urls": list(urls),
                                       "shard_no": shard_no})
