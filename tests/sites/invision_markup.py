"""Invision Community 4.6 default-theme fragments in Indonesian: dates, users, posts, paging."""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from html import escape

from crawler.demosite.model import Post, QuoteRef, Segment, Thread, Uncited

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
_URL = re.compile(r"https?://[^\s<>\"]+")
_EMOTICON = re.compile(r"(?<=\s)[:;]\)")
_EMOTICONS = {":)": "smile.png", ";)": "wink.png"}


def seo(text: str) -> str:
    """IPS's friendly-URL title: lower case, words joined by hyphens, punctuation dropped."""
    words = re.sub(r"[^\w\s-]", "", text.lower()).split()
    return "-".join(words) or "-"


def relative(when: datetime, now: datetime) -> str:
    """``DateTime::relative()`` with the Indonesian language pack."""
    local = when.astimezone(now.tzinfo)
    minutes = int((now - local).total_seconds() // 60)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if minutes < 1:
        return "Baru saja"
    if minutes < 60:
        return f"{minutes} menit yang lalu"
    if local.date() == now.date():
        return f"{minutes // 60} jam yang lalu"
    if local.date() == (now - timedelta(days=1)).date():
        return f"Kemarin pukul {clock}"
    if (now.date() - local.date()).days < 7:
        return f"{HARI[local.weekday()]} pukul {clock}"
    if local.year == now.year:
        return f"{local.day} {BULAN[local.month - 1]}"
    return f"{local.day} {BULAN[local.month - 1]} {local.year}"


def time_html(when: datetime, now: datetime, relative_text: bool = True) -> str:
    """``DateTime::html()``: UTC ``datetime``, the full local time as title, a relative text."""
    local = when.astimezone(now.tzinfo)
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = f"{local.day:02d}/{local.month:02d}/{local.year} {local.hour:02d}:{local.minute:02d}"
    text = relative(when, now) if relative_text else (
        f"{local.day} {BULAN[local.month - 1]} {local.year}")
    return f"<time datetime='{stamp}' title='{title}' data-short='{local.day}'>{text}</time>"


def profile_url(base: str, user_id: int, name: str) -> str:
    """``/profile/12-budi_palangka/``."""
    return f"{base}profile/{user_id}-{seo(name)}/"


def user_link(base: str, name: str, user_id: int | None) -> str:
    """The ``userLink`` template: a hovercard profile link, or the plain name of a guest."""
    if user_id is None:
        return escape(name)
    url = profile_url(base, user_id, name)
    return (f"<a href='{url}' rel=\"nofollow\" data-ipsHover data-ipsHover-width='370' "
            f"data-ipsHover-target='{url}?do=hovercard' title=\"Lihat profil {escape(name)}\" "
            f'class="ipsType_break">{escape(name)}</a>')


def user_photo(base: str, name: str, user_id: int | None) -> str:
    """A tiny ``userPhoto`` (letter avatar)."""
    img = (f"<img src='data:image/svg+xml,%3Csvg%3E%3C/svg%3E' alt='{escape(name)}' "
           "loading='lazy'>")
    if user_id is None:
        return f"<span class='ipsUserPhoto ipsUserPhoto_tiny'>{img}</span>"
    return (f"<a href='{profile_url(base, user_id, name)}' rel='nofollow' "
            f"class='ipsUserPhoto ipsUserPhoto_tiny'>{img}</a>")


def text_html(text: str, base: str) -> str:
    """Editor output: a ``<p>`` per paragraph, ``<br>`` per line, links, emoticons."""
    def line(raw: str) -> str:
        out = escape(raw, quote=False)
        out = _URL.sub(lambda m: f'<a href="{m.group(0)}" rel="external nofollow">'
                                 f"{m.group(0)}</a>", out)
        return _EMOTICON.sub(lambda m: (
            f'<img alt="{m.group(0)}" data-emoticon="" height="20" '
            f'src="{base}uploads/emoticons/{_EMOTICONS[m.group(0)]}" title="{m.group(0)}" '
            'width="20">'), out)

    return "\n".join("<p>" + "<br>\n".join(line(raw) for raw in block.split("\n")) + "</p>"
                     for block in text.split("\n\n"))


def quote_html(quote: QuoteRef, thread_id: int, now: datetime, base: str) -> str:
    """A quote as the ``ipsquote`` editor plugin stores it, with the post it cites."""
    local = quote.published_at.astimezone(now.tzinfo)
    user = f' data-ipsquote-userid="{quote.author_id}"' if quote.author_id is not None else ""
    cite = (f"Pada {local.day:02d}/{local.month:02d}/{local.year} pukul "
            f"{local.hour:02d}:{local.minute:02d}, {escape(quote.author_name)} berkata:")
    return (f'<blockquote class="ipsQuote" data-ipsquote="" data-ipsquote-contentapp="forums" '
            f'data-ipsquote-contentclass="forums_Topic" '
            f'data-ipsquote-contentcommentid="{quote.post_id}" '
            f'data-ipsquote-contentid="{thread_id}" data-ipsquote-contenttype="forums" '
            f'data-ipsquote-timestamp="{int(quote.published_at.timestamp())}"{user} '
            f'data-ipsquote-username="{escape(quote.author_name)}">'
            f'<div class="ipsQuote_citation">{cite}</div>'
            f'<div class="ipsQuote_contents">{text_html(quote.text, base)}</div></blockquote>')


def body_html(segments: list[Segment], thread_id: int, now: datetime, base: str) -> str:
    """A post's stored content."""
    parts = []
    for segment in segments:
        if isinstance(segment, QuoteRef):
            parts.append(quote_html(segment, thread_id, now, base))
        elif isinstance(segment, Uncited):
            parts.append('<blockquote class="ipsQuote" data-ipsquote=""><div '
                         'class="ipsQuote_citation">Kutipan</div><div class="ipsQuote_contents">'
                         f"{text_html(segment.text, base)}</div></blockquote>")
        else:
            parts.append(text_html(segment, base))
    return "".join(parts)


def attachment_html(post_id: int, base: str) -> str:
    """A lazily loaded image attachment (spacer ``src``, real ``data-src``)."""
    full = f"{base}uploads/monthly_2024_03/foto_{post_id}.jpg.4f1c.jpg"
    return (f'<p><a class="ipsAttachLink ipsAttachLink_image" href="{full}" '
            f'data-fileid="{post_id}" data-fileext="jpg" rel=""><img class="ipsImage '
            f'ipsImage_thumbnailed" data-fileid="{post_id}" data-src="{full}" '
            f'src="{base}applications/core/interface/js/spacer.png" alt="foto_{post_id}.jpg">'
            "</a></p>")


def pagination(url_of: list[str], active: int) -> str:
    """The ``pagination`` template: first/prev, up to five pages either side, next/last."""
    pages = len(url_of)
    if pages <= 1:
        return ""

    def item(cls: str, page: int, text: str, rel: str = "") -> str:
        rel_attr = f' rel="{rel}"' if rel else ""
        return (f"<li class='{cls}'><a href='{url_of[page - 1]}'{rel_attr} "
                f"data-page='{page}'>{text}</a></li>")

    off = "" if active != 1 else " ipsPagination_inactive"
    items = [item(f"ipsPagination_first{off}", 1, "<i class='fa fa-angle-double-left'></i>",
                  "first"),
             item(f"ipsPagination_prev{off}", max(active - 1, 1), "Sebelumnya", "prev")]
    items += [item("ipsPagination_page" + (" ipsPagination_active" if p == active else ""), p,
                   str(p)) for p in range(max(1, active - 5), min(pages, active + 5) + 1)]
    off = "" if active != pages else " ipsPagination_inactive"
    items += [item(f"ipsPagination_next{off}", min(active + 1, pages), "Berikutnya", "next"),
              item(f"ipsPagination_last{off}", pages,
                   "<i class='fa fa-angle-double-right'></i>", "last"),
              f"<li class='ipsPagination_pageJump'><a href='#'>Halaman {active} dari {pages} "
              "&nbsp;<i class='fa fa-caret-down'></i></a></li>"]
    return (f"<ul class='ipsPagination' id='elPagination_{zlib.crc32(url_of[0].encode()):08x}' "
            f"data-ipsPagination-seoPagination='true' data-pages='{pages}' data-ipsPagination "
            f"data-ipsPagination-pages=\"{pages}\" data-ipsPagination-perPage='25'>"
            f"{''.join(items)}</ul>")


def quote_data(post: Post, thread: Thread, author_id: int | None) -> str:
    """The ``data-quoteData`` JSON of a post, attribute-escaped."""
    data = {"userid": author_id, "username": post.author_name,
            "timestamp": int(post.published_at.timestamp()), "contentapp": "forums",
            "contenttype": "forums", "contentid": thread.thread_id,
            "contentclass": "forums_Topic", "contentcommentid": post.post_id}
    return escape(json.dumps(data), quote=True)
