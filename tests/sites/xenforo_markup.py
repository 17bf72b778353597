"""XenForo 2.2 default-style fragments with the Indonesian language pack: URLs, usernames,
dates, page navigation, BB code (quotes, links, smilies) and the page frame."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape

from crawler.demosite.model import QuoteRef, Segment, Uncited
from crawler.demosite.words import MONTHS

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # Monday first
_URL = re.compile(r"https?://[^\s<>\"]+")
_SMILIES = {":)": ("1", "Senyum"), ";)": ("2", "Kedip")}
_SMILEY = re.compile(r":\)|;\)")
_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def slug(text: str) -> str:
    """XenForo's URL title: ASCII letters, digits and ``_`` kept, runs of the rest as ``-``."""
    kept = re.sub(r"[^a-zA-Z0-9_ -]", "", text)
    return re.sub(r"[ -]+", "-", kept).strip("-").lower()


def route(kind: str, title: str, item_id: int, page: int = 1) -> str:
    """``forums/<slug>.<id>/``, ``threads/<slug>.<id>/page-2``, ``members/<slug>.<id>/``."""
    path = f"{kind}/{slug(title)}.{item_id}/" if slug(title) else f"{kind}/{item_id}/"
    return path + (f"page-{page}" if page > 1 else "")


def _clock(when: datetime) -> str:
    return f"{when.hour:02d}:{when.minute:02d}"


def _date(when: datetime) -> str:
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def full(when: datetime, now: datetime) -> str:
    """The full local date and time, e.g. "18 Mar 2024 pukul 10:05"."""
    local = when.astimezone(now.tzinfo)
    return f"{_date(local)} pukul {_clock(local)}"


def relative(when: datetime, now: datetime) -> str:
    """What ``<xf:date>`` shows: relative within a week, the date only after that."""
    local = when.astimezone(now.tzinfo)
    seconds = (now - local).total_seconds()
    if -2 < seconds <= 60:
        return "Beberapa saat yang lalu"
    if 0 < seconds <= 120:
        return "1 menit yang lalu"
    if 0 < seconds <= 3600:
        return f"{int(seconds // 60)} menit yang lalu"
    if local.date() == now.date():
        return f"Hari ini pukul {_clock(local)}"
    if local.date() == (now - timedelta(days=1)).date():
        return f"Kemarin pukul {_clock(local)}"
    if 0 < seconds < 7 * 86400:
        return f"{DAY_NAMES[local.weekday()]} pukul {_clock(local)}"
    return _date(local)


def time_html(when: datetime, now: datetime, css: str = "u-dt", itemprop: str = "") -> str:
    """``<time class="u-dt" datetime data-time data-date-string data-time-string title>``."""
    local = when.astimezone(now.tzinfo)
    offset = local.strftime("%z")
    prop = f' itemprop="{itemprop}"' if itemprop else ""
    return (f'<time  class="{css}" dir="auto" datetime="{local:%Y-%m-%dT%H:%M:%S}{offset}" '
            f'data-time="{int(local.timestamp())}" data-date-string="{_date(local)}" '
            f'data-time-string="{_clock(local)}" title="{full(local, now)}"'
            f"{prop}>{relative(local, now)}</time>")


def username(name: str, user_id: int | None, prefix: str, css: str = "",
             itemprop: bool = False) -> str:
    """``<xf:username>``: a profile link, or a plain span for guests and deleted members."""
    prop = ' itemprop="name"' if itemprop else ""
    if user_id is None:
        return (f'<span class="username {css}" dir="auto"{prop} data-user-id="0">'
                f"{escape(name)}</span>")
    href = prefix + route("members", name, user_id)
    return (f'<a href="{href}" class="username {css}" dir="auto"{prop} data-user-id="{user_id}" '
            f'data-xf-init="member-tooltip">{escape(name)}</a>')


def avatar(name: str, user_id: int | None, prefix: str, size: str) -> str:
    """A default (letter) avatar; guests get the blank one."""
    if user_id is None:
        return (f'<span class="avatar avatar--{size} avatar--default avatar--default--text" '
                f'data-user-id="0"><span class="avatar-u0-{size}"></span></span>')
    href = prefix + route("members", name, user_id)
    return (f'<a href="{href}" class="avatar avatar--{size} avatar--default '
            f'avatar--default--dynamic" data-user-id="{user_id}" data-xf-init="member-tooltip" '
            f'style="background-color: #5c7a1f; color: #d6e9ad"><span class="avatar-u{user_id}-'
            f'{size}" role="img" aria-label="{escape(name)}">{escape(name[:1].upper())}</span></a>')


