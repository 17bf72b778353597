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
from crawler.bounds.posts import PostBounds
from crawler.config.settings import get_settings
from crawler.items import (
    EXTRACTOR_VERSION,
    Post,
    PostItem,
    ThreadItem,
    ThreadRef,
    content_hash,
    identity_site,
    normalize_text,
    post_uid,
)
from crawler.middlewares import record_error
from crawler.runner.child import INTERRUPTED_STAT
from crawler.runner.spec import CrawlSpec


class NormalizePipeline:
    """PostItem -> Post: identity, author policy, normalized text, content hash."""

    def __init__(self, spec: CrawlSpec, pseudonym_key: bytes | None,
                 crawler: Crawler | None = None) -> None:
        self.spec = spec
        self.key = pseudonym_key
        self.crawler = crawler
        # Impossible dates, unstorable characters, gigantic posts: crawler/bounds/posts.py
        self.bounds = PostBounds.for_crawler(crawler, spec.timezone)

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
        item = self.bounds.check(item, seen_at)
        site = identity_site(self.platform, spec.site)
        author_key, author_name = author_identity(
            spec.authors, site, item.author_id, item.author_name, self.key
        )
        title = normalize_text(item.title) or None
        body = normalize_text(item.body_text)
        # Raw markup names the author: it is kept only where the policy keeps names.
        keep = spec.authors == "keep"
        raw: dict[str, Any] = {"html": item.raw} if keep and item.raw is not None else {}
        raw.update(item.extra)
        if item.quoted_text:
            raw["quoted_text"] = item.quoted_text
        if keep and item.author_url:
            raw["author_url"] = item.author_url
        return Post(
            uid=post_uid(self.platform, site, item.kind, item.native_id),
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
            language=item.language,
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
    """Writes posts and thread records through crawler.storage, off the reactor thread.

    A thin adapter over :class:`crawler.writebehind.WriteBehind`: posts are buffered and
    written in batches by one dedicated thread, each complete thread's record (deletions,
    resume point) after its posts. With PANTAU_WRITER_PROCESS that thread hands the jobs to
    a process forked beside the spider, which enriches them too (crawler.writer_process).
    Counts of new, edited and unchanged posts go into the crawl's stats; a batch that fails
    is recorded as a storage error, not retried here.
    """

    def __init__(self, database_url: str, spec: CrawlSpec, batch_size: int,
                 stats: StatsCollector | None, process: bool = False) -> None:
        self.database_url = database_url
        self.spec = spec
        self.batch_size = batch_size
        self.stats = stats
        self.process = process  # enrich and write in a process of their own
        self.runner: Any = None
        self.pool: Any = None
        self.behind: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        from crawler.enrich.pipeline import enriched_by_writer

        url = crawler.settings.get("PANTAU_DATABASE_URL")
        raw = crawler.settings.getdict("PANTAU_SPEC")
        if not url or not raw:
            raise NotConfigured("PANTAU_DATABASE_URL or PANTAU_SPEC is not set")
        return cls(url, CrawlSpec.model_validate(raw),
                   crawler.settings.getint("PANTAU_WRITER_BATCH_SIZE", 500), crawler.stats,
                   process=enriched_by_writer(crawler.settings))

    def open_spider(self, spider: Spider | None = None) -> None:
        from twisted.internet import reactor as installed
        from twisted.internet import threads
        from twisted.python.threadpool import ThreadPool

        from crawler.storage.db import connect
        from crawler.writebehind import WriteBehind
        from crawler.writer_process import WriterProcess

        reactor: Any = installed  # zope interfaces confuse mypy's view of its methods
        if self.process:
            connect(self.database_url).close()  # an unreachable database fails the start here
            self.runner = WriterProcess(self._new_runner)  # forks now, before the writer thread
        else:
            self.runner = self._new_runner()
        runner = self.runner
        self.pool = ThreadPool(minthreads=1, maxthreads=1, name="pantau-writer")
        self.pool.start()
        # close_spider stops it; should the reactor stop without closing the spider, too
        reactor.addSystemEventTrigger("during", "shutdown", self._stop_pool)
        self.behind = WriteBehind(
            lambda job: threads.deferToThreadPool(reactor, self.pool, runner, job),
            self.batch_size, self._report, self._failed)
        self.behind.start()

    async def close_spider(self, spider: Spider | None = None) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future

        try:
            if self.behind is not None:
                await maybe_deferred_to_future(self.behind.close())
        finally:
            self._stop_pool()
            if self.runner is not None:
                self.runner.close()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, Post):
            self._inc("pantau/posts_seen", 1)
            wait = self.behind.add_post(item)
        elif isinstance(item, ThreadItem) and item.post_native_ids:
            item.title = normalize_text(item.title) or None
            self._inc("pantau/threads_complete" if item.complete else "pantau/threads_resumed", 1)
            wait = self.behind.add_thread(item, datetime.now(UTC))
        else:
            return item
        return item if wait is None else _after(wait, item)

    def _new_runner(self) -> Any:
        """A job runner with its own connection; it enriches when EnrichPipeline stands aside."""
        from crawler.storage.db import connect
        from crawler.writebehind import JobRunner

        enricher = None
        if self.process:
            from crawler.enrich.enricher import Enricher

            enricher = Enricher(self.spec.watchlists)
        return JobRunner(connect(self.database_url), self.spec.site, self.spec.source,
                         enricher, self.spec.region,
                         reconnect=lambda: connect(self.database_url))

    def _report(self, outcome: Any) -> None:
        for name, value in asdict(outcome.written).items():
            self._inc(f"pantau/posts_{name}", value)
        self._inc("pantau/posts_deleted", outcome.deleted)
        self._inc("pantau/posts_flagged", outcome.flagged)
        for message in outcome.errors:
            self._failed(message)

    def _failed(self, message: str) -> None:
        record_error(self.stats, "storage", self.spec.start_url, message)

    def _stop_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.stop()

    def _inc(self, key: str, value: int) -> None:
        if self.stats is not None and value:
            self.stats.inc_value(key, value)


async def _after(wait: Any, item: Any) -> Any:
    """``item``, once the write-behind queue has room again (back-pressure)."""
    from scrapy.utils.defer import maybe_deferred_to_future

    await maybe_deferred_to_future(wait)
    return item


class ShardPlanner:
    """Mode "discover": collects the threads a source lists and plans them into shards.

    Threads are de-duplicated by native id (a topic listed on two boards, or on two pages of
    a list that shifted meanwhile, is crawled once), kept in listing order, and stored as
    crawl_shards rows of ``threads_per_shard`` threads when the spider closes - unless SIGINT
    stopped it (crawler.runner.child): a plan is final for its run, and a partial listing
    would leave the other threads uncrawled; the task hands the discovery back instead.
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
        if self.stats is not None and self.stats.get_value(INTERRUPTED_STAT):
            return
        size = self.spec.threads_per_shard or len(self.threads)
        urls = list(self.threads.values())
        batches = [urls[i:i + size] for i in range(0, len(urls), size)]
        with connect(self.database_url) as conn:
            planned = ShardStore(conn).plan(self.spec.run_id, batches, self.signatures)
        if self.stats is not None:
            self.stats.set_value("pantau/shards", planned)
