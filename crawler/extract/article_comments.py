"""Comments an article page lists in its own HTML.

Two forms are read: the WordPress comment list (``ol.comment-list`` / ``ol.commentlist`` /
the comment-template block, each comment ``id="comment-<id>"`` with its replies nested inside
it; also what many WordPress-derived news themes emit) and schema.org ``Comment`` microdata
(``itemtype=".../Comment"`` with ``author``, ``dateCreated``/``datePublished`` and ``text``).
Comments loaded by script (Disqus, Facebook) are not in the page and are not read.
"""

from __future__ import annotations

from parsel import Selector

from crawler.extract.article_dates import parse_iso_date
from crawler.extract.engines._wordpress_comments import comment_nodes, parse_comment
from crawler.extract.engines.base import ParseContext
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, normalize_text, stable_hash

# Where a WordPress-like comment list lives; a comment-N element elsewhere is not a comment.
COMMENT_AREAS = ("ol.comment-list", "ol.commentlist", "ul.comment-list", ".comments-area",
                 "#comments", ".wp-block-comments", ".wp-block-comment-template")
MICRODATA = "[itemtype$='schema.org/Comment'], [itemtype$='schema.org/comment']"


def page_comments(sel: Selector, page_url: str, article_id: str,
                  context: ParseContext) -> list[PostItem]:
    """The article's comments in page order, positions from 2 (the article is 1)."""
    comments = _wordpress(sel, page_url, article_id, context) or _microdata(
        sel, page_url, article_id, context)
    for position, comment in enumerate(comments, start=2):
        comment.position = position
    return comments


def _wordpress(sel: Selector, page_url: str, article_id: str,
               context: ParseContext) -> list[PostItem]:
    # lxml elements (kept alive in the set) compare by identity
    inside = {el.root for area in sel.css(", ".join(COMMENT_AREAS))
              for el in area.xpath("descendant-or-self::*[starts-with(@id, 'comment-')]")}
    return [parse_comment(node, sel, article_id, page_url, context)
            for node in comment_nodes(sel) if node.root in inside]


def _microdata(sel: Selector, page_url: str, article_id: str,
               context: ParseContext) -> list[PostItem]:
    out: list[PostItem] = []
    ids: dict[object, str] = {}  # comment element -> its native id
    for node in sel.css(MICRODATA):
        own = _own_part(node)
        text_node = own.css("[itemprop=text]")
        body = extract_body(text_node[0], page_url) if text_node else None
        text = body.own_text if body else ""
        author = normalize_text(" ".join(
            own.css("[itemprop=author] [itemprop=name] ::text").getall()
            or own.css("[itemprop=author] ::text").getall())) or None
        stamp = (own.css("[itemprop=dateCreated]::attr(datetime), "
                         "[itemprop=datePublished]::attr(datetime), "
                         "[itemprop=dateCreated]::attr(content), "
                         "[itemprop=datePublished]::attr(content)").get())
        raw_id = (node.attrib.get("data-comment-id") or node.attrib.get("id") or "").strip()
        native = raw_id.removeprefix("comment-") if raw_id else stable_hash(
            author or "", stamp or "", text, length=16)
        ids[node.root] = native
        parent = next((ids[a] for a in node.root.iterancestors() if a in ids), None)
        out.append(PostItem(
            native_id=native, kind="comment", body_text=text,
            url=canonicalize_url(page_url) + f"#comment-{native}",
            thread_native_id=article_id, author_name=author,
            published_at=parse_iso_date(stamp, context.timezone),
            parent_native_id=parent or article_id,
            links=body.links if body else [], media=body.media if body else [],
        ))
    return out


def _own_part(node: Selector) -> Selector:
    """The comment without the comments nested in it."""
    root = Selector(text=node.get()).css(MICRODATA)[0]
    for nested in root.css(MICRODATA)[1:]:
        nested.root.drop_tree()
    return root
