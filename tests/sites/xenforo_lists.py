"""XenForo 2.2 node lists and thread lists: ``forum_list``, ``category_view``, ``forum_view``."""

from __future__ import annotations

from html import escape

from crawler.demosite.model import Board, Thread
from tests.sites.xenforo_frame import View, frame
from tests.sites.xenforo_markup import avatar, page_nav, route, slug, time_html, username

THREADS_PER_PAGE = 20  # XenForo's default "Threads per page"
POSTS_PER_PAGE = 20  # XenForo's default "Messages per page"
LAST_PAGE_LINKS = 3  # XenForo's default "Last page links" on thread list items


def _node(view: View, board: Board, depth: int) -> str:
    """``node_list_forum``: title, counts, sub-forums (flat list) and the latest post."""
    forum = view.forum
    threads = forum.topics(board.forum_id)
    subs = "".join(f'<li><a href="{view.board_link(s)}" class="subNodeLink subNodeLink--forum '
                   f'">{escape(s.name)}</a></li>' for s in forum.children(board.forum_id))
    if subs:
        subs = ('<div class="node-subNodesFlat"><span class="node-subNodesLabel">Sub-forum:'
                f'</span><ol class="node-subNodeFlatList">{subs}</ol></div>')
    extra = '<span class="node-extra-placeholder">Tidak ada</span>'
    if threads:
        last = threads[0].posts[-1]
        name, uid = view.author(last)
        extra = (f'<div class="node-extra-icon">{avatar(name, uid, view.routes, "xs")}</div>'
                 f'<div class="node-extra-row"><a href="{view.routes}threads/'
                 f'{slug(threads[0].title)}.{threads[0].thread_id}/post-{last.post_id}" '
                 f'class="node-extra-title" title="{escape(threads[0].title)}">'
                 f"{escape(threads[0].title)}</a></div><div class=\"node-extra-row\">"
                 '<ul class="listInline listInline--bullet"><li>'
                 f'{time_html(last.published_at, view.now, "node-extra-date u-dt")}</li>'
                 f'<li class="node-extra-user">{username(name, uid, view.routes)}</li></ul></div>')
    messages = sum(len(t.posts) for t in threads)
    stats = (f"<dl class=\"pairs pairs--inline\"><dt>Thread</dt><dd>{len(threads)}</dd></dl>"
             f"<dl class=\"pairs pairs--inline\"><dt>Pesan</dt><dd>{messages}</dd></dl>")
    return f"""<div class="node node--id{board.forum_id} node--depth{depth} node--forum node--read">
  <div class="node-body">
    <span class="node-icon" aria-hidden="true"><i class="fa--xf far fa-comments"
      aria-hidden="true"></i></span>
    <div class="node-main js-nodeMain">
      <h3 class="node-title"><a href="{view.board_link(board)}" data-xf-init="element-tooltip"
        data-shortcut="node-description">{escape(board.name)}</a></h3>
      <div class="node-description node-description--tooltip js-nodeDescTooltip"
        >{escape(board.description)}</div>
      <div class="node-meta"><div class="node-statsMeta">{stats}</div></div>
      {subs}
    </div>
    <div class="node-stats">{stats.replace("pairs--inline", "pairs--rows")}</div>
    <div class="node-extra">{extra}</div>
  </div>
</div>"""


def _category_block(view: View, category: Board) -> str:
    """``node_list_category`` on the index: a block whose header links to its anchor."""
    nodes = "".join(_node(view, b, 2) for b in view.forum.children(category.forum_id))
    anchor = f"{slug(category.name)}.{category.forum_id}"
    return f"""<div class="block block--category block--category{category.forum_id}">
  <span class="u-anchorTarget" id="{anchor}"></span>
  <div class="block-container">
    <h2 class="block-header"><a href="{view.home}#{anchor}">{escape(category.name)}</a><span
      class="block-desc">{escape(category.description)}</span></h2>
    <div class="block-body">{nodes}</div>
  </div>
</div>"""


def render_index(view: View) -> str:
    """The forum home (``forum_list``): one block per top-level category."""
    forum = view.forum
    blocks = "".join(_category_block(view, c) for c in forum.children(None) if c.is_category)
    members = sum(1 for _ in forum.users)
    sidebar = (f'<div class="p-body-sidebar"><div class="block" data-widget-key='
               '"forum_overview_forum_statistics" data-widget-definition="forum_statistics">'
               '<div class="block-container"><h3 class="block-minorHeader">Statistik forum</h3>'
               '<div class="block-body block-row"><dl class="pairs pairs--justified"><dt>Anggota'
               f"</dt><dd>{members}</dd></dl></div></div></div></div>")
    return frame(view, template="forum_list", title="Forum", heading=escape(forum.title),
                 body=blocks + sidebar, crumbs=[], canonical=view.origin + view.home)


def render_category(view: View, category: Board) -> str:
    """``category_view``: the category's forums as a node list."""
    nodes = "".join(_node(view, b, 2) for b in view.forum.children(category.forum_id))
    body = (f'<div class="block"><div class="block-container"><div class="block-body">{nodes}'
            "</div></div></div>")
    return frame(view, template="category_view", title=category.name,
                 heading=escape(category.name), body=body,
                 crumbs=view.trail(category)[:-1], canonical=view.origin
                 + view.board_link(category), container_key=f"node-{category.forum_id}")


