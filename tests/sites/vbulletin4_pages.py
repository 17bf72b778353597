"""vBulletin 4.2 pages of the demo forum: forumhome, forumdisplay and showthread."""

from __future__ import annotations

from datetime import datetime
from html import escape

from crawler.demosite.model import Board, Forum, Thread
from tests.sites.vbulletin4_markup import link, pagenav, postbit, username, vb_date
from tests.sites.vbulletin_data import slug

POSTS_PER_PAGE = 10  # vB4's default maxposts
THREADS_PER_PAGE = 20  # vB4's default maxthreads


def frame(forum: Forum, title: str, body: str, sid: str, script: str, relpath: str,
          crumbs: list[tuple[str, str]], last: str, base: str, head: str = "") -> str:
    """The vB4 page: headinclude (charset meta, generator, base href), header, navbar,
    breadcrumb (``li.navbit`` links, ``li.lastnavbit``) and footer."""
    navbits = "".join(f'<li class="navbit"><a href="{href}">{escape(name)}</a></li>'
                      for href, name in crumbs)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="id" id="vbulletin_html">
<head>
	<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1" />
<meta id="e_vb_meta_bburl" name="vb_meta_bburl" content="{base.rstrip('/')}" />
<base href="{base}" /><!--[if IE]></base><![endif]-->
<meta name="generator" content="vBulletin 4.2.5" />
<script type="text/javascript">
<!--
	var SESSIONURL = "s={sid}&";
	var SECURITYTOKEN = "guest";
	var SIMPLEVERSION = "425";
	var BBURL = "{base.rstrip('/')}";
	var LOGGEDIN = 0 > 0 ? true : false;
	var THIS_SCRIPT = "{script}";
	var RELPATH = "{relpath}";
// -->
</script>
<script type="text/javascript" src="clientscript/vbulletin-core.js?v=425"></script>
{head}
	<title>{escape(title)}</title>
</head>
<body>
<div class="above_body">
<div id="header" class="floatcontainer doc_header">
	<div><a name="top" href="{link("forum.php", sid)}" class="logo-image"><img src="images/misc/vbulletin4_logo.png" alt="{escape(forum.title)} - Powered by vBulletin" /></a></div>
	<div id="toplinks" class="toplinks"><ul class="nouser"><li><a href="register.php?s={sid}" rel="nofollow">Daftar</a></li></ul></div>
</div>
<div id="navbar" class="navbar"><ul id="navtabs" class="navtabs floatcontainer">
	<li class="selected" id="vbtab_forum"><a class="navtab" href="{link("forum.php", sid)}">Forum</a></li>
</ul></div>
</div>
<div class="body_wrapper">
<div id="breadcrumb" class="breadcrumb"><ul class="floatcontainer">
	<li class="navbithome"><a href="{link("index.php", sid)}" accesskey="1"><img src="images/misc/navbit-home.png" alt="Beranda" /></a></li>
	{navbits}
	<li class="navbit lastnavbit"><span>{escape(last)}</span></li>
