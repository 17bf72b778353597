"""A deterministic local phpBB 3 (prosilver) forum for tests, benchmarks and the demo."""

from __future__ import annotations

from crawler.demosite.model import Forum, TruthPost, build_forum
from crawler.demosite.server import DemoForumServer, SiteServer

__all__ = ["DemoForumServer", "Forum", "SiteServer", "TruthPost", "build_forum"]
