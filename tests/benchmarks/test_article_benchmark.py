"""Article extraction, sitemap and feed parsing: time per page and the memory of a full sitemap.

Run: .venv/bin/python -m pytest -m benchmark tests/benchmarks/test_article_benchmark.py -s
Results are recorded in docs/benchmarks.md ("Articles, sitemaps and feeds").
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.article import extract_article
from crawler.extract.engines import Page, ParseContext
from crawler.extract.feeds import parse_feed
from crawler.extract.sitemaps import parse_sitemap
from tests.sites import news_markup as markup
from tests.sites.news_model import NewsSite

pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(1800)]
BASE = "http://127.0.0.1:8765/"
SITEMAP_URLS = 50_000  # the protocol's maximum per sitemap


def best_of(runs: int, work: Callable[[], Any]) -> float:
    """The fastest of ``runs`` timings of ``work``, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def test_article_pages_per_second(real_fixtures: Path) -> None:
    site = NewsSite(seed=1, articles=60)
    pages = [Page(site.url(BASE, a), markup.article_page(site, BASE, a))
             for a in site.articles.values()]
    kompas = (real_fixtures / "news" / "money.kompas.com-Menhub.html")
    real = Page.from_bytes(kompas.as_uri(), kompas.read_bytes())
    context = ParseContext()
    fixture = best_of(3, lambda: [extract_article(p, context) for p in pages]) / len(pages)
    big = best_of(5, lambda: extract_article(real, context))
    print(f"\narticle: fixture pages {fixture * 1000:.1f} ms/page ({1 / fixture:.0f}/s); "
          f"Kompas page ({len(real.text) // 1024} KiB) {big * 1000:.1f} ms")


def test_a_full_gzip_sitemap() -> None:
    entries = [(f"{BASE}berita/2024/03/{n % 28 + 1:02d}/artikel-nomor-{n}.html",
                f"2024-03-{n % 28 + 1:02d}T10:{n % 60:02d}:00+07:00")
               for n in range(SITEMAP_URLS)]
    body = gzip.compress(markup.urlset(entries).encode())
    seconds = best_of(3, lambda: parse_sitemap(body, BASE + "s.xml.gz"))
    tracemalloc.start()
    parsed = parse_sitemap(body, BASE + "s.xml.gz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(parsed.urls) == SITEMAP_URLS
    print(f"\nsitemap: {SITEMAP_URLS} URLs ({len(body) // 1024} KiB gzip) parsed in "
          f"{seconds:.2f} s, peak {peak / 2**20:.0f} MiB traced")


def test_feed_of_100_entries() -> None:
    site = NewsSite(seed=2, articles=100)
    articles = site.newest_first()
    for name, render in (("rss", markup.rss), ("atom", markup.atom),
                         ("json", markup.json_feed)):
        body = render(site, BASE, articles).encode()
        seconds = best_of(3, lambda body=body: parse_feed(body, BASE + "feed"))
        print(f"\nfeed {name}: 100 entries ({len(body) // 1024} KiB) in {seconds * 1000:.0f} ms")
