"""A post body as text: own words, quotes (with the quoted post ids), links and images."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.extract.sanitize import join_url
from crawler.items import normalize_text

# Elements that start and end a line of text.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul",
    }
)
# Elements whose text is never part of the post.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "button", "iframe"})
# Classes of parts of a post body that are not the author's words: signatures, edit notices
# ("Terakhir diubah oleh ..."), buttons; XenForo's block heads ("budi berkata:", "Kode:") and
# "Klik untuk memperluas..." links.
SKIP_CLASSES = frozenset({"signature", "notice", "post-buttons", "bbCodeBlock-title",
                          "bbCodeBlock-expandLink"})
# Classes of a quote's head ("budi said:") besides ``<cite>``: Invision's citation line.
QUOTE_HEAD_CLASSES = frozenset({"ipsQuote_citation"})
# Attributes naming the quoted post on the quote element itself (Invision Community).
QUOTE_ID_ATTRIBUTES = ("data-ipsquote-contentcommentid",)
# Links to a quoted post: phpBB p=N / #pN, MyBB pid=N / #pidN, SMF topic=T.msgN / msg=N / #msgN.
_POST_ID = re.compile(r"(?:[?&;]p=|#p|post-|postid=|[?&;]pid=|#pid|[?&;]msg=|\.msg|#msg)(\d+)")
_SOURCE_POST = re.compile(r"^\s*post:\s*(\d+)")  # XenForo 2: data-source="post: 123"
_COMMENT_ANCHOR = re.compile(r"#comment-(\d+)$")  # WordPress: a link to a comment
_WS = re.compile(r"[ \t\r\n\f\v]+")


@dataclass(slots=True)
class BodyParts:
    """What :func:`extract_body` found in a post body."""

    own_text: str  # the author's own words, normalized; quotes excluded
    quoted_texts: list[str] = field(default_factory=list)  # top-level quotes, normalized
    quoted_ids: list[str] = field(default_factory=list)  # native ids of quoted posts, in order
    links: list[str] = field(default_factory=list)  # absolute URLs of links in the own text
    media: list[dict[str, Any]] = field(default_factory=list)  # {"type": "image", "url": ...}


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _is_skipped(el: Any) -> bool:
    if not isinstance(el.tag, str):  # comments, processing instructions
        return True
    if el.tag in SKIP_TAGS or _classes(el) & SKIP_CLASSES:
        return True
    if el.get("data-excludequote") is not None:
        return True  # Invision's edit line ("Diedit 18 Maret oleh budi") inside the body
    parent = el.getparent()
    if el.tag == "p" and parent is not None and "codebox" in _classes(parent):
        return True  # the code box header "Kode: Pilih semua"
    return (el.get("id") or "").startswith("sig") and el.tag == "div"


def quoted_post_id(quote: Any) -> str | None:
    """The native id of the post a quote cites: ``data-post-id`` or a ``p=NNN``/``#pNNN``/
    ``#comment-NNN`` link in its ``cite``, an id attribute of the quote itself
    (``QUOTE_ID_ATTRIBUTES``), or a ``#comment-NNN`` URL in the quote's ``cite`` attribute."""
    for name in QUOTE_ID_ATTRIBUTES:
        value = (quote.get(name) or "").strip()
        if value.isdigit():
            return value
    source = _SOURCE_POST.match(quote.get("data-source") or "")
    if source:
        return source.group(1)
    for cite in quote.iter("cite"):
        for link in cite.iter("a"):
            if link.get("data-post-id", "").isdigit():
                return str(link.get("data-post-id"))
            match = _COMMENT_ANCHOR.search(link.get("href") or "") or _POST_ID.search(
                link.get("href") or "")
            if match:
                return match.group(1)
        break  # only the quote's own cite, not those of nested quotes
    # HTML's own source attribute naming a comment: <blockquote cite="https://b/x/#comment-12">.
    match = _COMMENT_ANCHOR.search(quote.get("cite") or "")
    return match.group(1) if match else None


def _is_emoticon(el: Any) -> bool:
    """Invision Community's emoticons: ``<img data-emoticon alt=":)">``."""
    return el.get("data-emoticon") is not None


class _Renderer:
    """Walks an lxml tree and writes text with line breaks where a browser would show them."""

    def __init__(self, base_url: str, collect: bool) -> None:
        self.base_url = base_url
        self.collect = collect
        self.chunks: list[str] = []
        self.quotes: list[tuple[str | None, str]] = []
        self.links: list[str] = []
        self.media: list[dict[str, Any]] = []

    def text(self) -> str:
        return normalize_text("".join(self.chunks))

    def write(self, text: str | None, pre: bool = False) -> None:
        if text:
            self.chunks.append(text if pre else _WS.sub(" ", text))

    def newline(self) -> None:
        if self.chunks and not self.chunks[-1].endswith("\n"):
            self.chunks.append("\n")

    def element(self, el: Any, pre: bool = False) -> None:
        tag = el.tag
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "img":
            self.image(el)
        elif tag == "blockquote" and self.collect:
            self.quote(el)
        elif (tag == "cite" or _classes(el) & QUOTE_HEAD_CLASSES) and not self.collect:
            pass  # "budi menulis: ↑ date" heads a quote; it is not quoted text
        else:
            block = tag in BLOCK_TAGS
            if block:
                self.newline()
            if tag == "a" and self.collect:
                self.link(el)
            self.write(el.text, pre or tag == "pre")
            for child in el:
                if not _is_skipped(child):
                    self.element(child, pre or tag == "pre")
                self.write(child.tail, pre)
            if block:
                self.newline()

    def quote(self, el: Any) -> None:
        inner = _Renderer(self.base_url, collect=False)
        inner.element(el)
        self.quotes.append((quoted_post_id(el), inner.text()))
        self.newline()

    def link(self, el: Any) -> None:
        href = (el.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            url = join_url(self.base_url, href)  # never raises on a hostile href
            if url not in self.links:
                self.links.append(url)

    def image(self, el: Any) -> None:
        alt = el.get("alt") or ""
        if _classes(el) & {"smilies", "smilie", "smiley", "emoji", "wp-smiley"} or _is_emoticon(el):
            # phpBB smilies, XenForo smilies, emoji, Invision emoticons, WordPress smileys: text
            self.write(alt)
        elif self.collect and el.get("src"):
            item: dict[str, Any] = {"type": "image", "url": join_url(self.base_url, el.get("src"))}
            if alt:
                item["alt"] = alt
            self.media.append(item)


def extract_body(node: Selector, base_url: str = "") -> BodyParts:
    """Split a post body node (e.g. phpBB ``div.content``) into own text, quotes and links.

    Top-level blockquotes leave the own text; each yields its quoted text and, where its
    ``cite`` links to the quoted post, that post's native id. ``<br>`` and block elements
    break lines; signatures, edit notices and scripts are dropped; smilies become their text.
    """
    root = node.root
    if not isinstance(root, etree._Element):  # a text or attribute selector
        return BodyParts(own_text=normalize_text(str(root)))
    renderer = _Renderer(base_url, collect=True)
    renderer.element(root)
    return BodyParts(
        own_text=renderer.text(),
        quoted_texts=[text for _, text in renderer.quotes],
        quoted_ids=[qid for qid, _ in renderer.quotes if qid is not None],
        links=renderer.links,
        media=renderer.media,
    )
