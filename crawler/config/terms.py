"""Per-source terms: a note that blocks a source, and the operator's explicit override.

A source with ``terms: "<note>"`` (the site forbids automated crawling, say) is blocked:
``pantau crawl`` refuses it, the crawl task fails its run with the note, the beat does not
schedule it, and ``pantau sources validate`` lists it. ``terms_override: {by, reason,
date}`` (all three required) lifts the block; the task then logs the override at each run
and stores it on the run (``crawl_runs.terms_override``). docs/sources.md, "Terms".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

TERMS_HINT = ("crawl it only with the site's permission or a documented legal basis: then add "
              "terms_override: {by: NAME, reason: WHY, date: YYYY-MM-DD} to the source "
              "(docs/sources.md, 'Terms')")


class TermsOverride(BaseModel):
    """Who decided to crawl a source despite its terms note, why, and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str = Field(description="Who decided (a person's name, not a team).")
    reason: str = Field(description="Why the source may be crawled anyway (the permission, "
                        "the legal basis).")
    date: dt.date = Field(description="When it was decided, YYYY-MM-DD.")

    @field_validator("by", "reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    def record(self, terms: str) -> dict[str, Any]:
        """What a crawl run stores: the override and the note it overrides."""
        return {"terms": terms, "by": self.by, "reason": self.reason,
                "date": self.date.isoformat()}

    def describe(self) -> str:
        """``by Sari Dewi on 2026-11-30: written permission of the site owner``."""
        return f"by {self.by} on {self.date.isoformat()}: {self.reason}"


def check_terms_note(value: str | None) -> str | None:
    """A terms note is a non-empty line of text."""
    if value is None:
        return None
    if not value.strip():
        raise ValueError("must not be empty (leave the field out when there are no terms)")
    return " ".join(value.split())


def terms_block(terms: str | None, override: TermsOverride | None) -> str | None:
    """Why a source may not be crawled (its terms note, not overridden), or None."""
    if terms and override is None:
        return f"blocked by its terms: {terms}"
    return None
