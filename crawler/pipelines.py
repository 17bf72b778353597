"""Item pipelines: normalize what spiders extract into posts, then write them in batches."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.authors import PSEUDONYM_KEY_HINT, MissingPseudonymKey, author_identity
from crawler.config.settings import get_settings
from crawler.items import (
    EXTRACTOR_VERSION,
    Post,
    PostItem,
    ThreadItem,
    ThreadRef,
    content_hash,
    normalize_text,
    post_uid,
)
from crawler.middlewares import record_error
from crawler.runner.spec import CrawlSpec


class NormalizePipeline:
    """PostItem -> Post: identity, author policy, normalized text, content hash."""

    def __init__(self, spec: CrawlSpec, pseudonym_key: bytes | None,
                 crawler: Crawler | None = None) -> None:
        self.spec = spec
        self.key = pseudonym_key
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        raw = crawler.settings.getdict("PANTAU_SPEC")
        if not raw:
            raise NotConfigured("PANTAU_SPEC is not set")
        spec = CrawlSpec.model_validate(raw)
        secret = get_settings().pseudonym_key
        key = secret.get_secret_value().encode() if secret is not None else None
        if spec.authors == "pseudonymize" and not key:
            raise MissingPseudonymKey(PSEUDONYM_KEY_HINT)
        return cls(spec, key, crawler)

    @property
    def platform(self) -> str:
        """The spec's platform; for a detected engine ('auto'), the engine the spider found."""
        if self.spec.platform != "auto":
            return self.spec.platform
        adapter = getattr(getattr(self.crawler, "spider", None), "adapter", None)
        return str(getattr(adapter, "platform_name", None) or "forum")

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, PostItem):
            return self.to_post(item, datetime.now(UTC))
        return item

    def to_post(self, item: PostItem, seen_at: datetime) -> Post:
        spec = self.spec
        author_key, author_name = author_identity(
            spec.authors, spec.site, item.author_id, item.author_name, self.key
        )
        title = normalize_text(item.title) or None
        body = normalize_text(item.body_text)
        # Raw markup names the author: it is kept only where the policy keeps names.
        keep = spec.authors == "keep"
        raw: dict[str, Any] = {"html": item.raw} if keep and item.raw is not None else {}
        if item.quoted_text:
            raw["quoted_text"] = item.quoted_text
        if keep and item.author_url:
            raw["author_url"] = item.author_url
        return Post(
            uid=post_uid(self.platform, spec.site, item.kind, item.native_id),
            platform=self.platform,
            site=spec.site,
            source=spec.source,
            url=item.url,
            native_id=item.native_id,
            kind=item.kind,
            thread_native_id=item.thread_native_id,
            thread_title=normalize_text(item.thread_title) or None,
            container=item.container,
            parent_native_id=item.parent_native_id,
            quoted_native_ids=list(item.quoted_native_ids),
            position=item.position,
            author_key=author_key,
            author_name=author_name,
            published_at=item.published_at,
            published_via=item.published_via if item.published_at else "first_seen",
            seen_at=seen_at,
            edited_at=item.edited_at,
            title=title,
            body_text=body,
            language=None,
            links=list(item.links),
            hashtags=[],
            mentions=[],
            media=list(item.media),
            metrics=dict(item.metrics),
            region_codes=[spec.region] if spec.region else [],
            watchlist_flags=[],
            content_hash=content_hash(title, body),
            extractor_version=EXTRACTOR_VERSION,
            raw=raw or None,
            crawl_run=spec.run_id,
        )


