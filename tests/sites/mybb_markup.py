"""MyBB 1.8 default-theme fragments: dates, names, messages, postbit, thread rows, multipage.

Dates follow ``my_date('relative')`` with the board defaults (``m-d-Y``, ``h:i A``, ", ") and
the Indonesian language pack: "Kurang dari 1 menit yang lalu", "2 jam yang lalu",
``<span title="03-18-2024">Hari ini</span>, 10:05 AM``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape

from crawler.demosite.model import Post, QuoteRef, Segment, Uncited

POSTS_PER_PAGE = 20  # MyBB's default "postsperpage"
THREADS_PER_PAGE = 20  # and "threadsperpage"
_URL = re.compile(r"https?://[^\s<>\"]+")
_SMILEY = re.compile(r"(?<=\s):\)|(?<=\s);\)")
_SMILIES = {":)": (1, "smile.png", "Smile"), ";)": (2, "wink.png", "Wink")}


def day(when: datetime, date_format: str = "m-d-Y") -> str:
    """The board's date format: ``03-18-2024`` (m-d-Y) or ``18-03-2024`` (d-m-Y)."""
    if date_format == "d-m-Y":
        return f"{when.day:02d}-{when.month:02d}-{when.year}"
    return f"{when.month:02d}-{when.day:02d}-{when.year}"


