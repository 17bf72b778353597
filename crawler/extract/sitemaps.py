"""Sitemaps: robots.txt ``Sitemap:`` lines, sitemap indexes, URL sets, news sitemaps, gzip.

:func:`parse_sitemap` reads one fetched sitemap (XML, gzip-compressed XML or a plain text list
of URLs) into the child sitemaps of an index or the URLs of a URL set, with ``lastmod`` and,
for Google News sitemaps, the article's title, publication date and language. It never
fetches anything. XML is parsed without entities, DTDs or network access, and at most
:data:`MAX_SITEMAP_BYTES` are read (the protocol's limit for one uncompressed sitemap).
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.extract.article_dates import parse_iso_date

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# Child sitemaps that list no articles: taxonomies, tags, authors (WordPress core, Yoast,
# Rank Math), by the last part of their path.
NOT_ARTICLE_SITEMAPS = ("taxonom", "categor", "tag-sitemap", "post_tag", "author", "users",
                        "user-sitemap", "local-sitemap", "video-sitemap", "image-sitemap")


class SitemapError(ValueError):
    """A body that is not a sitemap pantau can read; ``str()`` is one line."""


@dataclass(slots=True)
class SitemapUrl:
    """One ``<url>`` of a URL set or ``<sitemap>`` of an index."""

    loc: str
    lastmod: str | None = None  # as written: the signature of the page's last change
    news_title: str | None = None  # <news:title>
    news_published: datetime | None = None  # <news:publication_date>
    news_language: str | None = None  # <news:language>

    @property
    def modified(self) -> datetime | None:
        """``lastmod`` as a datetime (UTC midnight for a bare date), or None."""
        return parse_iso_date(self.lastmod, "UTC")


@dataclass(slots=True)
class Sitemap:
    """A parsed sitemap: an index (``sitemaps``) or a URL set (``urls``)."""

    kind: str  # "index" or "urlset"
    urls: list[SitemapUrl] = field(default_factory=list)
    sitemaps: list[SitemapUrl] = field(default_factory=list)
    news: bool = False  # a Google News sitemap


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt (any case, relative ones resolved), in order."""
    found: list[str] = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base_url, value.split("#", 1)[0].strip())
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found


class RobotsRules:
    """A robots.txt's rules for one user agent (Protego, the parser Scrapy uses)."""

    def __init__(self, text: str, user_agent: str) -> None:
        from protego import Protego

        self.parser = Protego.parse(text)
        self.user_agent = user_agent

    def allowed(self, url: str) -> bool:
        """True when the rules let ``user_agent`` fetch ``url``."""
        return bool(self.parser.can_fetch(url, self.user_agent))


def lists_articles(sitemap_url: str) -> bool:
    """False for child sitemaps of taxonomies, tags and authors (see NOT_ARTICLE_SITEMAPS)."""
    name = urlsplit(sitemap_url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    query = urlsplit(sitemap_url).query.lower()
    return not any(part in name or part in query for part in NOT_ARTICLE_SITEMAPS)


def decompress(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """``body`` gunzipped when it is gzip data, at most ``limit`` bytes; SitemapError when
    it is larger or broken."""
    if not body.startswith(_GZIP_MAGIC):
        return body[: limit + 1] if len(body) > limit else body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise SitemapError(f"broken gzip data: {err}") from None
    return data


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """The sitemap at ``url`` (raw bytes, gzip or not); SitemapError when it is none."""
    data = decompress(body)
    if len(data) > MAX_SITEMAP_BYTES:
        raise SitemapError(f"{url} is larger than {MAX_SITEMAP_BYTES // 2**20} MiB uncompressed")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return _text_sitemap(stripped, url)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True, recover=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(stripped, parser=parser)
    except etree.XMLSyntaxError as err:
        raise SitemapError(f"{url} is not XML: {err}") from None
    if root is None:
        raise SitemapError(f"{url} is not XML")
    tag = etree.QName(root).localname
    if tag == "sitemapindex":
        return Sitemap("index", sitemaps=[_entry(el, url) for el in _children(root, "sitemap")])
    if tag != "urlset":
        raise SitemapError(f"{url} is not a sitemap (root element <{tag}>)")
    urls = [_entry(el, url) for el in _children(root, "url")]
    urls = [u for u in urls if u.loc]
    return Sitemap("urlset", urls=urls, news=any(u.news_published or u.news_title for u in urls))


def _children(root: etree._Element, name: str) -> list[etree._Element]:
    return [el for el in root if isinstance(el.tag, str) and etree.QName(el).localname == name]


def _text(el: etree._Element, *path: str) -> str | None:
    """The stripped text of the descendant at ``path`` (local names), or None."""
    node: etree._Element | None = el
    for name in path:
        node = next((c for c in node if isinstance(c.tag, str)
                     and etree.QName(c).localname == name), None) if node is not None else None
    text = (node.text or "").strip() if node is not None else ""
    return text or None


def _entry(el: etree._Element, base: str) -> SitemapUrl:
    loc = _text(el, "loc") or ""
    absolute = urljoin(base, loc) if loc else ""
    if not absolute.startswith(("http://", "https://")):
        absolute = ""
    published = _text(el, "news", "publication_date")
    return SitemapUrl(
        loc=absolute, lastmod=_text(el, "lastmod"),
        news_title=_text(el, "news", "title"),
        news_published=parse_iso_date(published, "UTC") if published else None,
        news_language=_text(el, "news", "publication", "language"),
    )


def _text_sitemap(data: bytes, url: str) -> Sitemap:
    """A plain text sitemap: one absolute URL per line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SitemapError(f"{url} is neither XML nor a UTF-8 list of URLs") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(line.startswith(("http://", "https://")) for line in lines):
        raise SitemapError(f"{url} is neither XML nor a text list of URLs")
    return Sitemap("urlset", urls=[SitemapUrl(loc=line) for line in lines])
