"""Invision Community 4.6 pages that list: forums index, forum (subforums + topics), topic."""

from __future__ import annotations

from html import escape

from crawler.demosite.model import Board, Thread
from tests.sites.invision_markup import pagination, time_html, user_link, user_photo
from tests.sites.invision_pages import PER_PAGE, View, crumbs, frame, post_html


def pages(count: int) -> int:
    """Pages of ``count`` rows, 25 a page (at least one)."""
    return max(1, -(-count // PER_PAGE))


def _forum_row(view: View, board: Board) -> str:
    """``forumRow``: title, subforums, description, post count, last post."""
    topics = view.forum.topics(board.forum_id)
    subs = view.forum.children(board.forum_id)
    sub_html = ""
    if subs:
        sub_html = "<ul class=\"ipsDataItem_subList ipsList_inline\">" + "".join(
            f"<li class=\"\"><a href=\"{view.forum_url(s)}\">{escape(s.name)}</a></li>"
            for s in subs) + "</ul>"
    last = "<li class='ipsType_light ipsResponsive_showDesktop'>Belum ada kiriman</li>"
    if topics:
        thread, post = topics[0], topics[0].posts[-1]
        member = view.member(post.author_id)
        last = (f"<li>{user_photo(view.base, post.author_name, member)}</li>"
                f"<li class='ipsDataItem_lastPoster__title'><a href=\"{view.topic_url(thread)}\" "
                f"title='{escape(thread.title)}'>{escape(thread.title)}</a></li>"
                f"<li class='ipsType_light ipsType_blendLinks'>Oleh "
                f"{user_link(view.base, post.author_name, member)}, <a href='"
                f"{view.topic_url(thread)}' title='Ke kiriman terakhir'>"
                f"{time_html(post.published_at, view.now)}</a></li>")
    count = sum(len(t.posts) for t in topics)
    return f"""<li class="cForumRow ipsDataItem ipsDataItem_responsivePhoto  ipsClearfix"
data-forumID="{board.forum_id}">
<div class="ipsDataItem_icon ipsDataItem_category"><span class='ipsItemStatus ipsItemStatus_large
cForumIcon_normal ipsItemStatus_read'><i class="fa fa-comments"></i></span></div>
<div class="ipsDataItem_main">
<h4 class="ipsDataItem_title ipsType_break"><a
href="{view.forum_url(board)}">{escape(board.name)}</a></h4>
{sub_html}
<div class='ipsType_richText ipsDataItem_meta ipsContained'><p>{escape(board.description)}</p></div>
</div>
<div class="ipsDataItem_stats ipsDataItem_statsLarge"><dl><dt
class="ipsDataItem_stats_number">{count}</dt><dd class="ipsDataItem_stats_type
ipsType_light">kiriman</dd></dl></div>
<ul class="ipsDataItem_lastPoster ipsDataItem_withPhoto">{last}</ul>
</li>"""


def render_index(view: View) -> str:
    """``/forums/``: every category with its forums."""
    blocks = []
    for category in view.forum.children(None):
        rows = "\n".join(_forum_row(view, b) for b in view.forum.children(category.forum_id))
        blocks.append(f"""<li data-categoryID='{category.forum_id}'
class='cForumRow ipsBox ipsSpacer_bottom ipsResponsive_pull'>
<h2 class="ipsType_sectionTitle ipsType_reset cForumTitle"><a href='#' class='ipsPos_right
ipsJS_show ipsType_noUnderline cForumToggle' data-action='toggleCategory' data-ipsTooltip
title='Buka/tutup kategori ini'></a><a
href='{view.forum_url(category)}'>{escape(category.name)}</a></h2>
<ol class="ipsDataList ipsDataList_large ipsDataList_zebra" data-role="forums">{rows}</ol>
</li>""")
    html = ("<div class='ipsPageHeader ipsClearfix ipsMargin_bottom cForumHeader'><h1 "
            "class='ipsType_pageTitle ipsFlex-flex:11 ipsType_break'>Forum</h1></div>"
            "<section><ol class='ipsList_reset cForumList' data-controller='core.global.core."
            f"table, forums.front.forum.forumList' data-baseURL=''>{''.join(blocks)}</ol>"
            "</section>")
    return frame(view, "Forum", html, "index", crumbs(view, None, None),
                 canonical=f"{view.base}forums/")


def _topic_row(view: View, thread: Thread) -> str:
    """``topicRow``: badges, title, mini pagination, byline, replies/views, last poster."""
    first, last = thread.posts[0], thread.posts[-1]
    url = view.topic_url(thread)
    badge = ""
    if thread.thread_id in view.pinned:
        badge = ("<span><span class=\"ipsBadge ipsBadge_icon ipsBadge_small ipsBadge_positive\" "
                 "data-ipsTooltip title='Disematkan'><i class='fa fa-thumb-tack'></i></span>"
                 "</span>")
    count = pages(len(thread.posts))
    mini = ""
    if count > 1:
        mini = "<span class='ipsPagination ipsPagination_mini'>" + "".join(
            f"<span class='ipsPagination_page'><a href='{view.topic_url(thread, p)}' "
            f"data-ipsTooltip title='Ke halaman {p}'>{p}</a></span>"
            for p in range(1, min(count, 4) + 1)) + "</span>"
    replies = len(thread.posts) - 1
    return f"""<li class="ipsDataItem ipsDataItem_responsivePhoto     "
data-rowID='{thread.thread_id}' data-location='' data-controller='forums.front.forum.topicRow'>
<div class='ipsDataItem_main'>
<h4 class='ipsDataItem_title ipsContained_container'>
{badge}
<span class='ipsType_break ipsContained'><a href='{url}' class='' title='{escape(thread.title)} '
data-ipsHover data-ipsHover-target='{url}?preview=1'
data-ipsHover-timeout='1.5'><span>{escape(thread.title)}</span></a></span>
{mini}
</h4>
<span data-role="activeUsers"></span>
<div class='ipsDataItem_meta ipsType_reset ipsType_light ipsType_blendLinks'><span>Oleh
{user_link(view.base, first.author_name, view.member(first.author_id))},
</span>{time_html(first.published_at, view.now)}</div>
</div>
<ul class='ipsDataItem_stats'>
<li data-statType='forums_comments'><span class='ipsDataItem_stats_number'>{replies}</span><span
class='ipsDataItem_stats_type'>balasan</span></li>
<li class='ipsType_light' data-statType='num_views'><span
class='ipsDataItem_stats_number'>{thread.thread_id * 13 % 997}</span><span
class='ipsDataItem_stats_type'>dilihat</span></li>
</ul>
<ul class='ipsDataItem_lastPoster ipsDataItem_withPhoto ipsType_blendLinks'>
<li>{user_photo(view.base, last.author_name, view.member(last.author_id))}</li>
<li>{user_link(view.base, last.author_name, view.member(last.author_id))}</li>
<li class="ipsType_light"><a href='{url}?do=getLastComment' title='Ke kiriman terakhir'
class='ipsType_blendLinks'>{time_html(last.published_at, view.now)}</a></li>
</ul>
</li>"""


def render_forum(view: View, board: Board, page: int) -> str:
    """``/forums/forum/2-slug/page/N/``: subforums, then 25 topics a page, pinned first."""
    parts = [f"<div class=\"ipsPageHeader ipsBox ipsResponsive_pull ipsPadding ipsClearfix\">"
             f"<header><h1 class=\"ipsType_pageTitle\">{escape(board.name)}</h1><div class='"
             f"ipsType_richText ipsType_normal'><p>{escape(board.description)}</p></div></header>"
             "</div>"]
    children = view.forum.children(board.forum_id)
    if children:
        head = "Subforum" if not board.is_category else "Forum dalam kategori ini"
        rows = "".join(_forum_row(view, b) for b in children)
        parts.append(f"<div class='ipsList_reset cForumList ipsBox ipsSpacer_bottom' data-"
                     f"controller='core.global.core.table, forums.front.forum.forumList'><h2 "
                     f"class='ipsType_sectionTitle ipsType_reset'>{head}</h2><ol class=\""
                     f"ipsDataList ipsDataList_zebra ipsDataList_large\">{rows}</ol></div>")
    topics = view.topics(board)
    count = pages(len(topics))
    urls = [view.forum_url(board, p) for p in range(1, count + 1)]
    if not board.is_category:
        bar = pagination(urls, page)
        rows = "\n".join(_topic_row(view, t)
                         for t in topics[(page - 1) * PER_PAGE:page * PER_PAGE])
        parts.append(f"""<div data-controller='forums.front.forum.forumPage'>
<div class='ipsBox ipsResponsive_pull' data-baseurl='{urls[0]}' data-resort='listResort'
data-tableID='topics' data-controller='core.global.core.table'>
<h2 class='ipsType_sectionTitle ipsHide ipsType_medium ipsType_reset ipsClear'>{len(topics)} topik
di forum ini</h2>
<div class="ipsButtonBar ipsPad_half ipsClearfix ipsClear"><div data-role="tablePagination"
{"class='ipsHide'" if count <= 1 else ''}>{bar}</div></div>
<ol class='ipsClear ipsDataList cForumTopicTable  ' id='elTable_1a2b' data-role="tableRows">
{rows}
</ol>
<div class="ipsButtonBar ipsPad_half ipsClearfix ipsClear {'ipsHide' if count <= 1 else ''}"
data-role="tablePagination">{bar}</div>
</div></div>""")
    return frame(view, board.name, "\n".join(parts), "forums",
                 crumbs(view, board, None), canonical=urls[page - 1], page_id=board.forum_id,
                 prev_url=urls[page - 2] if page > 1 else None,
                 next_url=urls[page] if page < count else None)


def render_topic(view: View, thread: Thread, page: int) -> str:
    """``/forums/topic/45-slug/page/N/``: header, pagination, 25 posts, pagination."""
    board = view.forum.board(thread.forum_id)
    count = pages(len(thread.posts))
    urls = [view.topic_url(thread, p) for p in range(1, count + 1)]
    bar = pagination(urls, page)
    first = thread.posts[0]
    posts = "\n".join(post_html(view, thread, p)
                      for p in thread.posts[(page - 1) * PER_PAGE:page * PER_PAGE])
    pin = ("<span><span class=\"ipsBadge ipsBadge_icon ipsBadge_positive\" data-ipsTooltip "
           "title='Disematkan'><i class='fa fa-thumb-tack'></i></span></span>"
           if thread.thread_id in view.pinned else "")
    in_board = (f" di <a href=\"{view.forum_url(board)}\">{escape(board.name)}</a>"
                if board else "")
    paging = (f"<div class=\"ipsBox ipsResponsive_pull ipsPadding:half ipsClearfix ipsClear "
              f"ipsMargin_bottom\">{bar}</div>" if bar else "")
    html = f"""<div
class='ipsPageHeader ipsResponsive_pull ipsBox ipsPadding sm:ipsPadding:half ipsMargin_bottom'>
<div class='ipsFlex ipsFlex-ai:center ipsFlex-fw:wrap ipsGap:4'><div class='ipsFlex-flex:11'>
<h1 class='ipsType_pageTitle ipsContained_container'>{pin}<span class='ipsType_break
ipsContained'><span>{escape(thread.title)}</span></span></h1>
</div></div>
<hr class='ipsHr'>
<div class='ipsPageHeader__meta'><div class='ipsPhotoPanel ipsPhotoPanel_mini
ipsClearfix'>{user_photo(view.base, first.author_name, view.member(first.author_id))}
<div><p class='ipsType_reset ipsType_blendLinks'><span class='ipsType_normal'><strong>Oleh
{user_link(view.base, first.author_name, view.member(first.author_id))}</strong><br>
<span
class='ipsType_light'>{time_html(first.published_at, view.now)}{in_board}</span></span></p>
</div></div></div>
</div>
<div id='comments' data-controller='core.front.core.commentFeed,forums.front.topic.view,
core.front.core.ignoredComments' data-baseURL='{urls[0]}'
{'data-lastPage' if page == count else ''} data-feedID='topic-{thread.thread_id}' class='cTopic
ipsClear ipsSpacer_top'>
{paging}
<div id="elPostFeed" data-role='commentFeed' data-controller='core.front.core.moderation'>
<form action="{urls[0]}?csrfKey=0a1b2c&amp;do=multimodComment" method="post" data-ipsPageAction
data-role='moderationTools'>
{posts}
</form>
</div>
{paging.replace('ipsMargin_bottom', 'ipsMargin_top') if paging else ''}
</div>"""
    return frame(view, thread.title, html, "topic",
                 crumbs(view, board, (urls[0], thread.title)), canonical=urls[page - 1],
                 page_id=thread.thread_id, prev_url=urls[page - 2] if page > 1 else None,
                 next_url=urls[page] if page < count else None)
