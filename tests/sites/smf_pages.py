"""SMF list pages: the board index (categories, boards, child boards) and MessageIndex."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from crawler.demosite.model import Board, Thread
from tests.sites.smf_markup import (
    MESSAGES_PER_PAGE,
    TOPICS_PER_PAGE,
    member_link,
    page_index,
    timeformat,
)

if TYPE_CHECKING:
    from tests.sites.smf import SmfPages


def _lastpost(pages: SmfPages, board: Board) -> str:
    topics = pages.forum.topics(board.forum_id)
    if not topics:
        return ""
    thread = topics[0]
    post = thread.posts[-1]
    subject = escape(f"Re: {thread.title}" if len(thread.posts) > 1 else thread.title)
    return (f"<p><strong>Tulisan terakhir</strong> oleh "
            f"{member_link(post.author_name, post.author_id, pages.scripturl)}<br>dalam "
            f'<a href="{pages.scripturl}?topic={thread.thread_id}.msg{post.post_id}#new" '
            f'title="{subject}">{subject}</a><br>pada {timeformat(post.published_at, pages.now)}'
            "</p>")


def board_row(pages: SmfPages, board: Board) -> str:
    """One board of a board list, its child boards below it."""
    url = f"{pages.scripturl}?board={board.forum_id}.0"
    topics = pages.forum.topics(board.forum_id)
    posts = sum(len(t.posts) for t in topics)
    children = pages.forum.children(board.forum_id)
    child_links = ", ".join(
        f'<a href="{pages.scripturl}?board={c.forum_id}.0" title="Tidak Ada Tulisan Baru">'
        f"{escape(c.name)}</a>" for c in children)
    if pages.version == "2.0":
        kids = (f'<tr id="board_{board.forum_id}_children"><td colspan="3" class="children '
                f'windowbg"><strong>Sub-Board</strong>: {child_links}</td></tr>'
                if children else "")
        return f"""<tr id="board_{board.forum_id}" class="windowbg2">
<td class="icon windowbg"><a href="{url}"><img src="Themes/default/images/off.png" \
alt="Tidak Ada Tulisan Baru" /></a></td>
<td class="info"><a class="subject" href="{url}" name="b{board.forum_id}">{escape(board.name)}</a>
<p>{escape(board.description)}</p></td>
<td class="stats windowbg"><p>{posts} Tulisan <br />{len(topics)} Topik</p></td>
<td class="lastpost">{_lastpost(pages, board)}</td>
</tr>{kids}"""
    kids = (f'<div id="board_{board.forum_id}_children" class="children"><p><strong '
            f'id="child_list_{board.forum_id}">Sub-Board</strong>: <span>{child_links}</span>'
            "</p></div>") if children else ""
    return f"""<div id="board_{board.forum_id}" class="up_contain ">
<div class="board_icon"><a href="{url}" class="board_off" title="Tidak Ada Tulisan Baru"></a></div>
<div class="info"><a class="subject mobile_subject" href="{url}" id="b{board.forum_id}">\
{escape(board.name)}</a>
<div class="board_description">{escape(board.description)}</div></div>
<div class="board_stats"><p>{posts} Tulisan<br>{len(topics)} Topik</p></div>
<div class="lastpost lpr_border">{_lastpost(pages, board)}</div>
{kids}
</div>"""


def board_index(pages: SmfPages) -> str:
    """BoardIndex: a section per category."""
    out = []
    for cat in pages.forum.children(None):
        rows = "\n".join(board_row(pages, b) for b in pages.forum.children(cat.forum_id))
        head = (f'<a id="c{cat.forum_id}"></a>{escape(cat.name)}')
        if pages.version == "2.0":
            out.append(f"""<tbody class="header" id="category_{cat.forum_id}"><tr><td colspan="4">
<div class="cat_bar"><h3 class="catbg">{head}</h3></div></td></tr></tbody>
<tbody class="content" id="category_{cat.forum_id}_boards">{rows}</tbody>""")
        else:
            out.append(f"""<div class="main_container"><div class="cat_bar " \