</ul><hr /></div>
{body}
</div>
<div id="footer" class="floatcontainer footer"><p id="copyright">Powered by vBulletin&reg; Version 4.2.5 <br />Copyright &copy; 2024 vBulletin Solutions, Inc. All rights reserved.</p>
<p>Semua waktu adalah GMT +7. Sekarang jam {datetime.now(forum.timezone):%H:%M}.</p></div>
</body>
</html>"""  # noqa: E501


def _chain(forum: Forum, board: Board | None, sid: str) -> list[tuple[str, str]]:
    chain: list[tuple[str, str]] = []
    while board is not None:
        chain.insert(0, (link("forumdisplay.php", sid, (board.forum_id, board.name)), board.name))
        board = forum.board(board.parent_id) if board.parent_id is not None else None
    return [(link("forum.php", sid), "Forum"), *chain]


def forumbits(forum: Forum, parent: int | None, sid: str) -> str:
    """``ol#forums``: categories (``li.forumbit_nopost``) holding ``li.forumbit_post`` forums."""
    items = []
    for board in forum.children(parent):
        href = link("forumdisplay.php", sid, (board.forum_id, board.name))
        subs = "".join(f'<li class="subforum"><a href="{link("forumdisplay.php", sid, (s.forum_id, s.name))}">{escape(s.name)}</a></li>'  # noqa: E501
                       for s in forum.children(board.forum_id))
        if board.is_category:
            items.append(f"""<li class="forumbit_nopost old L1" id="cat{board.forum_id}">
	<div class="forumhead foruminfo L1 collapse"><h2><span class="forumtitle"><a href="{href}">{escape(board.name)}</a></span></h2></div>
	<ol id="c_cat{board.forum_id}" class="childforum">{forumbits(forum, board.forum_id, sid)}</ol>
</li>""")  # noqa: E501
            continue
        topics = forum.topics(board.forum_id)
        subforums = (f'<div class="subforums"><h4 class="subforumlistlabel">Sub-Forum:</h4>'
                     f'<ol class="subforumlist commalist">{subs}</ol></div>' if subs else "")
        items.append(f"""<li id="forum{board.forum_id}" class="forumbit_post old L2">
	<div class="forumrow table"><div class="foruminfo td"><div class="forumdata"><div class="datacontainer">
		<div class="titleline"><h2 class="forumtitle"><a href="{href}">{escape(board.name)}</a></h2></div>
		<p class="forumdescription">{escape(board.description)}</p>{subforums}
	</div></div></div>
	<ul class="forumstats td"><li>Topik: {len(topics)}</li><li>Tulisan: {sum(len(t.posts) for t in topics)}</li></ul></div>
</li>""")  # noqa: E501
    return "".join(items)


def render_forumhome(forum: Forum, sid: str, base: str) -> str:
    """``forum.php``: the forum list."""
    body = (f'<div id="pagetitle"><h1>{escape(forum.title)}</h1></div>'
            f'<ol id="forums" class="floatcontainer">{forumbits(forum, None, sid)}</ol>')
    return frame(forum, forum.title, body, sid, "index", "forum.php", [], "Forum", base)


def threadbit(thread: Thread, sid: str, now: datetime, sticky: bool) -> str:
    """One ``li.threadbit``: title, starter, "Balasan: N", last post link."""
    first, last = thread.posts[0], thread.posts[-1]
    item = (thread.thread_id, thread.title)
    return f"""<li class="threadbit hot{' sticky' if sticky else ''}" id="thread_{thread.thread_id}">
	<div class="rating0 {'sticky' if sticky else 'nonsticky'}">
		<div class="threadinfo" title=""><div class="inner">
			<h3 class="threadtitle">{'<span class="prefix understate">Tempel: </span>' if sticky else ''}<a class="title" href="{link("showthread.php", sid, item)}" id="thread_title_{thread.thread_id}">{escape(thread.title)}</a></h3>
			<div class="threadmeta"><div class="author"><span class="label">Dimulai oleh&nbsp;{username(first.author_name, first.author_id, sid) if first.author_id is None else f'<a href="{link("member.php", sid, (first.author_id, first.author_name))}" class="username understate">{escape(first.author_name)}</a>'},&nbsp;{vb_date(first.published_at, now)}</span></div></div>
		</div></div>
		<ul class="threadstats td alt" title="">
			<li>Balasan: <a href="misc.php?do=whoposted&amp;t={thread.thread_id}" class="understate">{len(thread.posts) - 1:,}</a></li>
			<li>Dilihat: {thread.thread_id * 37 % 9973:,}</li>
		</ul>
		<dl class="threadlastpost td">
			<dt class="lastpostby hidden">Tulisan Terakhir Oleh</dt>
			<dd>{username(last.author_name, last.author_id, sid)}</dd>
			<dd>{vb_date(last.published_at, now)}<a href="{link("showthread.php", sid, item, p=last.post_id)}#post{last.post_id}" class="lastpostdate understate" title="Ke tulisan terakhir"><img src="images/buttons/lastpost-right.png" alt="Ke tulisan terakhir" /></a></dd>
		</dl>
	</div>
</li>"""  # noqa: E501


