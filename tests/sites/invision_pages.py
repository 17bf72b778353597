"""Invision Community 4.6 pages of a demo Forum: forums index, forum (topic list), topic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from crawler.demosite.model import Board, Forum, Post, Thread
from tests.sites.invision_markup import (
    attachment_html,
    body_html,
    quote_data,
    seo,
    time_html,
    user_link,
    user_photo,
)

PER_PAGE = 25  # IPS default: 25 topics a forum page, 25 posts a topic page


@dataclass
class View:
    """What a page is rendered with: the forum, the site's base URL, the time, site state."""

    forum: Forum
    base: str
    now: datetime
    deleted: frozenset[int] = frozenset()  # deleted members: their posts show as a guest's
    pinned: frozenset[int] = frozenset()  # pinned topics, listed first
    signatures: set[int] = field(default_factory=set)  # members with a signature

    def member(self, user_id: int | None) -> int | None:
        """The member id a page shows for an author (None: guest or deleted member)."""
        return None if user_id is None or user_id in self.deleted else user_id

    def forum_url(self, board: Board, page: int = 1) -> str:
        """``/forums/forum/2-politik-pilkada-kalteng/`` (+ ``page/N/``)."""
        url = f"{self.base}forums/forum/{board.forum_id}-{seo(board.name)}/"
        return url + (f"page/{page}/" if page > 1 else "")

    def topic_url(self, thread: Thread, page: int = 1) -> str:
        """``/forums/topic/45-slug/`` (+ ``page/N/``)."""
        url = f"{self.base}forums/topic/{thread.thread_id}-{seo(thread.title)}/"
        return url + (f"page/{page}/" if page > 1 else "")

    def topics(self, board: Board) -> list[Thread]:
        """A forum's topics as listed: pinned first, then by latest post."""
        found = self.forum.topics(board.forum_id)
        return [t for t in found if t.thread_id in self.pinned] + [
            t for t in found if t.thread_id not in self.pinned]


def crumbs(view: View, board: Board | None, last: tuple[str, str] | None) -> str:
    """The breadcrumb list: Beranda > Forum > categories and forums > ``last``."""
    chain: list[Board] = []
    while board is not None:
        chain.insert(0, board)
        board = view.forum.board(board.parent_id) if board.parent_id is not None else None
    items = [(view.base, "Beranda"), (f"{view.base}forums/", "Forum")]
    items += [(view.forum_url(b), b.name) for b in chain] + ([last] if last else [])
    arrow = " <i class='fa fa-angle-right' aria-hidden=\"true\"></i>"
    lis = "".join(f"<li><a href='{url}'><span>{escape(name)}{arrow if i < len(items) - 1 else ''}"
                  "</span></a></li>" for i, (url, name) in enumerate(items))
    return f"<ul data-role=\"breadcrumbList\">{lis}</ul>"


