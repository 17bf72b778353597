"""MyBB 1.8 list pages: forumbit tables (index, subforums) and forumdisplay's thread list."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from crawler.demosite.model import Board, Thread
from tests.sites.mybb_markup import POSTS_PER_PAGE, THREADS_PER_PAGE, multipage

if TYPE_CHECKING:
    from tests.sites.mybb import MybbPages


def _lastpost(pages: MybbPages, board: Board) -> str:
    topics = pages.forum.topics(board.forum_id)
    if not topics:
        return '<div style="text-align: center;">Tidak pernah</div>'
    thread = topics[0]
    post = thread.posts[-1]
    subject = escape(f"Re: {thread.title}" if len(thread.posts) > 1 else thread.title)
    return (f'<span class="smalltext">{pages.date(post.published_at)}<br />'
            f'<a href="showthread.php?tid={thread.thread_id}&amp;action=lastpost" '
            f'title="{subject}"><strong>{subject}</strong></a><br />Oleh '
            f"{pages.profile(post.author_name, post.author_id)}</span>")


def forum_row(pages: MybbPages, board: Board, index: int) -> str:
    """``forumbit_depth2_forum``: status, name and description, subforums, counts, last post."""
    trow = f"trow{index % 2 + 1}"
    topics = pages.forum.topics(board.forum_id)
    subs = pages.forum.children(board.forum_id)
    sub_html = ""
    if subs:
        links = ", ".join(
            f'<div title="Forum tidak berisi tulisan baru" class="subforumicon subforum_minioff">'
            f'</div><a href="forumdisplay.php?fid={s.forum_id}" title="">{escape(s.name)}</a>'
            for s in subs)
        sub_html = f"<br /><strong>Sub Forum:</strong> {links}"
    return f"""<tr>
<td class="{trow}" align="center" valign="top" width="1"><span class="forum_status forum_off \
ajax_mark_read" title="Forum tidak berisi tulisan baru" id="mark_read_{board.forum_id}"></span></td>
<td class="{trow}" valign="top">
<strong><a href="forumdisplay.php?fid={board.forum_id}">{escape(board.name)}</a></strong>
<div class="smalltext">{escape(board.description)}{sub_html}</div>
</td>
<td class="{trow}" valign="top" align="center" style="white-space: nowrap">{len(topics)}</td>
<td class="{trow}" valign="top" align="center" style="white-space: nowrap">\
{sum(len(t.posts) for t in topics)}</td>
<td class="{trow}" valign="top" align="right" style="white-space: nowrap">\
{_lastpost(pages, board)}</td>
</tr>"""


def _table(fid: int, name: str, description: str, rows: str) -> str:
    return f"""<table border="0" cellspacing="0" cellpadding="5" class="tborder">
<thead><tr><td class="thead" colspan="5">
<div class="expcolimage"><img src="images/collapse.png" id="cat_{fid}_img" class="expander" \
alt="[-]" title="[-]" /></div>
<div><strong><a href="forumdisplay.php?fid={fid}">{escape(name)}</a></strong><br />
<div class="smalltext">{escape(description)}</div></div>
</td></tr></thead>
<tbody style="" id="cat_{fid}_e">
<tr><td class="tcat" colspan="2"><span class="smalltext"><strong>Forum</strong></span></td>
<td class="tcat" width="85" align="center" style="white-space: nowrap"><span class="smalltext">\
<strong>Thread</strong></span></td>
<td class="tcat" width="85" align="center" style="white-space: nowrap"><span class="smalltext">\
<strong>Tulisan</strong></span></td>
<td class="tcat" width="200" align="center"><span class="smalltext"><strong>Tulisan Terakhir\
</strong></span></td></tr>
{rows}
</tbody></table>
<br />"""


def category_table(pages: MybbPages, category: Board) -> str:
    """``forumbit_depth1_cat``: a category and its forums."""
    rows = pages.forum_rows(pages.forum.children(category.forum_id))
    return _table(category.forum_id, category.name, category.description, rows)


def _thread_row(pages: MybbPages, thread: Thread, index: int) -> str:
    """``forumdisplay_thread``: subject, starter, replies (whoPosted), views, last post."""
    first, last = thread.posts[0], thread.posts[-1]
    tid = thread.thread_id
    trow = f"trow{index % 2 + 1}"
    mini = ""
    if len(thread.posts) > POSTS_PER_PAGE:
        total = -(-len(thread.posts) // POSTS_PER_PAGE)
        links = " ".join(f'<a href="showthread.php?tid={tid}&amp;page={n}">{n}</a>'
                         for n in range(2, total + 1))
        mini = f' <span class="smalltext">(Halaman: <a href="showthread.php?tid={tid}">1</a> ' \
               f"{links})</span>"
    return f"""<tr class="inline_row">
