"""prosilver (phpBB 3.2) markup fragments: links, usernames, post bodies, quotes, pagination."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from crawler.demosite.dates import format_date
from crawler.demosite.model import Post, QuoteRef, Segment, Uncited

_URL = re.compile(r"https?://[^\s<>\"]+")
_SMILIES = {":)": ("icon_e_smile.gif", "Senyum"), ";)": ("icon_e_wink.gif", "Kedip")}
_SMILEY = re.compile(r"(?<=\s):\)|(?<=\s);\)")


def link(script: str, sid: str | None, **params: object) -> str:
    """A phpBB relative link (``./viewtopic.php?t=5&amp;sid=...&amp;start=10``), escaped."""
    pairs = [(k, v) for k, v in params.items() if k != "start" and v is not None]
    if sid:
        pairs.append(("sid", sid))
    if params.get("start"):
        pairs.append(("start", params["start"]))
    query = "&amp;".join(f"{k}={v}" for k, v in pairs)
    return f"./{script}?{query}" if query else f"./{script}"


def username(name: str, user_id: int | None, sid: str | None) -> str:
    """A member's profile link (admins coloured) or a guest's plain name."""
    if user_id is None:
        return f'<span class="username">{escape(name)}</span>'
    href = link("memberlist.php", sid, mode="viewprofile", u=user_id)
    if user_id == 2:
        return (f'<a href="{href}" style="color: #AA0000;" class="username-coloured">'
                f"{escape(name)}</a>")
    return f'<a href="{href}" class="username">{escape(name)}</a>'


def text_html(text: str) -> str:
    """BBCode-free text as phpBB renders it: escaped, postlinks, smilies, ``<br>`` per line."""
    out = escape(text, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" class="postlink">{m.group(0)}</a>', out)

    def smiley(match: re.Match[str]) -> str:
        image, title = _SMILIES[match.group(0)]
        return (f'<img class="smilies" src="./images/smilies/{image}" width="15" height="17" '
                f'alt="{match.group(0)}" title="{title}">')

    out = _SMILEY.sub(smiley, out)
    return out.replace("\n", "<br>\n")


def quote_html(quote: QuoteRef, now: datetime) -> str:
    """A cited quote as phpBB 3.2+ renders ``[quote=name post_id=N time=T user_id=U]``."""
    who = escape(quote.author_name)
    if quote.author_id is not None:
        who = f'<a href="./memberlist.php?mode=viewprofile&amp;u={quote.author_id}">{who}</a>'
    pid = quote.post_id
    return (
        f"<blockquote><div><cite>{who} menulis: "
        f'<a href="./viewtopic.php?p={pid}#p{pid}" data-post-id="{pid}" '
        f'onclick="if(document.getElementById(hash.substr(1)))href=hash">↑</a>'
        f'<span class="responsive-hide">{format_date(quote.published_at, now)}</span></cite>'
        f"{text_html(quote.text)}</div></blockquote>"
    )


def body_html(segments: list[Segment], now: datetime) -> str:
    """A post's ``div.content`` inner HTML."""
    parts = []
    for segment in segments:
        if isinstance(segment, QuoteRef):
            parts.append(quote_html(segment, now))
        elif isinstance(segment, Uncited):
            parts.append(f'<blockquote class="uncited"><div>{text_html(segment.text)}</div>'
                         "</blockquote>")
        else:
            parts.append(text_html(segment))
    return "".join(parts)