def frame(view: View, title: str, html: str, controller: str, crumbs: str,
          canonical: str | None = None, page_id: int | None = None,
          prev_url: str | None = None, next_url: str | None = None) -> str:
    """``globalTemplate``: head links, the ipsApp body, navigation bar, breadcrumbs, footer."""
    links = "".join(f'<link rel="{rel}" href="{url}">' for rel, url in (
        ("canonical", canonical), ("prev", prev_url), ("next", next_url)) if url)
    page_attr = f" data-pageID='{page_id}'" if page_id is not None else ""
    nav = (f"<nav class='ipsBreadcrumb ipsBreadcrumb_{{}} ipsFaded_withHover'>"
           f"<ul class='ipsList_inline ipsPos_right'><li><a data-action=\"defaultStream\" "
           f"class='ipsType_light' href='{view.base}discover/'><span>Aktivitas</span></a></li>"
           f"</ul>{crumbs}</nav>")
    return f"""<!DOCTYPE html>
<html lang="id-ID" dir="ltr">
<head>
<meta charset="utf-8">
<title>{escape(title)} - {escape(view.forum.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{escape(title)}">
<meta property="og:site_name" content="{escape(view.forum.title)}">
<meta property="og:locale" content="id_ID">
{links}
<link rel='stylesheet' href='{view.base}uploads/css_built_1/framework.css.ab12.css?v=1c2d'
media='all'>
<script>var ipsDebug = false; var ipsJsVersion = '4.6.12';</script>
</head>
<body class='ipsApp ipsApp_front ipsJS_none ipsClearfix' data-controller='core.front.core.app'
data-message="" data-pageApp='forums' data-pageLocation='front' data-pageModule='forums'
data-pageController='{controller}'{page_attr}>
<a href='#ipsLayout_mainArea' class='ipsHide' title='Ke konten utama' accesskey='m'>Langsung ke
konten</a>
<div id='ipsLayout_header' class='ipsClearfix'>
<header><div class='ipsLayout_container'><a href='{view.base}' id='elLogo'
accesskey='1'>{escape(view.forum.title)}</a>
<ul id='elUserNav' class='ipsList_inline cSignedOut ipsResponsive_showDesktop'>
<li id='elSignInLink'><a href='{view.base}login/' data-ipsMenu-closeOnClick="false" data-ipsMenu
id='elUserSignIn'>Sudah punya akun? Masuk</a></li>
<li><a href='{view.base}register/' data-ipsDialog data-ipsDialog-size='narrow'
data-ipsDialog-title='Daftar' id='elRegisterButton' class='ipsButton ipsButton_normal
ipsButton_primary'>Daftar</a></li>
</ul></div></header>
<nav data-controller='core.front.core.navBar' class=' ipsResponsive_showDesktop'><div
class='ipsNavBar_primary ipsLayout_container'>
<ul data-role="primaryNavBar" class='ipsClearfix'>
<li id='elNavSecondary_1' data-role="navBarItem" data-navApp="core" data-navExt="CustomItem"><a
href="{view.base}" data-navItem-id="1">Jelajah</a></li>
<li class='ipsNavBar_active' data-active id='elNavSecondary_8' data-role="navBarItem"
data-navApp="forums" data-navExt="Forums"><a href="{view.base}forums/" data-navItem-id="8"
data-navDefault>Forum</a></li>
</ul></div></nav>
</div>
<main id='ipsLayout_body' class='ipsLayout_container'>
<div id='ipsLayout_contentArea'><div id='ipsLayout_contentWrapper'>
{nav.format('top')}
<div id='ipsLayout_mainArea'>
{html}
</div>
{nav.format('bottom')}
</div></div>
</main>
<footer id='ipsLayout_footer' class='ipsClearfix'><div class='ipsLayout_container'>
<ul class='ipsList_inline ipsType_center ipsSpacer_top' id="elFooterLinks"><li><a
href='{view.base}privacy/'>Kebijakan Privasi</a></li></ul>
<p id='elCopyright'><span id='elCopyright_userLine'>{escape(view.forum.title)}</span> <a
rel='nofollow' title='Invision Community' href='https://www.invisioncommunity.com/'>Powered by
Invision Community</a></p>
</div></footer>
<script src='{view.base}uploads/javascript_global/root_library.js.8e1f.js?v=1c2d' data-ips></script>
</body>
</html>
"""


def _signature(view: View, post: Post) -> str:
    if view.member(post.author_id) is None or post.author_id not in view.signatures:
        return ""
    return ("<div data-role=\"memberSignature\" class='ipsResponsive_hidePhone ipsBorder_top "
            "ipsPadding_vertical'><div class='ipsType_light ipsType_richText' data-ipsLazyLoad>"
            "<p>Salam damai dari Bumi Tambun Bungai</p></div></div>")


