"""A region's watchlists in the sources file: named lists of terms and phrases to flag.

```yaml
regions:
  - code: "62"
    name: Kalimantan Tengah
    watchlists:
      - name: sara
        terms: [kafir, usir pendatang, "perang suku"]
```

A post whose normalized text contains a term (crawler.enrich.watchlist: case, slang and
Indonesian stemming are evened out first) gets the flag ``sara:usir pendatang``. A source
inherits the watchlists of its region and of every enclosing region in the file (``62`` for
a source of ``62.71``); `pantau enrich --rebuild` re-flags stored posts after a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

WATCHLIST_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
MAX_TERMS = 2000
MAX_TERM_LENGTH = 120


class Watchlist(BaseModel):
    """One named list of terms; a match flags the post with ``name:term``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(description="Short lowercase name, part of every flag, "
                                           "e.g. sara, hoaks, kampanye.")]
    terms: list[str] = Field(
        min_length=1, max_length=MAX_TERMS,
        description="Words or phrases, matched on whole words after normalization "
        "(case, slang, Indonesian stems): 'bakar' also matches 'membakar', 'dibakar'.")

    @field_validator("name")
    @classmethod
    def _name_is_a_slug(cls, value: str) -> str:
        if not WATCHLIST_NAME.match(value):
            raise ValueError("a watchlist name is lowercase letters, digits, '_' or '-' "
                             "(max 41), e.g. sara")
        return value

    @field_validator("terms")
    @classmethod
    def _terms_are_words(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for term in value:
            cleaned = " ".join(str(term).split())
            if not any(ch.isalnum() for ch in cleaned):
                raise ValueError(f"term {term!r} has no letters or digits")
            if len(cleaned) > MAX_TERM_LENGTH:
                raise ValueError(f"term {cleaned[:30]!r}... is longer than "
                                 f"{MAX_TERM_LENGTH} characters")
            if cleaned not in out:
                out.append(cleaned)
        return out


def merge_watchlists(*groups: Iterable[Watchlist]) -> list[Watchlist]:
    """Watchlists of several levels as one list: lists of the same name are joined (terms of
    the first level first), so a city's 'sara' list extends its province's."""
    merged: dict[str, list[str]] = {}
    for group in groups:
        for watchlist in group:
            terms = merged.setdefault(watchlist.name, [])
            terms.extend(t for t in watchlist.terms if t not in terms)
    return [Watchlist(name=name, terms=terms) for name, terms in merged.items()]


def enclosing_codes(code: str) -> list[str]:
    """A Kemendagri code and the codes that enclose it, widest first: 62.71.01 ->
    ['62', '62.71', '62.71.01']."""
    if not code:
        return []
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]
