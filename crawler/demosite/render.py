"""HTML pages of the demo forum with prosilver's markup and URLs: index, viewforum, viewtopic."""

from __future__ import annotations

from datetime import datetime
from html import escape

from crawler.demosite.dates import format_date
from crawler.demosite.markup import link, pagination, post_html, username
from crawler.demosite.model import POSTS_PER_PAGE, TOPICS_PER_PAGE, Board, Forum, Thread


def _crumbs(forum: Forum, board: Board | None, sid: str) -> str:
    chain: list[Board] = []
    while board is not None:
        chain.insert(0, board)
        board = forum.board(board.parent_id) if board.parent_id is not None else None
    crumbs = [f'<span class="crumb" itemtype="http://data-vocabulary.org/Breadcrumb" itemscope="">'
              f'<a href="{link("index.php", sid)}" accesskey="h" data-navbar-reference="index" '
              'itemprop="url"><span itemprop="title">Indeks papan</span></a></span>']
    crumbs += [f'<span class="crumb" itemtype="http://data-vocabulary.org/Breadcrumb" itemscope="" '
               f'data-forum-id="{b.forum_id}"><a href="{link("viewforum.php", sid, f=b.forum_id)}" '
               f'itemprop="url"><span itemprop="title">{escape(b.name)}</span></a></span>'
               for b in chain]
    return "\n".join(crumbs)


def page(forum: Forum, title: str, body: str, sid: str, board: Board | None = None,
         section: str = "index", canonical: str | None = None) -> str:
    """The prosilver page frame: header, navigation, breadcrumbs, footer."""
    canonical_link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="id">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{escape(title)} - {escape(forum.title)}</title>
{canonical_link}
<link href="./styles/prosilver/theme/stylesheet.css?assets_version=3" rel="stylesheet">
</head>
<body id="phpbb" class="nojs notouch section-{section} ltr ">
<div id="wrap" class="wrap">
<a id="top" class="top-anchor" accesskey="t"></a>
<div id="page-header">
<div class="headerbar" role="banner"><div class="inner">
<div id="site-description" class="site-description">
<a id="logo" class="logo" href="{link("index.php", sid)}" title="Indeks papan">
<span class="site_logo"></span></a>
<h1>{escape(forum.title)}</h1><p>Diskusi publik warga Kalimantan Tengah</p>
</div></div></div>
<div class="navbar" role="navigation"><div class="inner">
<ul id="nav-main" class="nav-main linklist" role="menubar">
<li>
<a href="./app.php/help/faq?sid={sid}" rel="help" title="Pertanyaan yang Sering Diajukan"
 role="menuitem"><span>FAQ</span></a></li>
<li class="rightside" data-skip-responsive="true">
<a href="{link("ucp.php", sid, mode="login")}" title="Masuk" accesskey="x" role="menuitem">
<span>Masuk</span></a></li>
</ul>
<ul id="nav-breadcrumbs" class="nav-breadcrumbs linklist navlinks" role="menubar">
<li class="breadcrumbs" itemscope itemtype="http://schema.org/BreadcrumbList">
{_crumbs(forum, board, sid)}
</li>
</ul>
</div></div>
</div>
<a id="start_here" class="anchor"></a>
<div id="page-body" class="page-body" role="main">
{body}
</div>
<div id="page-footer" class="page-footer" role="contentinfo">
<div class="navbar" role="navigation"><div class="inner">
<ul id="nav-footer" class="nav-footer linklist" role="menubar">
<li class="rightside">Semua waktu adalah <span title="Asia/Jakarta">UTC+07:00</span></li>
</ul></div></div>
<div class="copyright">Powered by <a href="https://www.phpbb.com/">phpBB
</a>&reg; Forum Software &copy; phpBB Limited</div>
</div>
</div>
</body>
</html>
"""


def _forum_rows(forum: Forum, boards: list[Board], sid: str, now: datetime) -> str:
    rows = []
    for board in boards:
        topics = forum.topics(board.forum_id)
        posts = sum(len(t.posts) for t in topics)
        subs = forum.children(board.forum_id)
        sub_html = ""
        if subs:
            sub_links = ", ".join(
                f'<a href="{link("viewforum.php", sid, f=s.forum_id)}" class="subforum read" '
                f'title="Tidak ada tulisan belum dibaca">{escape(s.name)}</a>' for s in subs)
            sub_html = f"<br /><strong>Subforum:</strong> {sub_links}"
        last = ""
        if topics:
            post = topics[0].posts[-1]
            target = link("viewtopic.php", sid, p=post.post_id) + f"#p{post.post_id}"
            last = (f'<span><dfn>Tulisan terakhir</dfn> oleh '
                    f"{username(post.author_name, post.author_id, sid)} "
                    f'<a href="{target}" title="Lihat tulisan terakhir"><i class="icon '
                    'fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true">'
                    f"</i></a><br />{format_date(post.published_at, now)}</span>")
        rows.append(f"""<li class="row">
<dl class="row-item forum_read">
<dt title="Tidak ada tulisan belum dibaca"><div class="list-inner">
<a href="{link("viewforum.php", sid, f=board.forum_id)}" class="forumtitle">{escape(board.name)}</a>
<br />{escape(board.description)}{sub_html}
</div></dt>
<dd class="topics">{len(topics)} <dfn>Topik</dfn></dd>
<dd class="posts">{posts} <dfn>Tulisan</dfn></dd>
<dd class="lastpost">{last}</dd>
</dl></li>""")
    return "\n".join(rows)


def _forum_block(forum: Forum, header: Board, boards: list[Board], sid: str, now: datetime) -> str:
    return f"""<div class="forabg"><div class="inner">