def post_html(view: View, thread: Thread, post: Post) -> str:
    """``postContainer`` + ``post``: author panes, meta line, content, edit line, signature."""
    pid, member = post.post_id, view.member(post.author_id)
    link = user_link(view.base, post.author_name, member)
    share = f"{view.topic_url(thread)}?do=findComment&amp;comment={pid}"
    posted = f"Diposting {time_html(post.published_at, view.now)}"
    group = "Anggota" if member is not None else "Tamu"
    stats = (f"<li data-role='stats' class='ipsMargin_top'><ul class=\"ipsList_reset ipsType_light"
             f" cAuthorPane_stats\"><li><i class=\"fa fa-comment\"></i> {member * 7}</li></ul></li>"
             if member is not None else "")
    edited = ""
    if post.edited_at is not None:
        edited = ("<span class='ipsType_reset ipsType_medium ipsType_light' data-excludequote>"
                  f"<strong>Diedit {time_html(post.edited_at, view.now, relative_text=False)} "
                  f"oleh {escape(post.author_name)}</strong></span>")
    attachment = attachment_html(pid, view.base) if pid % 41 == 0 else ""
    return f"""<a id='findComment-{pid}'></a>
<a id='comment-{pid}'></a>
<article id='elComment_{pid}' class='cPost ipsBox ipsResponsive_pull  ipsComment  ipsComment_parent
ipsClearfix ipsClear ipsColumns ipsColumns_noSpacing ipsColumns_collapsePhone    '>
<div class='cAuthorPane_mobile ipsResponsive_showPhone'>
<div class='cAuthorPane_photo'><div
class='cAuthorPane_photoWrap'>{user_photo(view.base, post.author_name, member)}</div></div>
<div class='cAuthorPane_content'>
<h3 class='ipsType_sectionHead cAuthorPane_author ipsType_break ipsType_blendLinks ipsFlex
ipsFlex-ai:center'>{link}</h3>
<div class='ipsType_light ipsType_reset'><a href='{share}' rel="nofollow"
class='ipsType_blendLinks'>{posted}</a></div>
</div></div>
<aside class='ipsComment_author cAuthorPane ipsColumn ipsColumn_medium ipsResponsive_hidePhone'>
<h3 class='ipsType_sectionHead cAuthorPane_author ipsType_blendLinks
ipsType_break'><strong>{link}</strong></h3>
<ul class='cAuthorPane_info ipsList_reset'>
<li data-role='photo' class='cAuthorPane_photo'><div
class='cAuthorPane_photoWrap'>{user_photo(view.base, post.author_name, member)}</div></li>
<li data-role='group'>{group}</li>
{stats}
</ul>
</aside>
<div class='ipsColumn ipsColumn_fluid ipsMargin:none'>
<div id='comment-{pid}_wrap' data-controller='core.front.core.comment' data-commentApp='forums'
data-commentType='forums' data-commentID="{pid}"
data-quoteData='{quote_data(post, thread, member)}' class='ipsComment_content ipsType_medium'>
<div class='ipsComment_meta ipsType_light ipsFlex ipsFlex-ai:center ipsFlex-jc:between
ipsFlex-fd:row-reverse'>
<div class='ipsType_light ipsType_reset ipsType_blendLinks ipsComment_toolWrap'>
<ul class='ipsList_reset ipsComment_tools'><li><a href='#elControls_{pid}_menu'
class='ipsComment_ellipsis' id='elControls_{pid}' title='Opsi lainnya...' data-ipsMenu
data-ipsMenu-appendTo='#comment-{pid}_wrap'><i class='fa fa-ellipsis-h'></i></a>
<ul id='elControls_{pid}_menu' class='ipsMenu ipsMenu_narrow ipsHide'><li class='ipsMenu_item'><a
href='{share}' rel="nofollow" title='Bagikan kiriman ini' id='elSharePost_{pid}'
data-role='shareComment'>Bagikan</a></li></ul></li></ul>
</div>
<div class='ipsType_reset ipsResponsive_hidePhone'>
<a href='{share}' rel="nofollow" class='ipsType_blendLinks'>{posted}</a>
<span class='ipsResponsive_hidePhone'>{'(diedit)' if post.edited_at else ''}</span>
</div>
</div>
<div class='cPost_contentWrap'>
<div data-role='commentContent' class='ipsType_normal ipsType_richText ipsPadding_bottom
ipsContained' data-controller='core.front.core.lightboxedImages'>
{body_html(post.segments, thread.thread_id, view.now, view.base)}
{attachment}
{edited}
</div>
<div class='ipsItemControls'><ul class='ipsComment_controls ipsClearfix ipsItemControls_left'
data-role="commentControls"><li class='ipsHide' data-role='commentLoading'><span class='ipsLoading
ipsLoading_tiny ipsLoading_noAnim'></span></li></ul></div>
{_signature(view, post)}
</div>
</div>
</div>
</article>"""
