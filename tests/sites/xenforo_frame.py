"""The XenForo 2.2 page frame (``PAGE_CONTAINER``) and what every page of the fixture shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from crawler.demosite.model import Board, Forum, Post
from tests.sites.xenforo_markup import crumbs_html, route

ATTACHMENT_EVERY = 23  # posts whose id is a multiple of this carry an image attachment


@dataclass
class View:
    """One request's view of the forum: where the site lives, the time, who is deleted."""

    forum: Forum
    prefix: str  # path prefix, e.g. "/" or "/komunitas/"
    origin: str  # scheme and host, e.g. "http://127.0.0.1:8000"
    now: datetime
    deleted_users: frozenset[int] = frozenset()
    sticky: frozenset[int] = field(default_factory=frozenset)
    friendly: bool = True  # "Use full friendly URLs"; off: index.php?threads/a.5/

    @property
    def routes(self) -> str:
        """What route paths are appended to: ``/`` or ``/index.php?``."""
        return self.prefix if self.friendly else f"{self.prefix}index.php?"

    @property
    def home(self) -> str:
        """The forum home's path."""
        return self.prefix if self.friendly else f"{self.prefix}index.php"

    def author(self, post: Post) -> tuple[str, int | None]:
        """(name shown, user id): deleted members are renamed "Deleted member N", no id."""
        if post.author_id is not None and post.author_id in self.deleted_users:
            return f"Deleted member {post.author_id}", None
        return post.author_name, post.author_id

    def board_link(self, board: Board, page: int = 1) -> str:
        """A forum's (or category's) URL path."""
        kind = "categories" if board.is_category else "forums"
        return self.routes + route(kind, board.name, board.forum_id, page)

    def trail(self, board: Board | None) -> list[tuple[str, str]]:
        """Breadcrumbs from the forum home down to ``board`` (included)."""
        chain: list[Board] = []
        while board is not None:
            chain.insert(0, board)
            board = self.forum.board(board.parent_id) if board.parent_id is not None else None
        return [("Forum", self.home)] + [(b.name, self.board_link(b)) for b in chain]


