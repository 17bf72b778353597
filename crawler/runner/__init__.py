"""Run one spider in its own process session and stream its progress back."""

from __future__ import annotations

from crawler.runner.process import CrawlOutcome, CrawlTerminated, run_crawl
from crawler.runner.spec import CrawlSpec

__all__ = ["CrawlOutcome", "CrawlSpec", "CrawlTerminated", "run_crawl"]
