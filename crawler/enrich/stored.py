"""`pantau enrich`: enrichment and near-duplicate clustering of stored posts, without crawling.

Without ``rebuild`` it processes the posts written or rewritten since they were last enriched
(``posts.enriched_updated_at`` differs from ``updated_at``); with ``rebuild`` every selected
post, so a changed watchlist re-flags what is stored. Posts stream through a server-side
cursor in batches; each batch is one transaction: language, regions and flags, then MinHash
signatures of texts that changed, then their near-duplicates joined into clusters. Only one
run at a time (a PostgreSQL advisory lock), so two runs never make two clusters of one text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from crawler.config.sources import SourcesFile
from crawler.enrich.enricher import Enricher
from crawler.enrich.neardup import (
    band_buckets,
    groups_of,
    lsh_shape,
    matching_pairs,
    signature,
)
from crawler.enrich.watchmap import WatchlistMap
from crawler.storage import clusters as cluster_store
from crawler.storage.enrichment import (
    EnrichedRow,
    StoredPost,
    count_posts,
    iter_batches,
    write_enrichments,
)

# pg_advisory_lock key: "pantau enrich" as a stable 64-bit number
ENRICH_LOCK_KEY = 0x70616E7461754572


class EnrichBusy(RuntimeError):
    """Another `pantau enrich` holds the lock on this database."""


@dataclass(frozen=True, slots=True)
class EnrichOptions:
    """What a run processes and how it compares texts."""

    rebuild: bool = False
    # with rebuild: also compare every text again and rebuild clusters (False: re-flag every
    # post, compare only texts changed since their signature; watchlists leave clusters be)
    recluster: bool = True
    region: str | None = None
    since: datetime | None = None
    batch_size: int = 1000
    threshold: float = 0.5
    min_words: int = 8


@dataclass(slots=True)
class EnrichStats:
    """What a run did."""

    posts: int = 0
    flagged: int = 0
    signatures: int = 0
    clusters: set[int] = field(default_factory=set)


class EnricherChooser:
    """The enricher (watchlists) and region of each stored post's source.

    A source in the sources file brings its own and its regions' watchlists; any other source
    (an ad-hoc URL crawl) gets the watchlists the file has for its stored region.
    """

    def __init__(self, sources: SourcesFile | WatchlistMap | None) -> None:
        self.map = WatchlistMap.of(sources) if isinstance(sources, SourcesFile) else sources
        self.cache: dict[tuple[str, str | None], tuple[Enricher, str | None]] = {}

    def for_post(self, post: StoredPost) -> tuple[Enricher, str | None]:
        key = (post.source, post.region)
        if key not in self.cache:
            source = self.map.source(post.source) if self.map else None
            if source is not None:
                region, lists = source
                self.cache[key] = (Enricher(lists), region or post.region)
            else:
                lists = self.map.region_watchlists(post.region) if (
                    self.map and post.region) else []
                self.cache[key] = (Enricher(lists), post.region)
        return self.cache[key]


def enrich_stored(database_url: str, options: EnrichOptions,
                  sources_file: SourcesFile | WatchlistMap | None = None,
                  on_batch: Callable[[int], None] | None = None) -> EnrichStats:
    """Enrich and cluster the selected stored posts; ``on_batch(n)`` after each batch."""
    from crawler.storage.db import connect

    chooser = EnricherChooser(sources_file)
    stats = EnrichStats()
    with connect(database_url) as read, connect(database_url, autocommit=True) as write:
        locked = write.execute("SELECT pg_try_advisory_lock(%s)", [ENRICH_LOCK_KEY]).fetchone()
        if not locked or not locked[0]:
            raise EnrichBusy("another `pantau enrich` is running on this database")
        try:
            if (options.rebuild and options.recluster and options.region is None
                    and options.since is None):
                with write.transaction():
                    cluster_store.clear_clusters(write)
            for batch in iter_batches(read, rebuild=options.rebuild, region=options.region,
                                      since=options.since, batch_size=options.batch_size):
                with write.transaction():
                    _enrich_batch(write, batch, options, chooser, stats)
                if on_batch is not None:
                    on_batch(len(batch))
        finally:
            write.execute("SELECT pg_advisory_unlock(%s)", [ENRICH_LOCK_KEY])
    return stats


def pending_count(database_url: str, options: EnrichOptions) -> int:
    """How many posts a run with ``options`` would go through (for a progress bar)."""
    from crawler.storage.db import connect

    with connect(database_url) as conn:
        return count_posts(conn, rebuild=options.rebuild, region=options.region,
                           since=options.since)


def _enrich_batch(conn: psycopg.Connection[Any], batch: list[StoredPost],
                  options: EnrichOptions, chooser: EnricherChooser, stats: EnrichStats) -> None:
    shape = lsh_shape(options.threshold)
    rows: list[EnrichedRow] = []
    signatures: list[tuple[str, str, bytes | None, list[tuple[int, int]]]] = []
    for post in batch:
        enricher, region = chooser.for_post(post)
        result = enricher.enrich(post.title, post.body_text, region, post.language)
        rows.append(EnrichedRow(post.uid, result.language, result.region_codes,
                                result.watchlist_flags, post.updated_at))
        stats.flagged += bool(result.watchlist_flags)
        if (options.rebuild and options.recluster) or post.signature_hash != post.content_hash:
            sig = signature(post.body_text, options.min_words)
            signatures.append((post.uid, post.content_hash, sig,
                               band_buckets(sig, shape) if sig is not None else []))
    write_enrichments(conn, rows)
    stats.posts += len(rows)
    if not signatures:
        return
    cluster_store.store_signatures(conn, signatures)
    stats.signatures += len(signatures)
    left = cluster_store.clear_clusters(conn, [row[0] for row in signatures])
    comparable = [row[0] for row in signatures if row[2] is not None]
    pairs = cluster_store.candidate_pairs(conn, comparable)
    stored = cluster_store.signatures_of(conn, {uid for pair in pairs for uid in pair})
    matched = matching_pairs(pairs, {uid: sig for uid, (sig, _c) in stored.items()
                                     if sig is not None}, options.threshold)
    groups = groups_of(matched)
    members = {uid: stored[uid][1] for group in groups for uid in group if uid in stored}
    touched = cluster_store.join_clusters(conn, groups, members)
    cluster_store.refresh_clusters(conn, touched | set(left))
    stats.clusters |= touched