id="category_{cat.forum_id}"><h3 class="catbg">{head}</h3>
<div class="desc">{escape(cat.description)}</div></div>
<div id="category_{cat.forum_id}_boards">{rows}</div></div>""")
    if pages.version == "2.0":
        return f'<div id="boardindex_table"><table class="table_list">{"".join(out)}</table></div>'
    return f'<div id="boardindex_table" class="boardindex_table">{"".join(out)}</div>'


def _topic_row(pages: SmfPages, thread: Thread, index: int) -> str:
    first, last = thread.posts[0], thread.posts[-1]
    tid, replies = thread.thread_id, len(thread.posts) - 1
    url = f"{pages.scripturl}?topic={tid}"
    last_start = replies // MESSAGES_PER_PAGE * MESSAGES_PER_PAGE
    last_link = f"{url}.{last_start}#msg{last.post_id}"
    starter = member_link(first.author_name, first.author_id, pages.scripturl)
    by = member_link(last.author_name, last.author_id, pages.scripturl)
    when = timeformat(last.published_at, pages.now)
    subject = f'<span id="msg_{first.post_id}"><a href="{url}.0">{escape(thread.title)}</a></span>'
    if pages.version == "2.0":
        bg = "windowbg" if index % 2 else "windowbg2"
        return f"""<tr>
<td class="icon1 {bg}"><img src="Themes/default/images/topic/normal_post.gif" alt="" /></td>
<td class="subject {bg}"><div>{subject}<p>Dimulai oleh {starter}</p></div></td>
<td class="stats {bg}">{replies} Balasan<br />{tid * 13 % 997} Dilihat</td>
<td class="lastpost {bg}"><a href="{last_link}"><img \
src="Themes/default/images/icons/last_post.gif" alt="Tulisan terakhir" /></a>{when}<br />oleh {by}
</td></tr>"""
    return f"""<div class="windowbg">
<div class="board_icon"><img src="Themes/default/images/post/xx.png" alt=""></div>
<div class="info info_block"><div >
<div id="icons{first.post_id}" class="icons floatright"></div>
<div class="message_index_title"><span class="preview" title="">{subject}</span></div>
<p class="floatleft">Dimulai oleh {starter}</p>
</div></div>
<div class="board_stats centertext"><p>{replies} Balasan<br>{tid * 13 % 997} Dilihat</p></div>
<div class="lastpost"><p><a href="{last_link}">{when}</a><br>oleh {by}</p></div>
</div>"""


def message_index(pages: SmfPages, board: Board, start: int) -> str:
    """MessageIndex: child boards, then 20 topics a page, latest activity first."""
    parts = [f'<div id="display_head" class="information"><h2 class="display_title">'
             f"{escape(board.name)}</h2><p>{escape(board.description)}</p></div>"]
    children = pages.forum.children(board.forum_id)
    if children:
        rows = "\n".join(board_row(pages, c) for c in children)
        parts.append(f'<div id="board_{board.forum_id}_childboards" class="boardindex_table '
                     f'main_container"><div class="cat_bar"><h3 class="catbg">Sub-Board</h3>'
                     f"</div>{rows}</div>")
    topics = pages.forum.topics(board.forum_id)
    base = f"{pages.scripturl}?board={board.forum_id}"
    bar = page_index(base, len(topics), TOPICS_PER_PAGE, start, pages.version)
    rows = "\n".join(_topic_row(pages, t, i)
                     for i, t in enumerate(topics[start:start + TOPICS_PER_PAGE]))
    sort = f"{base}.{start};sort="
    if pages.version == "2.0":
        parts.append(f"""<div class="pagesection">{bar}</div>
<div class="tborder topic_table" id="messageindex"><table class="table_grid" cellspacing="0">
<thead><tr class="catbg"><th scope="col" class="first_th" colspan="2">&nbsp;</th>
<th scope="col" class="lefttext"><a href="{sort}subject">Subjek</a></th>
<th scope="col"><a href="{sort}replies">Balasan</a></th>
<th scope="col" class="lefttext last_th"><a href="{sort}last_post">Tulisan terakhir</a></th>
</tr></thead>
<tbody>{rows}</tbody></table></div>
<div class="pagesection">{bar}</div>""")
    else:
        parts.append(f"""<div class="pagesection">{bar}</div>
<div id="messageindex">
<div class="title_bar" id="topic_header"><div class="board_icon"></div>
<div class="info"><a href="{sort}subject">Subjek</a> / <a href="{sort}starter">Dimulai oleh</a>
</div><div class="board_stats centertext"><a href="{sort}replies">Balasan</a> / <a \
href="{sort}views">Dilihat</a></div><div class="lastpost"><a href="{sort}last_post">Tulisan \
terakhir</a></div></div>
<div id="topic_container">{rows}</div>
</div>
<div class="pagesection">{bar}</div>""")
    return "\n".join(parts)
