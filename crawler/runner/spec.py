"""The per-run parameters of one crawl, validated at the task boundary."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict, Field

from crawler.config.sources import Limits, Politeness, Source
from crawler.config.watchlists import Watchlist
from crawler.extract.social.targets import social_site_key
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
    signatures: dict[str, str] = Field(
        default_factory=dict, description="Mode 'threads': thread URL -> listing signature.")
    engine: str | None = Field(default=None, description="Forum engine adapter, or 'auto'.")
    selectors: dict[str, Any] | None = Field(default=None, description="No-code adapter.")
    render: dict[str, Any] | None = Field(
        default=None, description="Kind rendered: the render block (browser steps).")
    deep: bool = Field(default=False, description="Fetch every page of every thread.")
    shard_no: int | None = Field(default=None, description="The shard this crawl is, if any.")
    threads_per_shard: int | None = None
    watchlists: list[Watchlist] = Field(
        default_factory=list, description="Terms that flag posts (the source's, its region's "
        "and enclosing regions'); the enrich pipeline matches them.")

    @classmethod
    def for_source(cls, source: Source, run_id: int | None) -> CrawlSpec:
        """The spec of one crawl of ``source``."""
        url = str(source.url)
        return cls(
            run_id=run_id,
            source=source.name,
            region=source.region,
            spider=source.spider,
            platform=source.platform,
            engine=source.engine,
            selectors=source.selectors.model_dump(exclude_none=True) if source.selectors else None,
            render=source.render.model_dump(exclude_none=True) if source.render else None,
            start_url=url,
            # articles are known by their canonical URL: the site is the host, whatever
            # feed or sitemap path the source names (a feed and a news source share it)
            site=social_site_key(source.kind, url)  # a channel, timeline, feed: targets.py
            or site_key(urljoin(url, "/") if source.kind in ("feed", "news") else url),
            timezone=source.timezone or "Asia/Jakarta",
            authors=source.authors,
            limits=source.limits,
            politeness=source.politeness,
            mode="discover" if source.threads_per_shard else "full",
            threads_per_shard=source.threads_per_shard,
            watchlists=list(source.watchlists),
        )

    def for_shard(self, shard_no: int, urls: list[str],
                  signatures: dict[str, str] | None = None) -> CrawlSpec:
        """The spec of one shard of this (discovery) crawl."""
        return self.model_copy(update={"mode": "threads", "urls": list(urls),
                                       "signatures": dict(signatures or {}),
                                       "shard_no": shard_no})

    def spider_arguments(self, known_threads: list[dict[str, Any]]) -> dict[str, Any]:
        """The keyword arguments of the spider (see spiders/forum.py)."""
        args: dict[str, Any] = {"start_url": self.start_url, "timezone": self.timezone,
                                "mode": self.mode, "urls": self.urls, "deep": self.deep,
                                "signatures": self.signatures, "known_threads": known_threads}
        if self.limits.max_age is not None:  # feed and news spiders (spiders/articles.py)
            args["max_age"] = self.limits.max_age.total_seconds()
        if self.selectors:
            args["selectors"] = self.selectors
        elif self.engine:
            args["engine"] = self.engine
        if self.render is not None:
            args["render"] = self.render
        return args