def clock(when: datetime) -> str:
    """``h:i A``: 10:05 AM."""
    return f"{when.hour % 12 or 12:02d}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def my_date(when: datetime, now: datetime, date_format: str = "m-d-Y") -> str:
    """``my_date('relative', ...)`` in the Indonesian language pack."""
    local = when.astimezone(now.tzinfo)
    seconds = (now - local).total_seconds()
    full = f"{day(local, date_format)}, {clock(local)}"
    if 0 <= seconds < 3600:
        minutes = max(1, int(seconds // 60))
        prefix = "Kurang dari " if seconds <= 60 else ""
        return f'<span title="{full}">{prefix}{minutes} menit yang lalu</span>'
    if 0 <= seconds < 43200:
        return f'<span title="{full}">{max(1, int(seconds // 3600))} jam yang lalu</span>'
    if local.date() == now.date():
        return f'<span title="{day(local, date_format)}">Hari ini</span>, {clock(local)}'
    if local.date() == (now - timedelta(days=1)).date():
        return f'<span title="{day(local, date_format)}">Kemarin</span>, {clock(local)}'
    return full


def profile_link(name: str, uid: int | None, bburl: str) -> str:
    """``build_profile_link(format_name(...))``: the administrator's name is styled."""
    if uid is None:
        return escape(name)
    shown = escape(name)
    if uid == 2:
        shown = f'<span style="color: green;"><strong><em>{shown}</em></strong></span>'
    return f'<a href="{bburl}/member.php?action=profile&amp;uid={uid}">{shown}</a>'


def text_html(text: str) -> str:
    """A message without MyCode: escaped, auto-linked, smilies, ``nl2br``."""
    out = escape(text, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank" rel="noopener" '
                   f'class="mycode_url">{m.group(0)}</a>', out)

    def smilie(match: re.Match[str]) -> str:
        sid, image, name = _SMILIES[match.group(0)]
        return (f'<img src="images/smilies/{image}" alt="{name}" title="{name}" '
                f'class="smilie smilie_{sid}" />')

    return _SMILEY.sub(smilie, out).replace("\n", "<br />\n")


def quote_html(quote: QuoteRef, now: datetime, bburl: str, date_format: str) -> str:
    """``[quote="name" pid="N" dateline="T"]`` as MyBB 1.8's parser renders it."""
    pid = quote.post_id
    return (f'<blockquote class="mycode_quote"><cite><span> ('
            f"{my_date(quote.published_at, now, date_format)})</span>"
            f"{escape(quote.author_name)} Menulis: <a "
            f'href="{bburl}/showthread.php?pid={pid}#pid{pid}" class="quick_jump"></a></cite>'
            f"{text_html(quote.text)}</blockquote>\n")


def message_html(segments: list[Segment], now: datetime, bburl: str, date_format: str) -> str:
    """The parsed message of a post."""
    parts = []
    for segment in segments:
        if isinstance(segment, QuoteRef):
            parts.append(quote_html(segment, now, bburl, date_format))
        elif isinstance(segment, Uncited):
            parts.append('<blockquote class="mycode_quote"><cite>Kutipan:</cite>'
                         f"{text_html(segment.text)}</blockquote>\n")
        else:
            parts.append(text_html(segment))
    return "".join(parts)


def _author_box(post: Post, bburl: str, joined: str) -> str:
    uid = post.author_id
    if uid is None:
        return (f'<div class="author_information"><strong><span class="largetext">'
                f"{escape(post.author_name)}</span></strong><br />"
                '<span class="smalltext">Tidak Terdaftar<br /></span></div>'
                '<div class="author_statistics">&nbsp;</div>')
    avatar = (f'<div class="author_avatar"><a href="{bburl}/member.php?action=profile&amp;'
              f'uid={uid}"><img src="images/default_avatar.png" alt="" width="55" '
              'height="55" /></a></div>')
    return (f'{avatar}<div class="author_information"><strong><span class="largetext">'
            f"{profile_link(post.author_name, uid, bburl)}</span></strong> "
            '<img src="images/buddy_offline.png" title="Offline" alt="Offline" '
            'class="buddy_status" /><br /><span class="smalltext">Anggota<br />'
            '<img src="images/star.png" border="0" alt="*" /></span></div>'
            f'<div class="author_statistics">Tulisan: {uid * 7}<br />Thread: {uid % 9}<br />'
            f"Bergabung: {joined}</div>")


def postbit(post: Post, number: int, now: datetime, bburl: str, date_format: str) -> str:
    """One post with the default ``postbit`` template."""
    pid, uid = post.post_id, post.author_id
    edited = ""
    if post.edited_at is not None:
        editor = profile_link(post.author_name, uid, bburl) if uid is not None else (
            profile_link("admin_kalteng", 2, bburl))
        edited = (f'<span class="edited_post">(Tulisan ini terakhir diubah: '
                  f"{my_date(post.edited_at, now, date_format)} oleh {editor}.)</span>")
    signature = ""
    if uid is not None and uid % 4 == 0:
        signature = ('<div class="signature scaleimages">\nSalam damai dari Bumi Tambun Bungai'
                     "\n</div>")
    find = "" if uid is None else (
        f'<a href="search.php?action=finduser&amp;uid={uid}" title="Cari semua tulisan" '
        'class="postbit_find"><span>Cari</span></a>')
    return f"""
<a name="pid{pid}" id="pid{pid}"></a>
<div class="post " style="" id="post_{pid}">
<div class="post_author">
\t{_author_box(post, bburl, "Jan 2024")}
</div>
<div class="post_content">
\t<div class="post_head">
\t\t<div class="float_right" style="vertical-align: top">
<strong><a href="showthread.php?tid={post.thread_id}&amp;pid={pid}#pid{pid}" \
title="{escape(post.subject)}">#{number}</a></strong>

</div>
\t\t<span class="post_date">{my_date(post.published_at, now, date_format)} \
<span class="post_edit" id="edited_by_{pid}">{edited}</span></span>
\t</div>
\t<div class="post_body scaleimages" id="pid_{pid}">
\t\t{message_html(post.segments, now, bburl, date_format)}
\t</div>
\t{signature}
\t<div class="post_meta" id="post_meta_{pid}">
\t\t<div class="float_right"></div>
\t</div>
</div>
<div class="post_controls">
\t<div class="postbit_buttons author_buttons float_left">{find}</div>
\t<div class="postbit_buttons post_management_buttons float_right"></div>
</div>
</div>"""


def multipage(link: str, total: int, per_page: int, page: int) -> str:
    """``multipage()``: previous, numbered pages around the current one, next."""
    pages = max(1, -(-total // per_page))
    if pages == 1:
        return ""

    def url(number: int) -> str:
        return link if number == 1 else f"{link}&amp;page={number}"

    items = ['<span class="pages">Halaman (' f"{pages}):</span>"]
    if page > 1:
        items.append(f'<a href="{url(page - 1)}" class="pagination_previous">&laquo; '
                     "Sebelumnya</a>")
    for number in range(max(1, page - 4), min(pages, page + 4) + 1):
        if number == page:
            items.append(f'<span class="pagination_current">{number}</span>')
        else:
            items.append(f'<a href="{url(number)}" class="pagination_page">{number}</a>')
    if page < pages:
        items.append(f'<a href="{url(page + 1)}" class="pagination_next">Berikutnya '
                     "&raquo;</a>")
    return f'<div class="pagination">\n{" ".join(items)}\n</div>'
