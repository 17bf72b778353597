"""Watchlist matching: terms and phrases found in a post's normalized tokens.

Each term is normalized like post text (crawler.enrich.normalize), then matched as a run of
adjacent whole tokens: ``usir pendatang`` matches "Mengusir PENDATANG" and "ngusir
pendatang2", but neither "pendatang diusir" (order) nor "usir para pendatang" (a word in
between). Tokens are whole words, so ``agam`` never matches inside "agama"; a term's other
forms match through their stem (``bakar``: membakar, dibakar, pembakaran). A match is the
flag ``<watchlist>:<term as written>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.config.watchlists import Watchlist
from crawler.enrich.normalize import normalize_tokens


@dataclass(slots=True)
class WatchlistMatcher:
    """Compiled watchlists: the normalized token runs of every term, by first token."""

    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)

    @classmethod
    def compile(cls, watchlists: Iterable[Watchlist]) -> WatchlistMatcher:
        """Normalize every term once; terms that normalize to nothing are skipped."""
        matcher = cls()
        for watchlist in watchlists:
            for term in watchlist.terms:
                tokens = tuple(normalize_tokens(term))
                if tokens:
                    flag = f"{watchlist.name}:{term}"
                    matcher.by_first.setdefault(tokens[0], []).append((tokens, flag))
        return matcher

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def flags(self, tokens: Sequence[str]) -> list[str]:
        """The sorted flags of every term that occurs in ``tokens`` (normalized tokens)."""
        if not self.by_first:
            return []
        found: set[str] = set()
        for i, token in enumerate(tokens):
            for run, flag in self.by_first.get(token, ()):
                if flag not in found and tuple(tokens[i:i + len(run)]) == run:
                    found.add(flag)
        return sorted(found)

    def flags_of_text(self, text: str | None) -> list[str]:
        """Flags of a raw text (normalizes it first)."""
        return self.flags(normalize_tokens(text)) if self.by_first else []