def render_forumdisplay(forum: Forum, board: Board, page: int, sid: str, now: datetime,
                        base: str, stickies: set[int]) -> str:
    """``forumdisplay.php``: subforums, stickies (first page) and 20 threads a page."""
    item = (board.forum_id, board.name)
    body = [f'<div id="pagetitle"><h1>Forum: <span class="forumtitle">{escape(board.name)}'
            "</span></h1></div>"]
    if forum.children(board.forum_id):
        body.append(f'<ol id="forums" class="floatcontainer">'
                    f"{forumbits(forum, board.forum_id, sid)}</ol>")
    if not board.is_category:
        topics = forum.topics(board.forum_id)
        sticky = [t for t in topics if t.thread_id in stickies]
        normal = [t for t in topics if t.thread_id not in stickies]
        pages = max(1, -(-len(normal) // THREADS_PER_PAGE))
        nav = pagenav("forumdisplay.php", sid, item, page, pages)
        rows = "".join(threadbit(t, sid, now, False) for t in
                       normal[(page - 1) * THREADS_PER_PAGE:page * THREADS_PER_PAGE])
        top = "".join(threadbit(t, sid, now, True) for t in sticky) if page == 1 else ""
        body.append(f"""<div id="above_threadlist" class="above_threadlist">{nav}</div>
<div id="threadlist" class="threadlist"><form id="thread_inlinemod_form" action="inlinemod.php?forumid={board.forum_id}" method="post"><div>
<ol id="stickies" class="stickies">{top}</ol>
<ol id="threads" class="threads">{rows}</ol>
</div></form></div>
<div id="below_threadlist" class="noinlinemod below_threadlist">{nav}</div>""")  # noqa: E501
    crumbs = _chain(forum, forum.board(board.parent_id) if board.parent_id else None, sid)
    return frame(forum, board.name, "\n".join(body), sid, "forumdisplay",
                 f"forumdisplay.php?{board.forum_id}-{slug(board.name)}", crumbs, board.name, base)


def render_showthread(forum: Forum, thread: Thread, page: int, sid: str, now: datetime,
                      base: str) -> str:
    """``showthread.php``: 10 posts a page, numbered, with both page navigations."""
    board = forum.board(thread.forum_id)
    item = (thread.thread_id, thread.title)
    pages = max(1, -(-len(thread.posts) // POSTS_PER_PAGE))
    start = (page - 1) * POSTS_PER_PAGE
    posts = "".join(postbit(p, start + i + 1, thread, sid, now)
                    for i, p in enumerate(thread.posts[start:start + POSTS_PER_PAGE]))
    nav = pagenav("showthread.php", sid, item, page, pages)
    body = f"""<div id="above_postlist" class="above_postlist"><div id="pagination_top" class="pagination_top">{nav}</div></div>
<div id="pagetitle" class="pagetitle"><h1>Topik: <span class="threadtitle"><a href="{link("showthread.php", sid, item)}" title="Muat ulang halaman ini">{escape(thread.title)}</a></span></h1></div>
<div id="postlist" class="postlist restrain"><ol id="posts" class="posts" start="{start + 1}">{posts}</ol></div>
<div id="below_postlist" class="noinlinemod below_postlist"><div id="pagination_bottom" class="pagination_bottom">{nav}</div></div>"""  # noqa: E501
    canonical = f"showthread.php?{thread.thread_id}-{slug(thread.title)}" + (
        f"/page{page}" if page > 1 else "")
    head = f'<link rel="canonical" href="{escape(base + canonical)}" />'
    return frame(forum, thread.title, body, sid, "showthread", canonical,
                 _chain(forum, board, sid), thread.title, base, head)
