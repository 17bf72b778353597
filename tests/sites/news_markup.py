"""Markup of the news fixture site: article pages, sitemaps and feeds (RSS, Atom, JSON Feed)."""

from __future__ import annotations

import json
from email.utils import format_datetime
from html import escape

from tests.sites.news_model import Comment, NewsArticle, NewsSite

SITE_NAME = "Kabar Kalteng"


def _comments_wp(article: NewsArticle, url: str) -> str:
    def one(comment: Comment, depth: int) -> str:
        replies = "".join(one(r, depth + 1) for r in comment.replies)
        children = f'<ol class="children">{replies}</ol>' if replies else ""
        return (
            f'<li id="comment-{comment.comment_id}" class="comment depth-{depth}">'
            f'<article id="div-comment-{comment.comment_id}" class="comment-body">'
            '<footer class="comment-meta"><div class="comment-author vcard">'
            f'<b class="fn">{escape(comment.author)}</b> <span class="says">berkata:</span>'
            '</div><div class="comment-metadata">'
            f'<a href="{url}#comment-{comment.comment_id}"><time datetime="'
            f'{comment.when.isoformat()}">{comment.when:%d/%m/%Y %H.%M}</time></a></div>'
            f'</footer><div class="comment-content"><p>{escape(comment.text)}</p></div>'
            f'<div class="reply"><a class="comment-reply-link" href="#">Balas</a></div>'
            f"</article>{children}</li>")

    items = "".join(one(c, 1) for c in article.comments)
    return (f'<section id="comments" class="comments-area"><h2 class="comments-title">'
            f'{len(article.threaded())} Komentar</h2><ol class="comment-list">{items}</ol>'
            "</section>")


def _comments_microdata(article: NewsArticle) -> str:
    def one(comment: Comment) -> str:
        replies = "".join(one(r) for r in comment.replies)
        return (
            f'<div class="comment" itemscope itemtype="https://schema.org/Comment" '
            f'data-comment-id="{comment.comment_id}">'
            '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
            f'<span itemprop="name">{escape(comment.author)}</span></span> '
            f'<time itemprop="dateCreated" datetime="{comment.when.isoformat()}">'
            f"{comment.when:%d/%m/%Y %H.%M}</time>"
            f'<div itemprop="text"><p>{escape(comment.text)}</p></div>'
            f'<div class="replies">{replies}</div></div>')

    return ('<section class="comments"><h2>Komentar Pembaca</h2>'
            + "".join(one(c) for c in article.comments) + "</section>")


def article_page(site: NewsSite, base: str, article: NewsArticle) -> str:
    """An article page: canonical link, the date in one of three styles, text, comments."""
    url = site.url(base, article)
    head = [f"<title>{escape(article.title)} - {SITE_NAME}</title>",
            f'<link rel="canonical" href="{url}">',
            f'<link rel="alternate" type="application/rss+xml" href="{base}feed/rss.xml">']
    if article.style == 0:
        data = {"@context": "https://schema.org", "@type": "NewsArticle",
                "headline": article.title, "datePublished": article.published.isoformat(),
                "dateModified": article.modified.isoformat(),
                "author": [{"@type": "Person", "name": n} for n in article.authors]}
        head.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    elif article.style == 1:
        head.append('<meta property="article:published_time" '
                    f'content="{article.published.isoformat()}">')
        head.append(f'<meta name="author" content="{escape(", ".join(article.authors))}">')
    comments = {"wp": lambda: _comments_wp(article, url),
                "microdata": lambda: _comments_microdata(article),
                "none": lambda: ""}[article.comment_style]()
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">' + "".join(head)
        + f'</head><body><header class="site-header"><a href="{base}">{SITE_NAME}</a><nav>'
        + "".join(f'<a href="{base}kategori/{c}/">{c.title()}</a> '
                  for c in ("politik", "daerah", "ekonomi"))
        + '</nav></header><main><article class="post">'
        f'<h1 class="entry-title">{escape(article.title)}</h1>'
        f'<div class="entry-meta"><span class="date">{article.shown_date()}</span> '
        f'<span class="byline">Penulis: <span class="author">'
        f'{escape(", ".join(article.authors))}</span></span></div>'
        f'<div class="entry-content">{paragraphs}</div></article>{comments}</main>'
        f"<footer><p>&copy; 2024 {SITE_NAME}. Hak cipta dilindungi.</p></footer>"
        "</body></html>")


