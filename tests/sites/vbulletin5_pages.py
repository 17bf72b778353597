"""vBulletin 5.6 pages of the demo forum: forum home, channels (topic lists) and topics."""

from __future__ import annotations

from datetime import datetime
from html import escape

from crawler.demosite.model import Board, Forum, Thread
from tests.sites.vbulletin5_markup import member_url, pagenav, post_html, vb_date

POSTS_PER_PAGE = 15  # the conversation display module's default
TOPICS_PER_PAGE = 20  # the channel display module's default


def frame(forum: Forum, title: str, body: str, base: str, crumbs: list[tuple[str, str]],
          canonical: str, page_id: int) -> str:
    """The vB5 page: head (generator, canonical), header, breadcrumbs, canvas layout."""
    items = "".join(f'<li class="vb-icon separator"></li><li class="crumb ellipsis"><a class="crumb-link" href="{href}">{escape(name)}</a></li>'  # noqa: E501
                    for href, name in crumbs)
    return f"""<!DOCTYPE html>
<html id="htmlTag" xmlns="http://www.w3.org/1999/xhtml" xml:lang="id" lang="id" dir="ltr">
<head>
<meta charset="utf-8" />
<meta name="generator" content="vBulletin 5.6.9" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<link rel="canonical" href="{canonical}" />
<title>{escape(title)} - {escape(forum.title)}</title>
<link rel="stylesheet" type="text/css" href="{base}css.php?styleid=1&amp;td=ltr&amp;sheet=css_reset.css,css_unreset.css,css_utilities.css&amp;ts=1700000000" />
<script type="text/javascript">if (location.hash) {{ document.write('<style type="text/css"> a.anchor {{ display:none;}} <\\/style>'); }}
var pageData = {{"baseurl": "{base.rstrip('/')}", "pageid": "{page_id}", "languageid": "2", "threadmarking": "2"}};</script>
</head>
<body id="vb-page-body" class="l-desktop page{page_id} vb-page view-mode logged-out" itemscope itemtype="http://schema.org/ItemPage" data-usergroupid="1" data-styleid="1">
<div class="b-top-menu__background js-top-menu-user"><div class="b-top-menu__container"><ul class="b-top-menu b-top-menu--user js-top-menu-user--list"><li class="b-top-menu__item username-container"><div id="lnkLoginSignupMenu">Masuk atau Daftar</div></li></ul></div></div>
<div id="outer-wrapper"><div id="wrapper">
<div id="header" class="noselect"><div class="header-cell"><div class="site-logo header-edit-box"><a href="{base}"><img src="images/misc/vbulletin5_logo.png" alt="{escape(forum.title)}" title="Powered by vBulletin" /></a></div></div></div>
<ul id="breadcrumbs" class="h-clearfix" itemprop="breadcrumb"><li class="crumb ellipsis"><a class="crumb-link" href="{base}">Beranda</a></li>{items}</ul>
<div id="content"><div class="canvas-layout-container js-canvas-layout-container"><div id="canvas-layout-full" class="canvas-layout" data-layout-id="1">
{body}
</div></div></div>
<div id="footer"><div class="footer-copyright">Powered by <a href="https://www.vbulletin.com">vBulletin&reg;</a> Version 5.6.9 <br />Copyright &copy; 2024 MH Sub I, LLC dba vBulletin. All rights reserved.</div>
<div class="footer-tz">Semua waktu adalah GMT+7. Sekarang jam {datetime.now(forum.timezone):%I:%M %p}.</div></div>
</div></div>
</body>
</html>"""  # noqa: E501


def page_title(title: str) -> str:
    """The page title widget (``h1.main-title``)."""
    return ('<div class="b-module canvas-widget default-widget page-title-widget '
            'widget-no-header-buttons widget-no-border"><div class="widget-header h-clearfix">'
            f'<div class="module-title h-left"><h1 class="main-title js-main-title '
            f'hide-on-editmode">{escape(title)}</h1></div></div></div>')


def forum_list(forum: Forum, parent: int | None, urls: dict[int, str]) -> str:
    """The forum list widget: category headers, ``tr.forum-item`` rows, subforum links."""
    rows = []
    for board in forum.children(parent):
        if board.is_category:
            rows.append(f'<tr class="category-header"><td colspan="4"><div class="category-header">'
                        f'<a href="{urls[board.forum_id]}" class="category">{escape(board.name)}'
                        f'</a></div></td></tr>{forum_list(forum, board.forum_id, urls)}')
            continue
        subs = "".join(f'<li class="subforum-item"><a href="{urls[s.forum_id]}" class="subforum-title">{escape(s.name)}</a></li>'  # noqa: E501
                       for s in forum.children(board.forum_id))
        sub = (f'<div class="subforum-list"><ul class="subforum-list">{subs}</ul></div>'
               if subs else "")
        rows.append(f'<tr class="forum-item main" id="forum{board.forum_id + 1}" data-channel-id="{board.forum_id + 1}">'  # noqa: E501
                    f'<td class="cell-forum"><div class="forum-wrapper"><div class="forum-info">'
                    f'<a href="{urls[board.forum_id]}" class="forum-title">{escape(board.name)}</a>'
                    f'<div class="forum-desc">{escape(board.description)}</div>{sub}'
                    "</div></div></td>"
                    f'<td class="cell-topics">{len(forum.topics(board.forum_id))}</td></tr>')
    return "".join(rows)


