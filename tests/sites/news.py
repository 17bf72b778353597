"""The news fixture site over HTTP: robots.txt, sitemaps (index, gzip child, news sitemap),
feeds (RSS teasers, Atom and JSON Feed with full text), article pages, and the real feed files.

``/robots.txt`` names ``sitemap_index.xml`` and ``news-sitemap.xml`` and disallows ``/cari/``.
The index lists the older half of the articles in ``sitemaps/post-sitemap1.xml`` (with the
home page, a search URL under ``/cari/`` and one URL on another host, none of them articles
to fetch), the newer half in ``sitemaps/post-sitemap2.xml.gz`` (gzip, served as
``application/x-gzip``) and categories in ``sitemaps/category-sitemap.xml`` (skipped). The
news sitemap holds the newest three. Feeds hold the newest ``FEED_SIZE`` articles.
``/sitemap.xml`` is the index too (for a robots.txt without ``Sitemap:`` lines,
``robots_sitemaps=False``). ``/real/NAME`` serves the files of ../shared/fixtures/real/feeds
unchanged.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demosite.server import Reply, SiteServer
from tests.conftest import REAL_FIXTURES
from tests.sites import news_markup as markup
from tests.sites.news_model import NewsArticle, NewsSite

FEED_SIZE = 10
NEWS_SIZE = 3
ROBOTS_TXT = ("User-agent: *\nDisallow: /cari/\n\n"
              "Sitemap: {base}sitemap_index.xml\nSitemap: {base}news-sitemap.xml\n")
HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
OFFSITE = "https://lain.example/berita/bukan-dari-situs-ini.html"
REAL = {"feed.json": "application/feed+json", "feed1.atom": "application/atom+xml",
        "feed2.rss": "application/rss+xml", "sitemap.xml": "application/xml"}


class NewsServer(SiteServer):
    """Serves a :class:`NewsSite` (see the module docstring)."""

    def __init__(self, site: NewsSite, prefix: str = "/", robots_sitemaps: bool = True) -> None:
        super().__init__(None, prefix=prefix)  # type: ignore[arg-type]
        self.site = site
        self.robots_sitemaps = robots_sitemaps  # False: robots.txt names none

    def halves(self) -> tuple[list[NewsArticle], list[NewsArticle]]:
        """(older half, newer half) of the articles, oldest first."""
        ordered = list(reversed(self.site.newest_first()))
        middle = len(ordered) // 2
        return ordered[:middle], ordered[middle:]

    def respond(self, target: str, host: str) -> Reply:
        path = urlsplit(target).path
        base = f"http://{host}{self.prefix}"
        if path == "/robots.txt":
            robots = ROBOTS_TXT if self.robots_sitemaps else ROBOTS_TXT.partition("\n\n")[0]
            return 200, "text/plain; charset=utf-8", robots.format(base=base)
        if not path.startswith(self.prefix):
            return 404, HTML, "<html><body><p>Tidak ditemukan</p></body></html>"
        path = path[len(self.prefix):]
        with self.lock:
            return self._route(path, base)

    def _route(self, path: str, base: str) -> Reply:
        site = self.site
        newest = site.newest_first()
        older, newer = self.halves()
        if path in ("sitemap_index.xml", "sitemap.xml"):
            return 200, XML, markup.sitemap_index([
                (f"{base}sitemaps/post-sitemap1.xml", _lastmod(older)),
                (f"{base}sitemaps/post-sitemap2.xml.gz", _lastmod(newer)),
                (f"{base}sitemaps/category-sitemap.xml", "2024-03-01")])
        if path == "sitemaps/post-sitemap1.xml":
            return 200, XML, markup.urlset(
                [(base, None), (f"{base}cari/?q=pilkada", None), (OFFSITE, "2024-03-02")]
                + [(site.url(base, a), a.lastmod) for a in older])
        if path == "sitemaps/post-sitemap2.xml.gz":
            body = markup.urlset([(site.url(base, a), a.lastmod) for a in newer])
            return 200, "application/x-gzip", gzip.compress(body.encode(), mtime=0)
        if path == "sitemaps/category-sitemap.xml":
            return 200, XML, markup.urlset([(f"{base}kategori/{c}/", None)
                                            for c in ("politik", "daerah", "ekonomi")])
        if path == "news-sitemap.xml":
            return 200, XML, markup.news_sitemap(site, base, newest[:NEWS_SIZE])
        feeds = {"feed/rss.xml": ("application/rss+xml; charset=UTF-8", markup.rss),
                 "feed/atom.xml": ("application/atom+xml; charset=UTF-8", markup.atom),
                 "feed/feed.json": ("application/feed+json", markup.json_feed)}
        if path in feeds:
            content_type, render = feeds[path]
            return 200, content_type, render(site, base, newest[:FEED_SIZE])
        if path.startswith("real/") and path[5:] in REAL:
            file = Path(REAL_FIXTURES) / "feeds" / path[5:]
            if file.is_file():
                return 200, REAL[path[5:]], file.read_bytes()
        if path.startswith("kategori/"):
            return 200, HTML, markup.listing_page(site, base, path.split("/")[1])
        article = next((a for a in site.articles.values() if a.path == path), None)
        if article is not None:
            return 200, HTML, markup.article_page(site, base, article)
        return 404, HTML, "<html><body><p>Tidak ditemukan</p></body></html>"


def _lastmod(articles: list[NewsArticle]) -> str:
    return max(a.modified for a in articles).isoformat() if articles else "2024-03-01"
