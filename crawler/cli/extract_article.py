"""``pantau extract`` for what is not a forum page: articles, feeds and sitemaps.

A page goes here when ``--engine article`` or ``--kind news|feed`` says so, or when no forum
engine recognizes it: a feed lists its entries, a sitemap its URLs, and any other page is read
as an article (title, date, authors, language, canonical URL, text, comments), exactly as the
feed and news spiders read it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from crawler.cli.errors import UserError
from crawler.extract.engines import EngineError, Page, ParseContext, detect_engine
from crawler.i18n import say

if TYPE_CHECKING:
    from crawler.extract.article import Article

# trafilatura, htmldate and feedparser take seconds to import: only when a page needs them

console = Console(highlight=False)
ARTICLE_ENGINES = ("article", "news")
KINDS = ("forum", "news", "feed")
_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding=)["'][^"']*["']""")
_SITEMAP_ROOT = re.compile(r"<(?:\w+:)?(?:urlset|sitemapindex)[\s>]")


def wants_other(engine: str | None, kind: str | None) -> bool:
    """True when the options ask for an article, feed or sitemap reading."""
    if kind is not None and kind not in KINDS:
        raise UserError(say("bad_kind", kind=kind, kinds=", ".join(KINDS)))
    return engine in ARTICLE_ENGINES or kind in ("news", "feed")


def raw_bytes(page: Page) -> bytes:
    """The page as UTF-8 bytes, its XML declaration saying so (the text is decoded already)."""
    return _XML_ENCODING.sub(r'\1"utf-8"', page.text, count=1).encode("utf-8")


def is_listing(page: Page) -> bool:
    """A feed or a sitemap."""
    from crawler.extract.feeds import looks_like_feed

    head = page.text[:4096]
    return (looks_like_feed(raw_bytes(page)[:4096], page.headers.get("content-type"))
            or bool(_SITEMAP_ROOT.search(head)))


def no_forum_engine(page: Page) -> bool:
    """True when no forum engine recognizes the page."""
    try:
        detect_engine(page)
    except EngineError:
        return True
    return False


def extract_other(page: Page, timezone: str, as_json: bool, forced: bool,
                  kind: str | None = None) -> bool:
    """Print the page as a feed, sitemap or article; False when it is none of them and
    nothing forced the reading (then the forum engines' error stands). ``kind`` "feed":
    the page must be a feed."""
    from crawler.extract.article import extract_article

    if kind == "feed" or is_listing(page):
        report = _listing(page, timezone, feed=kind == "feed")
    else:
        article = extract_article(page, ParseContext(timezone=timezone))
        if article is None or not (forced or article.title or article.published_at):
            if not forced:
                return False
            raise UserError(say("no_article", url=page.url), say("no_article_hint"), code=1)
        report = article_dict(article, page.url)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        _show(report)
    return True


def article_dict(article: Article, url: str) -> dict[str, Any]:
    """The article as plain data (``--json``), with the posts a crawl stores."""
    from crawler.extract.article import article_items

    posts, _thread = article_items(article)
    return {
        "url": url, "kind": "article", "canonical_url": article.url, "title": article.title,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "date_source": article.date_source, "authors": article.authors,
        "language": article.language, "description": article.description,
        "tags": article.tags, "links": article.links, "media": article.media,
        "body_text": article.body_text,
        "comments": [{"native_id": c.native_id, "position": c.position,
                      "parent_native_id": c.parent_native_id, "author_name": c.author_name,
                      "published_at": c.published_at.isoformat() if c.published_at else None,
                      "body_text": c.body_text} for c in posts[1:]],
    }


def _listing(page: Page, timezone: str, feed: bool = False) -> dict[str, Any]:
    from crawler.extract.feeds import FeedError, looks_like_feed, parse_feed
    from crawler.extract.sitemaps import SitemapError, parse_sitemap

    data = raw_bytes(page)
    try:
        if feed or looks_like_feed(data, page.headers.get("content-type")):
            parsed = parse_feed(data, page.url, timezone)
            return {"url": page.url, "kind": "feed", "format": parsed.format,
                    "title": parsed.title, "language": parsed.language, "entries": [
                        {"id": e.id, "url": e.url, "title": e.title,
                         "published_at": e.published.isoformat() if e.published else None,
                         "signature": e.signature, "authors": e.authors,
                         "full_content": e.full_content} for e in parsed.entries]}
        sitemap = parse_sitemap(data, page.url)
    except (FeedError, SitemapError) as err:
        raise UserError(str(err), say("listing_hint"), code=1) from None
    return {"url": page.url, "kind": f"sitemap {sitemap.kind}", "news": sitemap.news,
            "sitemaps": [{"loc": s.loc, "lastmod": s.lastmod} for s in sitemap.sitemaps],
            "urls": [{"loc": u.loc, "lastmod": u.lastmod, "title": u.news_title}
                     for u in sitemap.urls]}


def _show(report: dict[str, Any]) -> None:
    console.print(f"[bold]{report['url']}[/]")
    console.print(say("extract_kind", kind=report["kind"]))
    if report["kind"] == "article":
        for key in ("canonical_url", "title", "published_at", "date_source", "authors",
                    "language"):
            value = report[key]
            shown = ", ".join(value) if isinstance(value, list) else value
            console.print(f"{key}: {shown or '-'}")
        console.print(f"\n{report['body_text']}\n")
        console.print(say("article_counts", chars=len(report["body_text"]),
                          links=len(report["links"]), comments=len(report["comments"])))
        for comment in report["comments"]:
            console.print(say("article_comment", id=comment["native_id"],
                              parent=comment["parent_native_id"],
                              author=comment["author_name"] or "-",
                              text=comment["body_text"][:70]))
        return
    rows = report.get("entries") or report.get("urls") or report.get("sitemaps") or []
    columns = [k for k in ("url", "loc", "title", "published_at", "lastmod", "full_content")
               if rows and k in rows[0]]
    table = Table(*columns)
    for row in rows:
        table.add_row(*("-" if row[k] is None else str(row[k]) for k in columns))
    console.print(table)
    console.print(say("listing_entries" if "entries" in report else "listing_urls",
                      count=len(rows)))