<ul class="topiclist"><li class="header"><dl class="row-item">
<dt><div class="list-inner">
<a href="{link("viewforum.php", sid, f=header.forum_id)}">{escape(header.name)}</a></div></dt>
<dd class="topics">Topik</dd><dd class="posts">Tulisan</dd><dd class="lastpost">
<span>Tulisan terakhir</span></dd>
</dl></li></ul>
<ul class="topiclist forums">
{_forum_rows(forum, boards, sid, now)}
</ul></div></div>"""


def render_index(forum: Forum, sid: str, now: datetime) -> str:
    """``index.php``: categories and their boards (subforums listed under their parent)."""
    blocks = [_forum_block(forum, cat, forum.children(cat.forum_id), sid, now)
              for cat in forum.children(None)]
    return page(forum, "Indeks", "\n".join(blocks), sid)


def _topic_row(thread: Thread, sid: str, now: datetime, index: int) -> str:
    first, last = thread.posts[0], thread.posts[-1]
    pages = ""
    if len(thread.posts) > POSTS_PER_PAGE:
        items = "".join(
            '<li><a class="button" '
            f'href="{link("viewtopic.php", sid, t=thread.thread_id, start=s)}">'
            f"{s // POSTS_PER_PAGE + 1}</a></li>"
            for s in range(0, len(thread.posts), POSTS_PER_PAGE))
        pages = ('<div class="pagination"><span><i class="icon fa-clone fa-fw" '
                 f'aria-hidden="true"></i></span><ul>{items}</ul></div>')
    target = link("viewtopic.php", sid, p=last.post_id) + f"#p{last.post_id}"
    return f"""<li class="row bg{index % 2 + 1}">
<dl class="row-item topic_read">
<dt title="Tidak ada tulisan belum dibaca"><div class="list-inner">
<a href="{link("viewtopic.php", sid, t=thread.thread_id)}" class="topictitle">{escape(thread.title)}
</a>
<br />
<div class="responsive-hide left-box">oleh {username(first.author_name, first.author_id, sid)}
 &raquo; {format_date(first.published_at, now)}</div>
{pages}
</div></dt>
<dd class="posts">{len(thread.posts) - 1} <dfn>Balasan</dfn></dd>
<dd class="views">{thread.thread_id * 13 % 997} <dfn>Dilihat</dfn></dd>
<dd class="lastpost"><span><dfn>Tulisan terakhir </dfn>
oleh {username(last.author_name, last.author_id, sid)}
<a href="{target}" title="Lihat tulisan terakhir">
<i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i></a>
<br />{format_date(last.published_at, now)}</span></dd>
</dl></li>"""


def render_viewforum(forum: Forum, board: Board, start: int, sid: str, now: datetime) -> str:
    """``viewforum.php?f=N&start=K``: subforums, then 25 topics a page, latest activity first."""
    parts = [f'<h2 class="forum-title"><a href="{link("viewforum.php", sid, f=board.forum_id)}">'
             f"{escape(board.name)}</a></h2>"]
    children = forum.children(board.forum_id)
    if children:
        parts.append(_forum_block(forum, board, children, sid, now))
    if not board.is_category:
        topics = forum.topics(board.forum_id)
        bar = pagination("viewforum.php", sid, len(topics), TOPICS_PER_PAGE, start, "topik",
                         f=board.forum_id)
        rows = "\n".join(_topic_row(t, sid, now, i)
                         for i, t in enumerate(topics[start:start + TOPICS_PER_PAGE]))
        parts.append(f"""<div class="action-bar bar-top">{bar}</div>
<div class="forumbg"><div class="inner">
<ul class="topiclist"><li class="header"><dl class="row-item"><dt><div class="list-inner">Topik
</div></dt>
<dd class="posts">Balasan</dd><dd class="views">Dilihat</dd><dd class="lastpost">
<span>Tulisan terakhir</span></dd></dl></li></ul>
<ul class="topiclist topics">
{rows}
</ul></div></div>
<div class="action-bar bar-bottom">{bar}</div>""")
    return page(forum, board.name, "\n".join(parts), sid, board, "viewforum")


def render_viewtopic(forum: Forum, thread: Thread, start: int, sid: str, now: datetime,
                     base_url: str) -> str:
    """``viewtopic.php?t=N&start=K``: 10 posts a page with both pagination bars."""
    board = forum.board(thread.forum_id)
    total = len(thread.posts)
    bar = pagination("viewtopic.php", sid, total, POSTS_PER_PAGE, start, "tulisan",
                     t=thread.thread_id)
    posts = "".join(post_html(p, start + i == 0, sid, now)
                    for i, p in enumerate(thread.posts[start:start + POSTS_PER_PAGE]))
    back = ""
    if board is not None:
        back_url = link("viewforum.php", sid, f=board.forum_id)
        back = (f'<p class="jumpbox-return"><a href="{back_url}" class="left-box arrow-left" '
                f'accesskey="r">Kembali ke “{escape(board.name)}”</a></p>')
    topic_url = link("viewtopic.php", sid, t=thread.thread_id)
    reply_url = link("posting.php", sid, mode="reply", t=thread.thread_id)
    body = f"""<h2 class="topic-title"><a href="{topic_url}">{escape(thread.title)}</a></h2>
<div class="action-bar bar-top">
<a href="{reply_url}" class="button" title="Kirim balasan"><span>Balas</span></a>
{bar}
</div>
{posts}
<div class="action-bar bar-bottom">{bar}</div>
{back}"""
    canonical = f"{base_url}viewtopic.php?t={thread.thread_id}"
    if start:
        canonical += f"&amp;start={start}"
    return page(forum, thread.title, body, sid, board, "viewtopic", canonical)