def listing_page(site: NewsSite, base: str, category: str) -> str:
    """A category page: links to its articles (not an article; no sitemap lists it as one)."""
    links = "".join(f'<li><a href="{site.url(base, a)}">{escape(a.title)}</a></li>'
                    for a in site.newest_first() if a.category == category)
    return (f'<!DOCTYPE html><html lang="id"><head><title>{category}</title></head><body>'
            f"<h1>Kategori {category}</h1><ul>{links}</ul></body></html>")


def urlset(entries: list[tuple[str, str | None]]) -> str:
    """A sitemap URL set of (loc, lastmod)."""
    urls = "".join(f"<url><loc>{escape(loc)}</loc>"
                   + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
                   for loc, lastmod in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


def sitemap_index(entries: list[tuple[str, str]]) -> str:
    """A sitemap index of (loc, lastmod)."""
    maps = "".join(f"<sitemap><loc>{loc}</loc><lastmod>{lastmod}</lastmod></sitemap>"
                   for loc, lastmod in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>')


def news_sitemap(site: NewsSite, base: str, articles: list[NewsArticle]) -> str:
    """A Google News sitemap (no lastmod; title, publication date and language)."""
    urls = "".join(
        f"<url><loc>{site.url(base, a)}</loc><news:news><news:publication>"
        f"<news:name>{SITE_NAME}</news:name><news:language>id</news:language>"
        f"</news:publication><news:publication_date>{a.published.isoformat()}"
        f"</news:publication_date><news:title>{escape(a.title)}</news:title></news:news></url>"
        for a in articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            'schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>")


def rss(site: NewsSite, base: str, articles: list[NewsArticle]) -> str:
    """RSS 2.0 with teasers only (so the article pages are fetched); links carry utm_*."""
    items = "".join(
        f"<item><title>{escape(a.title)}</title>"
        f"<link>{site.url(base, a)}?utm_source=rss&amp;utm_medium=feed</link>"
        f'<guid isPermaLink="false">kabar-{a.article_id}</guid>'
        f"<dc:creator>{escape(', '.join(a.authors))}</dc:creator>"
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<description>{escape(a.paragraphs[0][:120])} [&amp;#8230;]</description></item>"
        for a in articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{SITE_NAME}</title><link>{base}</link><language>id-ID</language>"
            f"<description>Berita Kalimantan Tengah</description>{items}</channel></rss>")


def atom(site: NewsSite, base: str, articles: list[NewsArticle]) -> str:
    """Atom with each article's full text (type html)."""
    entries = "".join(
        f"<entry><title>{escape(a.title)}</title>"
        f'<link rel="alternate" href="{site.url(base, a)}"/><id>tag:kabar,2024:{a.article_id}'
        f"</id><published>{a.published.isoformat()}</published>"
        f"<updated>{a.modified.isoformat()}</updated>"
        + "".join(f"<author><name>{escape(n)}</name></author>" for n in a.authors)
        + f'<summary>{escape(a.paragraphs[0][:80])}</summary><content type="html">'
        + escape("".join(f"<p>{escape(p)}</p>" for p in a.paragraphs))
        + "</content></entry>"
        for a in articles)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"'
            f' xml:lang="id"><title>{SITE_NAME}</title><link href="{base}"/>'
            f"<id>{base}</id><updated>2024-05-01T00:00:00+07:00</updated>{entries}</feed>")


def json_feed(site: NewsSite, base: str, articles: list[NewsArticle]) -> str:
    """JSON Feed 1.1 with content_html."""
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": SITE_NAME,
        "home_page_url": base, "language": "id",
        "items": [{"id": str(a.article_id), "url": site.url(base, a), "title": a.title,
                   "content_html": "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs),
                   "date_published": a.published.isoformat(),
                   "date_modified": a.modified.isoformat(),
                   "authors": [{"name": n} for n in a.authors]} for a in articles],
    })