def post_html(post: Post, first: bool, sid: str, now: datetime) -> str:
    """One ``div.post`` of viewtopic, profile column included."""
    pid, uid = post.post_id, post.author_id
    user = username(post.author_name, uid, sid)
    if uid is None:
        profile = ('<dt class="no-profile-rank no-avatar"><div class="avatar-container"></div>'
                   f"{user}</dt>")
    else:
        search = link("search.php", sid, author_id=uid, sr="posts")
        profile = (
            '<dt class="has-profile-rank no-avatar"><div class="avatar-container"></div>'
            f"{user}</dt>"
            '<dd class="profile-rank">Anggota</dd>'
            '<dd class="profile-posts"><strong>Tulisan:</strong> '
            f'<a href="{search}">{uid * 7}</a></dd>'
        )
    notice = ""
    if post.edited_at is not None:
        notice = (f'<div class="notice">Terakhir diubah oleh {user} pada '
                  f"{format_date(post.edited_at, now)}, total diubah {post.edit_count} kali.</div>")
    signature = ""
    if uid is not None and uid % 4 == 0:
        signature = (f'<div id="sig{pid}" class="signature">'
                     "Salam damai dari Bumi Tambun Bungai</div>")
    target = link("viewtopic.php", sid, p=pid) + f"#p{pid}"
    quote_button = link("posting.php", sid, mode="quote", p=pid)
    return f"""
<div id="p{pid}" class="post has-profile bg{2 - pid % 2}">
<div class="inner">
<dl class="postprofile" id="profile{pid}">{profile}</dl>
<div class="postbody">
<div id="post_content{pid}">
<h3{' class="first"' if first else ''}><a href="#p{pid}">{escape(post.subject)}</a></h3>
<ul class="post-buttons"><li>
<a href="{quote_button}" title="Balas dengan kutipan" class="button button-icon-only">
<i class="icon fa-quote-left fa-fw" aria-hidden="true"></i><span class="sr-only">Kutipan</span></a>
</li></ul>
<p class="author"><a class="unread" href="{target}" title="Tulisan">
<i class="icon fa-file fa-fw icon-lightgray icon-md" aria-hidden="true"></i>
<span class="sr-only">Tulisan</span></a><span class="responsive-hide">oleh <strong>{user}
</strong> &raquo; </span>{format_date(post.published_at, now)} </p>
<div class="content">{body_html(post.segments, now)}</div>
{notice}{signature}
</div>
</div>
<div class="back2top"><a href="#top" class="top" title="Ke atas">
<i class="icon fa-chevron-circle-up fa-fw icon-gray" aria-hidden="true"></i>
<span class="sr-only">Ke atas</span></a></div>
</div>
</div>
<hr class="divider" />"""


def pagination(script: str, sid: str, total: int, per_page: int, start: int, noun: str,
               **params: object) -> str:
    """prosilver's ``div.pagination``: count, page links, ``li.arrow.next`` with rel=next."""
    pages = max(1, -(-total // per_page))
    current = start // per_page + 1
    if pages == 1:
        return (f'<div class="pagination">{total} {noun} &bull; Halaman <strong>1</strong> '
                "dari <strong>1</strong></div>")

    def href(page: int) -> str:
        return link(script, sid, **params, start=(page - 1) * per_page)

    items = []
    if current > 1:
        items.append(f'<li class="arrow previous"><a class="button button-icon-only" '
                     f'href="{href(current - 1)}" rel="prev" role="button"><i class="icon '
                     'fa-chevron-left fa-fw" aria-hidden="true"></i><span class="sr-only">'
                     "Sebelumnya</span></a></li>")
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    previous = 0
    for page in shown:
        if page - previous > 1:
            items.append('<li class="ellipsis" role="separator"><span>…</span></li>')
        if page == current:
            items.append(f'<li class="active"><span>{page}</span></li>')
        else:
            items.append(f'<li><a class="button" href="{href(page)}" role="button">{page}</a></li>')
        previous = page
    if current < pages:
        items.append(f'<li class="arrow next"><a class="button button-icon-only" '
                     f'href="{href(current + 1)}" rel="next" role="button"><i class="icon '
                     'fa-chevron-right fa-fw" aria-hidden="true"></i><span class="sr-only">'
                     "Berikutnya</span></a></li>")
    return f'<div class="pagination">{total} {noun} &bull; <ul>{"".join(items)}</ul></div>'
