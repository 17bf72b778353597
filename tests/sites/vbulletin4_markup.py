"""vBulletin 4.2 default-style fragments with the Indonesian language pack: links, names,
dates, messages (BB code quotes, smilies), postbit_legacy, threadbit and pagenav."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape

from crawler.demosite.model import Post, QuoteRef, Segment, Thread, Uncited
from tests.sites.vbulletin_data import slug

_URL = re.compile(r"https?://[^\s<>\"]+")
_SMILIES = {":)": ("smile.png", "Smile"), ";)": ("wink.png", "Wink")}
_SMILEY = re.compile(r"(?<=\s):\)|(?<=\s);\)")


def link(script: str, sid: str, item: tuple[int, str] | None = None, page: int = 1,
         **params: object) -> str:
    """A vB4 link with basic friendly URLs: ``showthread.php?15-Judul/page2&amp;s=...``."""
    query = ""
    if item is not None:
        query = f"{item[0]}-{slug(item[1])}" + (f"/page{page}" if page > 1 else "")
    pairs = [f"{k}={v}" for k, v in params.items() if v is not None]
    pairs.append(f"s={sid}")
    return f"{script}?" + "&amp;".join(([query] if query else []) + pairs)


def vb_date(when: datetime, now: datetime) -> str:
    """``18-03-2024,&nbsp;<span class="time">10:05</span>``, "Hari ini" or "Kemarin"."""
    local = when.astimezone(now.tzinfo)
    day = local.strftime("%d-%m-%Y")
    if local.date() == now.date():
        day = "Hari ini"
    elif local.date() == (now - timedelta(days=1)).date():
        day = "Kemarin"
    return f'{day},&nbsp;<span class="time">{local:%H:%M}</span>'


def username(name: str, user_id: int | None, sid: str) -> str:
    """The member action menu (``a.username`` to the profile) or a guest's plain name."""
    if user_id is None:
        return f'<span class="username guest">{escape(name)}</span>'
    profile = link("member.php", sid, (user_id, name))
    return f"""<div class="popupmenu memberaction">
	<a class="username offline popupctrl" href="{profile}" title="{escape(name)} sedang offline"><strong>{escape(name)}</strong></a>
	<ul class="popupbody popuphover memberaction_body">
		<li class="left"><a href="{profile}" class="siteicon_profile">Lihat Profil</a></li>
		<li class="right"><a href="search.php?s={sid}&amp;do=finduser&amp;userid={user_id}&amp;contenttype=vBForum_Post&amp;showposts=1" class="siteicon_forum" rel="nofollow">Lihat Tulisan Forum</a></li>
	</ul>
</div>"""  # noqa: E501


def text_html(text: str) -> str:
    """Plain text as vB's BB code parser outputs it: escaped, links, smilies, ``<br />``."""
    out = escape(text, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank" rel="nofollow">'
                   f"{m.group(0)}</a>", out)
    out = _SMILEY.sub(lambda m: '<img src="images/smilies/{}" border="0" alt="" title="{}" '
                      'class="inlineimg" />'.format(*_SMILIES[m.group(0)]), out)
    return out.replace("\n", "<br />\n")


def quote_html(quote: QuoteRef | Uncited, thread: Thread, sid: str) -> str:
    """``[QUOTE=name;123]`` as the bbcode_quote template renders it."""
    if isinstance(quote, Uncited):
        inner = text_html(quote.text)
    else:
        target = link("showthread.php", sid, (thread.thread_id, thread.title), p=quote.post_id)
        inner = f"""<div class="bbcode_postedby">
					<img src="images/misc/quote_icon.png" alt="Kutipan" /> Kutipan Asli dari <strong>{escape(quote.author_name)}</strong>
					<a href="{target}#post{quote.post_id}" rel="nofollow"><img class="inlineimg" src="images/buttons/viewpost-right.png" alt="Lihat Tulisan" /></a>
				</div>
				<div class="message">{text_html(quote.text)}</div>"""  # noqa: E501
    return f"""<div class="bbcode_container">
	<div class="bbcode_quote">
		<div class="quote_container">
			<div class="bbcode_quote_container"></div>
			{inner}
		</div>
	</div>
</div>"""


