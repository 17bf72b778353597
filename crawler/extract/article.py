"""News articles: a page (or a feed entry) in, an article post and its comments out.

The page's main text, title and links come from trafilatura; the publication date, authors,
language and canonical URL from :mod:`crawler.extract.article_meta`; comments listed in the
page's HTML from :mod:`crawler.extract.article_comments`. An article is a post of kind
``article`` at position 1 of its own thread (native id = its canonical URL without tracking
parameters); its comments are posts of kind ``comment`` replying to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from crawler.extract import article_meta as meta
from crawler.extract.article_comments import page_comments
from crawler.extract.engines.base import Page, ParseContext
from crawler.extract.feeds import FeedEntry
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, ThreadItem, normalize_text

# Query parameters that track a click and never select an article.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga", "ref_src")


@dataclass(slots=True)
class ArticleHint:
    """What a feed or sitemap said about an article before its page was fetched.

    ``url`` is the link as listed (what an incremental crawl recognizes it by), ``signature``
    its lastmod / update time; ``published`` and ``title`` fill in what the page lacks.
    """

    url: str
    signature: str | None = None
    title: str | None = None
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    via: str = "sitemap"  # "sitemap" or "feed"


@dataclass(slots=True)
class Article:
    """One article with what the page (or feed) says about it."""

    url: str  # canonical
    title: str | None
    body_text: str
    authors: list[str] = field(default_factory=list)
    author_url: str | None = None
    published_at: datetime | None = None
    published_via: str = "page"  # "page" or "feed"
    date_source: str = "none"  # json-ld, meta, time, text, htmldate, feed, sitemap, none
    modified_at: datetime | None = None
    language: str | None = None
    description: str | None = None
    links: list[str] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[PostItem] = field(default_factory=list)

    @property
    def native_id(self) -> str:
        """The article's identity: its canonical URL."""
        return self.url


def article_id(url: str) -> str:
    """A canonical URL without click-tracking parameters (``utm_*``, ``fbclid``, ...)."""
    parts = urlsplit(canonicalize_url(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PARAMS)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def extract_article(page: Page, context: ParseContext,
                    hint: ArticleHint | None = None) -> Article | None:
    """The article on ``page``, or None when the page holds no main text."""
    doc = bare_extraction(page.text, url=page.url, with_metadata=True, include_links=True,
                          include_images=True, include_comments=False, include_tables=True,
                          deduplicate=False)
    if not isinstance(doc, Document) or doc.body is None:
        return None
    body = doc.body
    links = list(dict.fromkeys(r.get("target") for r in body.iter("ref") if r.get("target")))
    media = [{"type": "image", "url": g.get("src")} for g in body.iter("graphic")
             if (g.get("src") or "").startswith(("http://", "https://"))]
    etree.strip_tags(body, "ref")
    etree.strip_elements(body, "graphic", with_tail=False)
    text = normalize_text(xmltotxt(body, include_formatting=False))
    title = normalize_text(doc.title)
    if title and text.startswith(title + "\n"):  # the headline is not part of the text
        text = text[len(title) + 1:]
    if not text:
        return None
    sel = Selector(text=page.text)
    ld = meta.json_ld(sel)
    url = article_id(meta.canonical_url(sel, page.url))
    published, source = meta.published_date(sel, page.text, context.timezone, ld)
    names, author_url = meta.authors(sel, ld)
    if not names and doc.author:
        names = [n.strip() for n in doc.author.split(";") if n.strip()]
    article = Article(
        url=url, title=title or (hint.title if hint else None),
        body_text=text, authors=names or (hint.authors if hint else []), author_url=author_url,
        published_at=published.astimezone(ZoneInfo(context.timezone)) if published else None,
        date_source=source if published else "none",
        modified_at=meta.modified_date(sel, context.timezone, ld),
        language=meta.language(sel, ld) or (hint.language if hint else None),
        description=doc.description or None, links=[u for u in links if u],
        media=media, tags=[t.strip() for tag in doc.tags or [] for t in tag.split(",")
                           if t.strip()],
        comments=page_comments(sel, url, url, context),
    )
    if article.published_at is None and hint is not None and hint.published is not None:
        article.published_at, article.published_via = hint.published, "feed"
        article.date_source = hint.via
    return article


def article_from_entry(entry: FeedEntry, feed_url: str) -> Article:
    """An article from a feed entry that carries its whole text (FeedEntry.full_content)."""
    html = entry.content_html or ""
    base = entry.url or feed_url
    if html:
        body = extract_body(Selector(text=f"<html><body><div>{html}</div></body></html>")
                            .xpath("//body/div")[0], base)
        text, links, media = body.own_text, body.links, body.media
    else:
        text, links, media = normalize_text(entry.content_text or entry.summary), [], []
    ident = article_id(entry.url) if entry.url else f"{feed_url}#{entry.id}"
    return Article(
        url=ident, title=normalize_text(entry.title) or None, body_text=text,
        authors=list(entry.authors), author_url=entry.author_url,
        published_at=entry.published, published_via="feed",
        date_source="feed" if entry.published else "none", modified_at=entry.updated,
        language=entry.language, description=entry.summary, links=links,
        media=[*media, *entry.media], tags=list(entry.tags),
    )


def article_items(article: Article, listed_url: str | None = None,
                  signature: str | None = None) -> tuple[list[PostItem], ThreadItem]:
    """The article post and its comments, and the ThreadItem that records it.

    ``listed_url`` is the URL the feed or sitemap listed (an incremental crawl recognizes the
    article by it), ``signature`` what it listed as its last change.
    """
    ident = article.native_id
    post = PostItem(
        native_id=ident, url=article.url, body_text=article.body_text, kind="article",
        thread_native_id=ident, thread_title=article.title, position=1,
        author_name=", ".join(article.authors) or None,
        author_id=article.author_url if len(article.authors) == 1 else None,
        author_url=article.author_url, published_at=article.published_at,
        published_via=article.published_via, title=article.title,
        edited_at=_edited(article), links=list(article.links), media=list(article.media),
        language=article.language,
    )
    posts = [post, *article.comments]
    for comment in article.comments:
        comment.thread_title = article.title
        comment.language = comment.language or article.language
    thread = ThreadItem(
        native_id=ident, url=listed_url or article.url, title=article.title, container=None,
        post_native_ids=[p.native_id for p in posts], pages=1, complete=True,
        signature=signature, last_page_url=article.url, last_page_position=1,
        post_count=len(posts), last_post_native_id=posts[-1].native_id,
    )
    return posts, thread


def _edited(article: Article) -> datetime | None:
    if article.modified_at and article.published_at and article.modified_at > article.published_at:
        return article.modified_at
    return None