def _row(view: View, thread: Thread, sticky: bool) -> str:
    """``thread_list_macros::item``: one ``structItem--thread``."""
    first, last = thread.posts[0], thread.posts[-1]
    views = thread.thread_id * 37 % 1000 + len(thread.posts)
    first_name, first_uid = view.author(first)
    last_name, last_uid = view.author(last)
    link = view.routes + route("threads", thread.title, thread.thread_id)
    pages = -(-len(thread.posts) // POSTS_PER_PAGE)
    jump = ""
    if len(thread.posts) - 1 >= POSTS_PER_PAGE:
        jump = "".join(f'<a href="{link}page-{n}">{n}</a>'
                       for n in range(max(2, pages - LAST_PAGE_LINKS + 1), pages + 1))
        jump = f'<span class="structItem-pageJump">{jump}</span>'
    status = ('<ul class="structItem-statuses"><li><i class="structItem-status '
              'structItem-status--sticky" aria-hidden="true" title="Sticky"></i>'
              '<span class="u-srOnly">Sticky</span></li></ul>') if sticky else ""
    item = f"js-threadListItem-{thread.thread_id}"
    return f"""<div
      class="structItem structItem--thread js-inlineModContainer {item}"
      data-author="{escape(first_name)}">
  <div class="structItem-cell structItem-cell--icon"><div
    class="structItem-iconContainer">{avatar(first_name, first_uid, view.routes, "s")}</div></div>
  <div class="structItem-cell structItem-cell--main" data-xf-init="touch-proxy">
    {status}
    <div class="structItem-title">
      <a href="{link}" class="" data-tp-primary="on" data-xf-init="preview-tooltip"
        data-preview-url="{link}preview">{escape(thread.title)}</a>
    </div>
    <div class="structItem-minor">
      <ul class="structItem-parts">
        <li>{username(first_name, first_uid, view.routes)}</li>
        <li class="structItem-startDate"><a href="{link}"
          rel="nofollow">{time_html(first.published_at, view.now)}</a></li>
      </ul>
      {jump}
    </div>
  </div>
  <div class="structItem-cell structItem-cell--meta" title="Skor reaksi pesan pertama: 0">
    <dl class="pairs pairs--justified"><dt>Balasan</dt><dd>{len(thread.posts) - 1}</dd></dl>
    <dl class="pairs pairs--justified structItem-minor"><dt>Dilihat</dt><dd>{views}</dd></dl>
  </div>
  <div class="structItem-cell structItem-cell--latest">
    <a href="{link}latest"
      rel="nofollow">{time_html(last.published_at, view.now, "structItem-latestDate u-dt")}</a>
    <div class="structItem-minor">{username(last_name, last_uid, view.routes)}</div>
  </div>
  <div class="structItem-cell structItem-cell--icon structItem-cell--iconEnd"><div
    class="structItem-iconContainer">{avatar(last_name, last_uid, view.routes, "xxs")}</div></div>
</div>"""


def forum_pages(view: View, board: Board) -> int:
    """How many pages the forum's thread list has (stickies are on the first page only)."""
    normal = [t for t in view.forum.topics(board.forum_id) if t.thread_id not in view.sticky]
    return max(1, -(-len(normal) // THREADS_PER_PAGE))


def render_forum(view: View, board: Board, page: int) -> str:
    """``forum_view``: sub-forums, then stickies (page 1) and 20 threads a page."""
    forum = view.forum
    topics = forum.topics(board.forum_id)
    sticky = [t for t in topics if t.thread_id in view.sticky]
    normal = [t for t in topics if t.thread_id not in view.sticky]
    pages = forum_pages(view, board)
    shown = normal[(page - 1) * THREADS_PER_PAGE:page * THREADS_PER_PAGE]
    nav = page_nav(view.board_link(board), page, pages)
    children = "".join(_node(view, b, 2) for b in forum.children(board.forum_id))
    parts = []
    if children:
        parts.append('<div class="block"><div class="block-container"><div class="block-body">'
                     f"{children}</div></div></div>")
    group = ""
    if page == 1 and sticky:
        group = ('<div class="structItemContainer-group structItemContainer-group--sticky">'
                 + "".join(_row(view, t, True) for t in sticky) + "</div>")
    rows = "".join(_row(view, t, False) for t in shown)
    parts.append(f"""<div class="block " data-xf-init="" data-type="thread"
      data-href="{view.routes}inline-mod/">
  <div class="block-outer">{nav}</div>
  <div class="block-container">
    <div class="block-body"><div class="structItemContainer">{group}
      <div class="structItemContainer-group js-threadList">{rows}</div>
    </div></div>
  </div>
  <div class="block-outer block-outer--after">{nav}</div>
</div>""")
    head = head_links(view, view.board_link(board), page, pages)
    return frame(view, template="forum_view", title=board.name, heading=escape(board.name),
                 body="\n".join(parts), crumbs=view.trail(board)[:-1],
                 canonical=view.origin + view.board_link(board, page),
                 description=f'<div class="p-description">{escape(board.description)}</div>',
                 container_key=f"node-{board.forum_id}", head_links=head)


def head_links(view: View, path: str, page: int, pages: int) -> str:
    """``<link rel="prev|next">`` of a paged list."""
    out = []
    if page > 1:
        out.append(f'<link rel="prev" href="{path}{f"page-{page - 1}" if page > 2 else ""}" />')
    if page < pages:
        out.append(f'<link rel="next" href="{path}page-{page + 1}" />')
    return "\n\t".join(out)