def message_html(segments: list[Segment], thread: Thread, sid: str) -> str:
    """A post's message HTML."""
    return "".join(text_html(s) if isinstance(s, str) else quote_html(s, thread, sid)
                   for s in segments)


def postbit(post: Post, position: int, thread: Thread, sid: str, now: datetime) -> str:
    """One ``li.postbitlegacy.postbitim.postcontainer`` of showthread."""
    pid, uid = post.post_id, post.author_id
    permalink = link("showthread.php", sid, (thread.thread_id, thread.title), p=pid)
    extra = ('<span class="usertitle">Tamu</span>' if uid is None else
             f'<span class="usertitle">Anggota</span><hr /><dl class="userinfo_extra">'
             f"<dt>Bergabung</dt> <dd>Jan 2024</dd><dt>Tulisan</dt> <dd>{uid * 7}</dd></dl>")
    edited = signature = ""
    if post.edited_at is not None:
        edited = (f'<!-- edit note --><blockquote class="postcontent lastedited">Terakhir diedit '
                  f"oleh {escape(post.author_name)}; {vb_date(post.edited_at, now).replace(',', ' pada', 1)}."  # noqa: E501
                  '<span class="reason">Alasan:</span> salah ketik</blockquote>')
    if uid is not None and uid % 4 == 0:
        signature = ('<blockquote class="signature restore"><div class="signaturecontainer">'
                     "Salam damai dari Bumi Tambun Bungai</div></blockquote>")
    after = f'<div class="after_content">{edited}{signature}</div>' if edited or signature else ""
    return f"""<li class="postbitlegacy postbitim postcontainer old" id="post_{pid}">
	<div class="posthead">
		<span class="postdate old"><span class="date">{vb_date(post.published_at, now)}</span></span>
		<span class="nodecontrols"><a name="post{pid}" href="{permalink}#post{pid}" class="postcounter">#{position}</a><a id="postcount{pid}" name="{position}"></a></span>
	</div>
	<div class="postdetails">
		<div class="userinfo">
			<div class="username_container">{username(post.author_name, uid, sid)}</div>
			{extra}
		</div>
		<div class="postbody">
			<div class="postrow{' has_after_content' if after else ''}">
				<h2 class="title icon">{escape(post.subject)}</h2>
				<div class="content">
					<div id="post_message_{pid}">
						<blockquote class="postcontent restore ">{message_html(post.segments, thread, sid)}</blockquote>
					</div>
				</div>
			</div>
			{after}
			<div class="cleardiv"></div>
		</div>
	</div>
	<div class="postfoot"><div class="textcontrols floatcontainer"><span class="postcontrols">
		<a id="qrwq_{pid}" class="newreply" href="newreply.php?s={sid}&amp;do=newreply&amp;p={pid}" rel="nofollow"><img src="clear.gif" alt="Balas dengan Kutipan" /> Balas dengan Kutipan</a>
	</span></div></div>
	<hr />
</li>"""  # noqa: E501


def pagenav(script: str, sid: str, item: tuple[int, str], page: int, pages: int) -> str:
    """The pagenav form: "Halaman 1 dari 3", page links, ``a[rel=next]``/``a[rel=prev]``."""
    if pages <= 1:
        return ""
    parts = [f'<span><a href="javascript://" class="popupctrl">Halaman {page} dari {pages}</a>'
             "</span>"]
    if page > 1:
        parts.append(f'<span class="prev_next"><a rel="prev" href="{link(script, sid, item, page - 1)}"'  # noqa: E501
                     ' title="Halaman Sebelumnya"><img src="images/pagination/previous-left.png" '
                     'alt="Sebelumnya" /></a></span>')
    for number in range(max(1, page - 2), min(pages, page + 2) + 1):
        if number == page:
            parts.append(f'<span class="selected"><a href="javascript://">{number}</a></span>')
        else:
            parts.append(f'<span><a href="{link(script, sid, item, number)}">{number}</a></span>')
    if page < pages:
        parts.append(f'<span class="prev_next"><a rel="next" href="{link(script, sid, item, page + 1)}"'  # noqa: E501
                     ' title="Halaman Berikutnya"><img src="images/pagination/next-right.png" '
                     'alt="Berikutnya" /></a></span>')
    return (f'<form action="{link(script, sid, item, pages)}" method="get" class="pagination '
            f'popupmenu nohovermenu">{"".join(parts)}</form>')
