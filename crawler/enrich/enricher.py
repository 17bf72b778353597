"""One post's enrichment: language, region codes and watchlist flags.

Used by the Scrapy stage (crawler.enrich.pipeline) while crawling and by `pantau enrich`
(crawler.enrich.stored) on stored posts, so both give the same answer for the same text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crawler.config.watchlists import Watchlist
from crawler.enrich.gazetteer import gazetteer, with_ancestors
from crawler.enrich.language import detect_language
from crawler.enrich.watchlist import WatchlistMatcher


@dataclass(frozen=True, slots=True)
class Enrichment:
    """What enrichment sets on a post."""

    language: str | None
    region_codes: list[str]
    watchlist_flags: list[str]


class Enricher:
    """Enriches posts of one set of watchlists (a source's)."""

    def __init__(self, watchlists: Iterable[Watchlist] = ()) -> None:
        self.matcher = WatchlistMatcher.compile(watchlists)
        self.gazetteer = gazetteer()

    def enrich(self, title: str | None, body: str | None, region: str | None,
               declared_language: str | None = None) -> Enrichment:
        """The enrichment of a post of a source in ``region``.

        ``language``: detected from the text; the language the page declared when the text is
        too short or unclear. ``region_codes``: the source's region and every region the title
        or body names, each with its enclosing regions (62.71 brings 62), so
        ``region_codes @> '{62}'`` finds every post about Kalimantan Tengah.
        ``watchlist_flags``: ``watchlist:term`` for every term found (sorted).
        """
        text = "\n".join(part for part in (title, body) if part)
        language = detect_language(text)
        mentioned = self.gazetteer.codes(text)
        return Enrichment(
            language=language or declared_language,
            region_codes=with_ancestors([region or "", *mentioned]),
            watchlist_flags=self.matcher.flags_of_text(text),
        )
