"""The per-run parameters of one crawl, validated at the task boundary."""

from __future__ import annotations

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
        )