def page_nav(base: str, page: int, pages: int) -> str:
    """``<xf:pagenav>``: jump links, page numbers with skips, and the simple (mobile) bar."""
    if pages <= 1:
        return ""

    def href(number: int) -> str:
        return base + (f"page-{number}" if number > 1 else "")

    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items, previous = [], 0
    for number in shown:
        if number - previous > 1:
            items.append('<li class="pageNav-page pageNav-page--skip"><a data-xf-init="tooltip" '
                         'title="Ke halaman" role="button" tabindex="0">…</a></li>')
        state = " pageNav-page--current" if number == page else ""
        items.append(f'<li class="pageNav-page{state} "><a href="{href(number)}">{number}</a></li>')
        previous = number
    prev = (f'<a href="{href(page - 1)}" class="pageNav-jump pageNav-jump--prev">Sebelumnya</a>'
            if page > 1 else "")
    nxt = (f'<a href="{href(page + 1)}" class="pageNav-jump pageNav-jump--next">Berikutnya</a>'
           if page < pages else "")
    simple_next = (f'<a href="{href(page + 1)}" class="pageNavSimple-el pageNavSimple-el--next">'
                   'Berikutnya <i aria-hidden="true"></i></a>' if page < pages else "")
    return (f'<nav class="pageNavWrapper pageNavWrapper--mixed "><div class="pageNav  ">{prev}'
            f'<ul class="pageNav-main">{"".join(items)}</ul>{nxt}</div>'
            '<div class="pageNavSimple"><a class="pageNavSimple-el pageNavSimple-el--current" '
            f'data-xf-init="tooltip" title="Ke halaman" role="button" tabindex="0">{page} dari '
            f"{pages}</a>{simple_next}</div></nav>")


def text_html(text: str) -> str:
    """Plain BB code text as XenForo renders it: escaped, URLs linked, smilies, ``<br />``."""
    out = escape(text, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank" class="link '
                             f'link--external" rel="nofollow ugc noopener">{m.group(0)}</a>', out)

    def smiley(match: re.Match[str]) -> str:
        sprite, title = _SMILIES[match.group(0)]
        return (f'<img src="{_PIXEL}" class="smilie smilie--sprite smilie--sprite{sprite}" '
                f'alt="{match.group(0)}" title="{title}    {match.group(0)}" loading="lazy" '
                f'data-shortname="{match.group(0)}" />')

    return _SMILEY.sub(smiley, out).replace("\n", "<br />\n")


def quote_html(quote: QuoteRef | Uncited, prefix: str) -> str:
    """``[QUOTE="budi, post: 123, member: 7"]`` (or a bare ``[QUOTE]``) as XenForo 2.2 renders
    it: ``blockquote.bbCodeBlock--quote`` with ``data-source`` and an expandable body."""
    head = attrs = ""
    if isinstance(quote, QuoteRef):
        member = f"member: {quote.author_id}" if quote.author_id is not None else ""
        attrs = (f' data-attributes="{member}" data-quote="{escape(quote.author_name)}" '
                 f'data-source="post: {quote.post_id}"')
        head = (f'<div class="bbCodeBlock-title"><a href="{prefix}goto/post?id={quote.post_id}" '
                'class="bbCodeBlock-sourceJump" rel="nofollow" data-xf-click="attribution" '
                f'data-content-selector="#post-{quote.post_id}">{escape(quote.author_name)} '
                "berkata:</a></div>")
    return (f"<blockquote{attrs}\n\tclass=\"bbCodeBlock bbCodeBlock--expandable "
            f'bbCodeBlock--quote js-expandWatch">{head}<div class="bbCodeBlock-content">'
            '<div class="bbCodeBlock-expandContent js-expandContent ">'
            f"{text_html(quote.text)}</div>"
            '<div class="bbCodeBlock-expandLink js-expandLink"><a role="button" tabindex="0">'
            "Klik untuk memperluas...</a></div></div></blockquote>")


def body_html(segments: list[Segment], prefix: str) -> str:
    """A post's ``div.bbWrapper`` inner HTML."""
    return "".join(quote_html(s, prefix) if isinstance(s, QuoteRef | Uncited) else text_html(s)
                   for s in segments)


def crumbs_html(trail: list[tuple[str, str]], bottom: bool = False) -> str:
    """The breadcrumb list (schema.org BreadcrumbList) from (title, href) pairs."""
    items = "".join(
        f'<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
        f'<a href="{href}" itemprop="item"><span itemprop="name">{escape(title)}</span></a>'
        f'<meta itemprop="position" content="{n}" /></li>'
        for n, (title, href) in enumerate(trail, start=1))
    css = "p-breadcrumbs p-breadcrumbs--bottom" if bottom else "p-breadcrumbs "
    return f'<ul class="{css}" itemscope itemtype="https://schema.org/BreadcrumbList">{items}</ul>'
