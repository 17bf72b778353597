"""What enrichment needs of a sources file, as plain data a task message can carry.

Each configured source's region and watchlists (its own, its region's and the enclosing
regions', as :meth:`SourcesFile.sources` merges them), and each region's own watchlists, so a
post of a source outside the file (an ad-hoc URL crawl) gets its stored region's lists.
:meth:`WatchlistMap.digest` changes exactly when one of those lists or a source's region
changes: the scheduled ``pantau.enrich`` task re-flags every stored post then
(tasks/maintenance.py; docs/operations.md, "Maintenance on schedule").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from crawler.config.sources import SourcesFile
from crawler.config.watchlists import Watchlist, enclosing_codes, merge_watchlists


@dataclass(frozen=True)
class WatchlistMap:
    """Sources' regions and watchlists, and regions' own watchlists."""

    sources: dict[str, tuple[str, tuple[Watchlist, ...]]]
    regions: dict[str, tuple[Watchlist, ...]]

    @classmethod
    def of(cls, parsed: SourcesFile) -> WatchlistMap:
        """The map of a loaded sources file."""
        return cls(
            sources={s.name: (s.region, tuple(s.watchlists)) for s in parsed.sources()},
            regions={r.code: tuple(r.watchlists) for r in parsed.regions})

    def to_json(self) -> dict[str, Any]:
        """Plain data (a task argument); :meth:`from_json` reads it back."""
        def lists(watchlists: tuple[Watchlist, ...]) -> list[dict[str, Any]]:
            return [w.model_dump() for w in watchlists]

        return {"sources": {name: {"region": region, "watchlists": lists(wl)}
                            for name, (region, wl) in sorted(self.sources.items())},
                "regions": {code: lists(wl) for code, wl in sorted(self.regions.items())}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WatchlistMap:
        """The map :meth:`to_json` wrote (watchlists validated again)."""
        def lists(raw: list[dict[str, Any]]) -> tuple[Watchlist, ...]:
            return tuple(Watchlist.model_validate(w) for w in raw)

        return cls(
            sources={name: (str(entry.get("region") or ""), lists(entry.get("watchlists", [])))
                     for name, entry in data.get("sources", {}).items()},
            regions={code: lists(raw) for code, raw in data.get("regions", {}).items()})

    def digest(self) -> str:
        """A SHA-256 over every list, term and source region, in a stable order."""
        blob = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def source(self, name: str) -> tuple[str, list[Watchlist]] | None:
        """A configured source's region and merged watchlists, None for other sources."""
        entry = self.sources.get(name)
        return (entry[0], list(entry[1])) if entry is not None else None

    def region_watchlists(self, code: str) -> list[Watchlist]:
        """The watchlists of region ``code`` and of the regions enclosing it."""
        levels = [self.regions[c] for c in reversed(enclosing_codes(code)) if c in self.regions]
        return merge_watchlists(*levels)