def forum_list_widget(forum: Forum, parent: int | None, urls: dict[int, str]) -> str:
    """The channel list module around :func:`forum_list`."""
    return ('<div class="b-module canvas-widget default-widget forum-list-widget">'
            '<table class="forum-list-container" cellspacing="0">'
            f"<tbody>{forum_list(forum, parent, urls)}</tbody></table></div>")


def topic_row(thread: Thread, url: str, node: int, base: str, now: datetime,
              sticky: bool) -> str:
    """One ``tr.topic-item``: title, starter, "N balasan", last post link."""
    first, last = thread.posts[0], thread.posts[-1]
    starter = escape(first.author_name) if first.author_id is None else (
        f'<a href="{member_url(base, first.author_id, first.author_name)}">'
        f"{escape(first.author_name)}</a>")
    replies = len(thread.posts) - 1
    return f"""<tr class="topic-item{' sticky' if sticky else ''}" id="topic-{node}" data-node-id="{node}">
	<td class="cell-topic"><div class="topic-wrapper">{'<span class="b-icon b-icon__sticky" title="Disematkan"></span>' if sticky else ''}<a href="{url}" class="topic-title js-topic-title">{escape(thread.title)}</a>
		<div class="topic-info h-clear h-hide-on-small"><span class="byline h-left">Dimulai oleh {starter}, {vb_date(first.published_at, now)}</span></div></div></td>
	<td class="cell-count"><div class="posts-count">{replies:,} {'balasan'}</div><div class="views-count">{thread.thread_id * 37 % 9973:,} dilihat</div></td>
	<td class="cell-lastpost"><div class="lastpost-by">{escape(last.author_name)}</div><span class="post-date">{vb_date(last.published_at, now)}</span>
		<a href="{url}?p={last.post_id}#post{last.post_id}" class="go-to-last-post"><span class="vb-icon vb-icon-lastpost"></span></a></td>
</tr>"""  # noqa: E501


def render_topic(forum: Forum, thread: Thread, url: str, page: int, base: str, now: datetime,
                 crumbs: list[tuple[str, str]]) -> str:
    """A topic page: 15 posts a page, numbered, with the toolbar page navigation."""
    pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
    start = (page - 1) * POSTS_PER_PAGE
    posts = "".join(post_html(p, start + i + 1, url, base, now)
                    for i, p in enumerate(thread.posts[start:start + POSTS_PER_PAGE]))
    nav = pagenav(url, page, pages)
    node = thread.posts[0].post_id
    body = f"""{page_title(thread.title)}
<div class="b-module canvas-widget default-widget conversation-content-widget forum-conversation-content-widget widget-tabs" id="widget_19">
<div id="thread-view-tab" class="conversation-view conversation-thread-view">
<div class="conversation-toolbar-wrapper top h-clear"><form name="toolbar-search-form" action="{url}" method="GET" class="toolbar-search-form"><input name="nodeid" value="{node}" type="hidden" /><input name="view" value="thread" type="hidden" /></form>{nav}</div>
<div class="conversation-content"><ul class="conversation-list list-container h-clearfix thread-view">{posts}</ul></div>
<div class="conversation-toolbar-wrapper bottom">{nav}</div>
</div></div>"""  # noqa: E501
    canonical = url if page == 1 else f"{url}/page{page}"
    return frame(forum, thread.title, body, base, crumbs, canonical, 52)


def render_channel(forum: Forum, board: Board, url: str, page: int, base: str, now: datetime,
                   crumbs: list[tuple[str, str]], topics: list[tuple[Thread, str, int, bool]],
                   urls: dict[int, str]) -> str:
    """A channel: subchannels, then 20 topics a page (stickies first, on page 1)."""
    body = [page_title(board.name)]
    if forum.children(board.forum_id):
        body.append(forum_list_widget(forum, board.forum_id, urls))
    if not board.is_category:
        sticky = [row for row in topics if row[3]]
        normal = [row for row in topics if not row[3]]
        pages = max(1, -(-len(normal) // TOPICS_PER_PAGE))
        shown = (sticky if page == 1 else []) + normal[(page - 1) * TOPICS_PER_PAGE:
                                                       page * TOPICS_PER_PAGE]
        rows = "".join(topic_row(t, u, n, base, now, s) for t, u, n, s in shown)
        body.append(f"""<div class="b-module canvas-widget default-widget channel-content-widget">
<div class="conversation-toolbar-wrapper top">{pagenav(url, page, pages)}</div>
<table class="topic-list-container" cellspacing="0"><tbody>{rows}</tbody></table>
<div class="conversation-toolbar-wrapper bottom">{pagenav(url, page, pages)}</div></div>""")
    return frame(forum, board.name, "\n".join(body), base, crumbs,
                 url if page == 1 else f"{url}/page{page}", 53)
