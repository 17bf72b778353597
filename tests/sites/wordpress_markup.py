"""Markup WordPress core writes whatever the theme: post and comment bodies, comment lists,
author links, dates in the Indonesian language pack, the page head."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from html import escape

from crawler.demosite.model import QuoteRef, Segment, Uncited
from tests.sites.wordpress_blog import Article, Author, Blog, Comment, smileys

SITE_TITLE = "Suara Warga Kalteng"
TAGLINE = "Kabar dan obrolan warga Kalimantan Tengah"
WP_VERSION = "6.4.3"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
_URL = re.compile(r"https?://[^\s<>\"]+")


def date_text(when: datetime) -> str:
    """``j F Y`` in the Indonesian language pack: ``18 Maret 2024``."""
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def date_time_text(when: datetime) -> str:
    """A comment's date: ``%1$s pukul %2$s`` (``18 Maret 2024 pukul 10:05``)."""
    return f"{date_text(when)} pukul {when:%H:%M}"


def _line(text: str, comment: bool) -> str:
    """One line of text as the_content/comment_text writes it (make_clickable for comments)."""
    out = escape(smileys(text), quote=False).replace("&amp;", "&#038;")
    rel = ' rel="nofollow ugc"' if comment else ""
    return _URL.sub(lambda m: f'<a href="{m.group(0)}"{rel}>{m.group(0)}</a>', out)


def paragraphs(text: str, comment: bool = False) -> str:
    """wpautop: a ``<p>`` per paragraph, ``<br />`` per line, a newline after each block."""
    blocks = [p for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + "<br />\n".join(_line(line, comment) for line in block.split("\n"))
                   + "</p>\n" for block in blocks)


def content_html(blog: Blog, article: Article, segments: list[Segment], base: str,
                 comment: bool = False) -> str:
    """A post's ``content.rendered`` or a comment's text: paragraphs and quotes.

    A quote of a comment names its source as a ``cite`` attribute and link to the comment's
    permalink (``#comment-N``); a quote of the post links to its shortlink (``?p=N``).
    """
    parts = []
    for segment in segments:
        if isinstance(segment, QuoteRef):
            native, is_article = blog.quoted_id(article, segment)
            url = f"{base}?p={native}" if is_article else comment_link(
                base, article, _comment_page(article, int(native)), native)
            parts.append(f'<blockquote cite="{url}"><p><cite><a href="{url}">'
                         f"{escape(segment.author_name)}</a></cite> menulis:</p>\n"
                         f"{paragraphs(segment.text, comment)}</blockquote>\n")
        elif isinstance(segment, Uncited):
            parts.append(f'<blockquote class="wp-block-quote">{paragraphs(segment.text)}'
                         "</blockquote>\n")
        else:
            parts.append(paragraphs(segment, comment))
    return "".join(parts)


def _comment_page(article: Article, comment_id: int) -> int:
    return next((c.page for c in article.comments if c.comment_id == comment_id), 1)


def comment_link(base: str, article: Article, page: int, comment_id: str | int,
                 newest_first: bool = True) -> str:
    """get_comment_link: the comment page's URL (the post's own URL for the default page)."""
    default = article.comment_pages if newest_first else 1
    where = "" if page == default else f"comment-page-{page}/"
    return f"{base}{article.path}{where}#comment-{comment_id}"


def author_link(author: Author) -> str:
    """get_comment_author_link: the name, a link to the author's website where given."""
    name = escape(author.name)
    if author.url:
        return f"<a href=\"{author.url}\" class=\"url\" rel=\"ugc external nofollow\">{name}</a>"
    return name


def avatar(author: Author, size: int) -> str:
    """get_avatar: a Gravatar image."""
    digest = hashlib.md5(author.name.encode(), usedforsecurity=False).hexdigest()
    src = f"https://secure.gravatar.com/avatar/{digest}?s={size}&#038;d=mm&#038;r=g"
    return (f"<img alt='' src='{src}' class='avatar avatar-{size} photo' height='{size}' "
            f"width='{size}' loading='lazy' decoding='async'/>")


def comment_classes(comment: Comment, article: Article, index: int) -> str:
    """comment_class(): type, byuser/comment-author-<nicename>, odd/even, depth, parent."""
    classes = ["comment"]
    author = comment.author
    if author.user_id is not None and not author.deleted:
        classes += ["byuser", f"comment-author-{author.nicename}"]
        if author.user_id == article.author.user_id:
            classes.append("bypostauthor")
    classes += ["even" if index % 2 == 0 else "odd", f"depth-{comment.depth}"]
    if comment.children:
        classes.append("parent")
    return " ".join(classes)


def head(base: str, title: str, rest_on: bool, extra: str = "", theme: str = "twentytwentyone",
         ) -> str:
    """``<head>`` as wp_head() writes it (generator, REST discovery, theme stylesheet)."""
    api = f'<link rel="https://api.w.org/" href="{base}wp-json/" />\n' if rest_on else ""
    return f"""<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{escape(title)}</title>
<meta name='robots' content='max-image-preview:large' />
<link rel="alternate" type="application/rss+xml" title="{SITE_TITLE} &raquo; Feed"
 href="{base}feed/" />
<link rel='stylesheet' id='{theme}-style-css'
 href='{base}wp-content/themes/{theme}/style.css?ver=2.1' media='all' />
<script src="{base}wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
{api}<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{base}xmlrpc.php?rsd" />
<meta name="generator" content="WordPress {WP_VERSION}" />
{extra}</head>"""


def single_head_extra(base: str, article: Article, canonical: str, rest_on: bool) -> str:
    """The head links of a single post: its REST URL, canonical URL and shortlink."""
    api = (f'<link rel="alternate" type="application/json" '
           f'href="{base}wp-json/wp/v2/posts/{article.post_id}" />\n' if rest_on else "")
    return (f'{api}<link rel="canonical" href="{canonical}" />\n'
            f"<link rel='shortlink' href='{base}?p={article.post_id}' />\n")


def body_class_single(article: Article, theme: str) -> str:
    """body_class() of a single post."""
    return (f"post-template-default single single-post postid-{article.post_id} "
            f"single-format-standard wp-embed-responsive {theme}-theme")


def post_classes(article: Article, home: bool) -> str:
    """post_class(): id, type, status, format, categories, ``sticky`` on the home page."""
    cats = " ".join(f"category-{c.slug}" for c in article.categories)
    sticky = " sticky" if article.sticky and home else ""
    return (f"post-{article.post_id} post type-post status-publish format-standard{sticky} "
            f"hentry {cats}")