<td align="center" class="{trow} forumdisplay_regular" width="2%"><span class="thread_status \
newfolder" title="Tidak ada tulisan baru.">&nbsp;</span></td>
<td align="center" class="{trow} forumdisplay_regular" width="2%">&nbsp;</td>
<td class="{trow} forumdisplay_regular">
<div>
<span> <span class=" subject_old" id="tid_{tid}"><a href="showthread.php?tid={tid}">\
{escape(thread.title)}</a></span>{mini}</span>
<div class="author smalltext">{pages.profile(first.author_name, first.author_id)}</div>
</div>
</td>
<td align="center" class="{trow} forumdisplay_regular"><a \
href="javascript:MyBB.whoPosted({tid});">{len(thread.posts) - 1}</a></td>
<td align="center" class="{trow} forumdisplay_regular">{tid * 13 % 997}</td>
<td class="{trow} forumdisplay_regular" style="white-space: nowrap; text-align: right;">
<span class="lastpost smalltext">{pages.date(last.published_at)}<br />
<a href="showthread.php?tid={tid}&amp;action=lastpost">Tulisan Terakhir</a>: \
{pages.profile(last.author_name, last.author_id)}</span>
</td>
</tr>"""


def forumdisplay_body(pages: MybbPages, board: Board, topics: list[Thread], number: int) -> str:
    """Subforums of ``board`` and page ``number`` of its threads."""
    parts = []
    children = pages.forum.children(board.forum_id)
    if children:
        parts.append(_table(board.forum_id, f"Sub Forum di '{board.name}'", "",
                            pages.forum_rows(children)))
    if board.is_category:
        return "\n".join(parts)
    fid = board.forum_id
    bar = multipage(f"forumdisplay.php?fid={fid}", len(topics), THREADS_PER_PAGE, number)
    start = (number - 1) * THREADS_PER_PAGE
    rows = "\n".join(_thread_row(pages, t, i)
                     for i, t in enumerate(topics[start:start + THREADS_PER_PAGE]))
    sort = f"forumdisplay.php?fid={fid}&amp;datecut=9999&amp;prefix=0"
    parts.append(f"""<div class="float_left">{bar}</div>
<div class="float_right"><a href="newthread.php?fid={fid}" class="button new_thread_button">\
<span>Kirim Thread</span></a></div>
<table border="0" cellspacing="0" cellpadding="5" class="tborder clear">
<tr><td class="thead" colspan="6"><div class="float_right"><span class="smalltext"><strong>\
<a href="misc.php?action=markread&amp;fid={fid}">Tandai forum ini sudah dibaca</a></strong>\
</span></div><div><strong>{escape(board.name)}</strong></div></td></tr>
<tr>
<td class="tcat" colspan="3" width="66%"><span class="smalltext"><strong><a \
href="{sort}&amp;sortby=subject&amp;order=asc">Thread</a> / <a \
href="{sort}&amp;sortby=starter&amp;order=asc">Pembuat</a></strong></span></td>
<td class="tcat" align="center" width="7%"><span class="smalltext"><strong><a \
href="{sort}&amp;sortby=replies&amp;order=desc">Balasan</a></strong></span></td>
<td class="tcat" align="center" width="7%"><span class="smalltext"><strong><a \
href="{sort}&amp;sortby=views&amp;order=desc">Dilihat</a></strong></span></td>
<td class="tcat" align="right" width="20%"><span class="smalltext"><strong><a \
href="{sort}&amp;sortby=lastpost&amp;order=desc">Tulisan Terakhir</a></strong></span></td>
</tr>
<tr><td class="trow_sep" colspan="6">Thread Biasa</td></tr>
{rows}
</table>
<div class="float_left">{bar}</div>""")
    return "\n".join(parts)