class StoragePipeline:
    """Buffers posts and writes them through crawler.storage's batched, idempotent writer.

    A completed thread first flushes the buffer, then lets the writer judge deletions for
    that thread. Counts of new, edited and unchanged posts go into the crawl's stats.
    """

    def __init__(self, database_url: str, spec: CrawlSpec, batch_size: int,
                 stats: StatsCollector | None) -> None:
        self.database_url = database_url
        self.spec = spec
        self.batch_size = batch_size
        self.stats = stats
        self.buffer: list[Post] = []
        self.conn: Any = None
        self.writer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        url = crawler.settings.get("PANTAU_DATABASE_URL")
        raw = crawler.settings.getdict("PANTAU_SPEC")
        if not url or not raw:
            raise NotConfigured("PANTAU_DATABASE_URL or PANTAU_SPEC is not set")
        return cls(url, CrawlSpec.model_validate(raw),
                   crawler.settings.getint("PANTAU_WRITER_BATCH_SIZE", 500), crawler.stats)

    def open_spider(self, spider: Spider | None = None) -> None:
        from crawler.storage.db import connect
        from crawler.storage.writer import PostWriter

        self.conn = connect(self.database_url)
        self.writer = PostWriter(self.conn)

    def close_spider(self, spider: Spider | None = None) -> None:
        try:
            self.flush()
        finally:
            if self.conn is not None:
                self.conn.close()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, Post):
            self._inc("pantau/posts_seen", 1)
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        elif isinstance(item, ThreadItem) and item.post_native_ids:
            self.flush()
            self.record_thread(item)
        return item

    def flush(self) -> None:
        """Write the buffered posts as one batch; a failed batch is recorded, not retried here."""
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        try:
            result = self.writer.write(batch)
        except Exception as err:
            record_error(self.stats, "storage", self.spec.start_url,
                         f"{len(batch)} posts not written: {type(err).__name__}: {err}")
            return
        for name, value in asdict(result).items():
            self._inc(f"pantau/posts_{name}", value)

    def record_thread(self, thread: ThreadItem) -> None:
        """Judge a complete thread's deletions and store where the thread resumes next time."""
        thread.title = normalize_text(thread.title) or None
        deleted = self.writer.record_thread(self.spec.site, self.spec.source, thread,
                                            datetime.now(UTC))
        self._inc("pantau/posts_deleted", deleted)
        self._inc("pantau/threads_complete" if thread.complete else "pantau/threads_resumed", 1)

    def _inc(self, key: str, value: int) -> None:
        if self.stats is not None and value:
            self.stats.inc_value(key, value)


class ShardPlanner:
    """Mode "discover": collects the threads a source lists and plans them into shards.

    Threads are de-duplicated by native id (a topic listed on two boards, or on two pages of
    a list that shifted meanwhile, is crawled once), kept in listing order, and stored as
    crawl_shards rows of ``threads_per_shard`` threads when the spider closes.
    """

    def __init__(self, database_url: str, spec: CrawlSpec, stats: StatsCollector | None) -> None:
        self.database_url = database_url
        self.spec = spec
        self.stats = stats
        self.threads: dict[str, str] = {}
        self.signatures: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShardPlanner:
        url = crawler.settings.get("PANTAU_DATABASE_URL")
        raw = crawler.settings.getdict("PANTAU_SPEC")
        spec = CrawlSpec.model_validate(raw) if raw else None
        if not url or spec is None or spec.mode != "discover" or spec.run_id is None:
            raise NotConfigured("not a discovery crawl")
        return cls(url, spec, crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, ThreadRef) and item.native_id not in self.threads:
            self.threads[item.native_id] = item.url
            if item.signature is not None:
                self.signatures[item.url] = item.signature
            if self.stats is not None:
                self.stats.inc_value("pantau/threads_found")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        from crawler.storage.db import connect
        from crawler.storage.shards import ShardStore

        if not self.threads or self.spec.run_id is None:
            return
        size = self.spec.threads_per_shard or len(self.threads)
        urls = list(self.threads.values())
        batches = [urls[i:i + size] for i in range(0, len(urls), size)]
        with connect(self.database_url) as conn:
            planned = ShardStore(conn).plan(self.spec.run_id, batches, self.signatures)
        if self.stats is not None:
            self.stats.set_value("pantau/shards", planned)
