"""SMF fragments of the default themes (2.1 and 2.0 Curve): dates, bodies, posts, page index.

Dates follow ``timeformat()`` with the Indonesian language pack (``%d %B %Y, %H:%M:%S``,
"<strong>Hari ini</strong> pukul 10:05:00"). Links point at ``{scripturl}`` (the server adds
``PHPSESSID`` afterwards, as ``ob_sessrewrite`` does for guests without a cookie).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape

from crawler.demosite.model import Post, QuoteRef, Uncited

MESSAGES_PER_PAGE = 15  # SMF's default "defaultMaxMessages"
TOPICS_PER_PAGE = 20  # and "defaultMaxTopics"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
_URL = re.compile(r"https?://[^\s<>\"]+")
_SMILEY = re.compile(r"(?<=\s):\)|(?<=\s);\)")
_SMILEYS = {":)": ("smiley.png", "&#58;&#41;", "Senyum"), ";)": ("wink.png", "&#59;&#41;", "Kedip")}


def timeformat(when: datetime, now: datetime) -> str:
    """``timeformat()``: today and yesterday by name (``todayMod``), else the full date."""
    local = when.astimezone(now.tzinfo)
    clock = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if local.date() == now.date():
        return f"<strong>Hari ini</strong> pukul {clock}"
    if local.date() == (now - timedelta(days=1)).date():
        return f"<strong>Kemarin</strong> pukul {clock}"
    return f"{local.day:02d} {MONTHS[local.month - 1]} {local.year}, {clock}"


def member_link(name: str, uid: int | None, scripturl: str) -> str:
    """``$memberContext['link']``: a profile link; guests and deleted members: the name."""
    if uid is None:
        return escape(name)
    return (f'<a href="{scripturl}?action=profile;u={uid}" title="Lihat profil dari '
            f'{escape(name)}">{escape(name)}</a>')


def text_html(text: str, scripturl: str) -> str:
    """``parse_bbc()`` of plain text: escaped, auto-linked, smileys, ``<br>`` per line."""
    out = escape(text, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" class="bbc_link" target="_blank" '
                   f'rel="noopener">{m.group(0)}</a>', out)
    smileys = scripturl.rsplit("/", 1)[0] + "/Smileys/fugue"

    def smiley(match: re.Match[str]) -> str:
        image, alt, title = _SMILEYS[match.group(0)]
        return f'<img src="{smileys}/{image}" alt="{alt}" title="{title}" class="smiley">'

    return _SMILEY.sub(smiley, out).replace("\n", "<br>")


def _quote(quote: QuoteRef, now: datetime, scripturl: str, version: str) -> str:
    head = (f'<a href="{scripturl}?topic={{topic}}.msg{quote.post_id}#msg{quote.post_id}">'
            f"Kutipan dari: {escape(quote.author_name)} pada "
            f"{timeformat(quote.published_at, now)}</a>")
    text = text_html(quote.text, scripturl)
    if version == "2.0":
        return (f'<div class="quoteheader"><div class="topslice_quote">{head}</div></div>'
                f'<blockquote class="bbc_standard_quote">{text}<br></blockquote>'
                '<div class="quotefooter"><div class="botslice_quote"></div></div>')
    return f'<blockquote class="bbc_standard_quote"><cite>{head}</cite>{text}</blockquote>'


def body_html(post: Post, now: datetime, scripturl: str, version: str) -> str:
    """The parsed body of a post (``[quote author=X link=topic=T.msgM#msgM date=D]``)."""
    parts = []
    for segment in post.segments:
        if isinstance(segment, QuoteRef):
            parts.append(_quote(segment, now, scripturl, version).replace(
                "{topic}", str(post.thread_id)))
        elif isinstance(segment, Uncited):
            text = text_html(segment.text, scripturl)
            parts.append(
                '<div class="quoteheader"><div class="topslice_quote">Kutipan</div></div>'
                f'<blockquote class="bbc_standard_quote">{text}<br></blockquote>'
                '<div class="quotefooter"><div class="botslice_quote"></div></div>'
                if version == "2.0" else
                f'<blockquote class="bbc_standard_quote"><cite>Kutipan</cite>{text}</blockquote>')
        else:
            parts.append(text_html(segment, scripturl))
    return "".join(parts)


def _poster(post: Post, scripturl: str) -> str:
    uid = post.author_id
    if uid is None:
        return (f"<h4>{escape(post.author_name)}</h4>\n<ul class=\"user_info\">"
                '<li class="membergroup">Tamu</li><li class="poster_ip">Tercatat</li></ul>')
    return (f'<h4><span class="off" title="Offline"></span>\n'
            f"{member_link(post.author_name, uid, scripturl)}</h4>\n<ul class=\"user_info\">"
            '<li class="postgroup">Anggota Baru</li><li class="icons"><img '
            'src="Themes/default/images/membericons/icon.png" alt="*"></li>'
            f'<li class="postcount">Tulisan: {uid * 7}</li>'
            '<li class="poster_ip">Tercatat</li></ul>')


def post_html(post: Post, counter: int, now: datetime, scripturl: str, version: str) -> str:
    """One message of Display.template.php (``template_single_post`` in 2.1)."""
    pid = post.post_id
    edited = ""
    if post.edited_at is not None:
        editor = post.author_name if post.author_id is not None else "admin_kalteng"
        label = '<span class="lastedit">Terakhir Diubah</span>' if version == "2.1" else (
            "<em>Terakhir Diubah")
        edited = f"{label}: {timeformat(post.edited_at, now)} oleh {escape(editor)}"
        edited = edited if version == "2.1" else f"&#171; {edited}</em> &#187;"
    signature = ""
    if post.author_id is not None and post.author_id % 4 == 0:
        signature = (f'<div class="signature" id="msg_{pid}_signature">Salam damai dari Bumi '
                     "Tambun Bungai</div>")
    link = f'<a href="{scripturl}?msg={pid}" rel="nofollow">{escape(post.subject)}</a>'
    body = body_html(post, now, scripturl, version)
    if version == "2.0":
        reply = f"Balasan #{counter} " if counter else ""
        return f"""
<div class="{'windowbg' if counter % 2 == 0 else 'windowbg2'}">
<span class="topslice"><span></span></span>
<div class="post_wrapper">
<div class="poster">{_poster(post, scripturl)}</div>
<div class="postarea">
<div class="flow_hidden"><div class="keyinfo">
<div class="messageicon"><img src="Themes/default/images/post/xx.gif" alt="" /></div>
<h5 id="subject_{pid}">{link}</h5>
<div class="smalltext">&#171; <strong>{reply}pada:</strong> {timeformat(post.published_at, now)} \
&#187;</div>
<div id="msg_{pid}_quick_mod"></div>
</div></div>
<div class="post"><div class="inner" id="msg_{pid}">{body}</div></div>
</div>
<div class="moderatorbar">
<div class="smalltext modified" id="modified_{pid}">{edited}</div>
<div class="smalltext reportlinks"><img src="Themes/default/images/ip.gif" alt="" /> Tercatat</div>
{signature}
</div>
</div>
<span class="botslice"><span></span></span>
</div>
<hr class="post_separator" />"""
    number = f'<span class="page_number floatright">#{counter}</span>' if counter else ""
    title = f"Balasan #{counter} - " if counter else ""
    visible = " mvisible" if edited else ""
    return f"""
<div class="windowbg" id="msg{pid}">
<div class="post_wrapper">
<div class="poster">{_poster(post, scripturl)}</div>
<div class="postarea">
<div class="keyinfo">
<div id="subject_{pid}" class="subject_title subject_hidden">{link}</div>
{number}
<div class="postinfo">
<span class="messageicon"  style="position: absolute; z-index: -1;"><img \
src="Themes/default/images/post/xx.png" alt=""></span>
<a href="{scripturl}?msg={pid}" rel="nofollow" title="{title}{escape(post.subject)}" \
class="smalltext">{timeformat(post.published_at, now)}</a>
<span class="spacer"></span>
<span class="smalltext modified floatright{visible}" id="modified_{pid}">{edited}</span>
</div>
<div id="msg_{pid}_quick_mod"></div>
</div>
<div class="post"><div class="inner" data-msgid="{pid}" id="msg_{pid}">{body}</div></div>
</div>
<div class="moderatorbar">{signature}</div>
</div>
</div>"""


def page_index(base: str, total: int, per_page: int, start: int, version: str) -> str:
    """``constructPageIndex()``: 2.1 with arrows, 2.0 as "[1] 2 3"."""
    pages = max(1, -(-total // per_page))
    current = start // per_page
    items = []
    for number in range(pages):
        if number == current:
            items.append(f'<span class="current_page">{number + 1}</span>' if version == "2.1"
                         else f"[<strong>{number + 1}</strong>]")
        elif abs(number - current) <= 2 or number in (0, pages - 1):
            css = "nav_page" if version == "2.1" else "navPages"
            items.append(f'<a class="{css}" href="{base}.{number * per_page}">{number + 1}</a>')
    if version == "2.0":
        return f'<div class="pagelinks floatleft">Halaman: {" ".join(items)}</div>'
    arrow = ""
    if current < pages - 1:
        arrow = (f'<a class="nav_page" href="{base}.{(current + 1) * per_page}"><span '
                 'class="main_icons next_page"></span></a>')
    return (f'<div class="pagelinks floatleft"><a href="#bot" class="button">Ke Bawah</a> '
            f'<span class="pages">Halaman</span>{" ".join(items)} {arrow}</div>')
