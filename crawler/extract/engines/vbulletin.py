"""``engine: vbulletin``: whichever of vBulletin 3, 4 and 5 made the page.

A source configured as plain "vbulletin" (or a URL detected as vBulletin) is parsed page by
page by the version adapter whose fingerprint the page shows; all three adapters share the
platform "vbulletin", so post identities do not depend on which name a source used.
"""

from __future__ import annotations

from crawler.extract.engines._vbulletin3 import detect_vb3
from crawler.extract.engines.base import Engine, KnownThread, Page, PageResult, ParseContext
from crawler.extract.engines.vbulletin4 import ENGINE as VB4
from crawler.extract.engines.vbulletin4 import detect_vb4
from crawler.extract.engines.vbulletin5 import ENGINE as VB5
from crawler.extract.engines.vbulletin5 import detect_vb5


class Vbulletin(Engine):
    """Delegates to the vBulletin 4 (and 3) or 5 adapter, chosen per page by its fingerprint."""

    name = "vbulletin"
    platform = "vbulletin"

    def detect(self, page: Page) -> str | None:
        reason = detect_vb5(page)
        if reason:
            return f"vBulletin 5: {reason}"
        reason = detect_vb4(page)
        if reason:
            return f"vBulletin 4: {reason}"
        reason = detect_vb3(page.selector)
        return f"vBulletin 3: {reason}" if reason else None

    def version(self, page: Page) -> Engine:
        """The adapter for this page: vBulletin 5 where its fingerprint shows, else the
        vBulletin 4 adapter (which also reads vBulletin 3's pages)."""
        return VB5 if detect_vb5(page) else VB4

    def resume_url(self, known: KnownThread) -> str | None:
        """vBulletin 4 thread URLs name a script; vBulletin 5 ones are node paths."""
        url = known.last_page_url or known.url or ""
        return (VB4 if "showthread.php" in url else VB5).resume_url(known)

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        return self.version(page).parse(page, context)


ENGINE = Vbulletin()