def frame(view: View, *, template: str, title: str, body: str, heading: str,
          crumbs: list[tuple[str, str]], canonical: str | None = None, description: str = "",
          container_key: str = "", content_key: str = "", head_links: str = "") -> str:
    """A whole page: ``html#XF`` with its data attributes, navigation, breadcrumbs, footer."""
    canonical_link = f'<link rel="canonical" href="{escape(canonical)}" />' if canonical else ""
    p, r = view.prefix, view.routes
    return f"""<!DOCTYPE html>
<html id="XF" lang="id-ID" dir="LTR"
  data-app="public"
  data-template="{template}"
  data-container-key="{container_key}"
  data-content-key="{content_key}"
  data-logged-in="false"
  data-cookie-prefix="xf_"
  data-csrf="1718000000,0f3c1d2b4a5968778695a4b3c2d1e0f9"
  class="has-no-js template-{template}"
  >
<head>
  <meta charset="utf-8" />
  <meta http-equiv="X-UA-Compatible" content="IE=Edge" />
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <title>{escape(title)} | {escape(view.forum.title)}</title>
  <link rel="manifest" href="{p}webmanifest.php">
  {canonical_link}
  {head_links}
  <meta property="og:site_name" content="{escape(view.forum.title)}" />
  <meta property="og:type" content="website" />
  <meta property="og:title" content="{escape(heading)}" />
  <link rel="stylesheet"
    href="{p}css.php?css=public%3Acore.less%2Cpublic%3Aapp.less&amp;s=1&amp;l=2&amp;k=4f2a" />
  <script src="{p}js/xf/preamble.min.js?_v=4a1c2b3d"></script>
</head>
<body data-template="{template}">
<div class="p-pageWrapper" id="top">
<header class="p-header" id="header"><div class="p-header-inner"><div class="p-header-content">
  <div class="p-header-logo p-header-logo--image"><a href="{view.home}"><img
    src="{p}styles/default/xenforo/xenforo-logo.png" alt="{escape(view.forum.title)}"
      width="100" height="36" /></a></div>
</div></div></header>
<div class="p-navSticky p-navSticky--primary" data-xf-init="sticky-header"><nav class="p-nav"><div
  class="p-nav-inner">
  <div class="p-nav-scroller hScroller" data-xf-init="h-scroller"
    data-auto-scroll=".p-navEl.is-selected"><div class="hScroller-scroll">
  <ul class="p-nav-list js-offCanvasNavSource">
    <li><div class="p-navEl is-selected" data-has-children="true"><a href="{view.home}"
      class="p-navEl-link p-navEl-link--splitMenu " data-nav-id="forums">Forum</a></div></li>
    <li><div class="p-navEl " data-has-children="true"><a href="{r}whats-new/"
      class="p-navEl-link p-navEl-link--splitMenu " data-nav-id="whatsNew"
        >Apa yang baru</a></div></li>
    <li><div class="p-navEl " data-has-children="true"><a href="{r}members/"
      class="p-navEl-link p-navEl-link--splitMenu " data-nav-id="members">Anggota</a></div></li>
  </ul></div></div>
  <div class="p-nav-opposite"><div class="p-navgroup p-account p-navgroup--guest">
    <a href="{r}login/" class="p-navgroup-link p-navgroup-link--textual p-navgroup-link--logIn"
      data-xf-click="overlay" data-follow-redirects="on"><span
        class="p-navgroup-linkText">Masuk</span></a>
    <a href="{r}register/"
      class="p-navgroup-link p-navgroup-link--textual p-navgroup-link--register"
      data-xf-click="overlay" data-follow-redirects="on"><span
        class="p-navgroup-linkText">Daftar</span></a>
  </div></div>
</div></nav></div>
<div class="p-body"><div class="p-body-inner">
  <!--XF:EXTRA_OUTPUT-->
  {crumbs_html(crumbs)}
  <noscript class="js-jsWarning"><div
    class="blockMessage blockMessage--important blockMessage--iconic u-noJsOnly">JavaScript
    dinonaktifkan. Untuk pengalaman yang lebih baik, aktifkan JavaScript di browser Anda
    sebelum melanjutkan.</div></noscript>
  <div class="p-body-header">
    <div class="p-title "><h1 class="p-title-value">{heading}</h1></div>
    {description}
  </div>
  <div class="p-body-main  "><div class="p-body-contentCol"></div>
    <div class="p-body-content"><div class="p-body-pageContent">
{body}
    </div></div>
  </div>
  {crumbs_html(crumbs, bottom=True)}
</div></div>
<footer class="p-footer" id="footer"><div class="p-footer-inner">
  <div class="p-footer-row"><div class="p-footer-row-opposite"><ul class="p-footer-linkList">
    <li><a href="{r}misc/contact" data-xf-click="overlay">Hubungi kami</a></li>
    <li><a href="{r}help/terms/">Syarat dan aturan</a></li>
    <li><a href="{r}help/privacy-policy/">Kebijakan privasi</a></li>
    <li><a href="{r}help/">Bantuan</a></li>
    <li><a href="{view.home}">Beranda</a></li>
    <li><a href="{r}forums/-/index.rss" target="_blank" class="p-footer-rssLink" title="RSS"><span
      aria-hidden="true"><i class="fa--xf far fa-rss" aria-hidden="true"></i><span
        class="u-srOnly">RSS</span></span></a></li>
  </ul></div></div>
  <div class="p-footer-copyright"><a href="https://xenforo.com" class="u-concealed" dir="ltr"
    target="_blank" rel="sponsored noopener">Community platform by XenForo<sup>&reg;</sup> <span
      class="copyright">&copy; 2010-2024 XenForo Ltd.</span></a></div>
</div></footer>
</div>
<script src="{p}js/vendor/jquery/jquery-3.5.1.min.js?_v=4a1c2b3d"></script>
<script src="{p}js/xf/core-compiled.js?_v=4a1c2b3d"></script>
</body>
</html>
"""
