"""XenForo 2.2 ``thread_view``: ``article.message--post`` with attribution, body, attachments,
last-edit notices and signatures; 20 posts a page."""

from __future__ import annotations

from html import escape

from crawler.demosite.model import Post, Thread
from tests.sites.xenforo_frame import ATTACHMENT_EVERY, View, frame
from tests.sites.xenforo_lists import POSTS_PER_PAGE, head_links
from tests.sites.xenforo_markup import (
    avatar,
    body_html,
    full,
    page_nav,
    route,
    time_html,
    username,
)


def _user_cell(view: View, post: Post) -> str:
    name, uid = view.author(post)
    extras = title = ""
    if uid is None:
        title = "Tamu"
    else:
        title = "Administrator" if uid == 2 else "Anggota"
        extras = ('<div class="message-userExtras"><dl class="pairs pairs--justified">'
                  f"<dt>Bergabung</dt><dd>{uid % 28 + 1} Jan 2023</dd></dl>"
                  '<dl class="pairs pairs--justified"><dt>Pesan</dt>'
                  f"<dd>{uid * 7}</dd></dl></div>")
    return f"""<div class="message-cell message-cell--user">
  <section class="message-user" itemprop="author" itemscope itemtype="https://schema.org/Person">
    <div class="message-avatar "><div
      class="message-avatar-wrapper">{avatar(name, uid, view.routes, "m")}</div></div>
    <div class="message-userDetails">
      <h4 class="message-name">{username(name, uid, view.routes, itemprop=True)}</h4>
      <h5 class="userTitle message-userTitle" dir="auto" itemprop="jobTitle">{title}</h5>
    </div>
    {extras}
    <span class="message-userArrow"></span>
  </section>
</div>"""


def _attachments(view: View, post: Post) -> str:
    if post.post_id % ATTACHMENT_EVERY:
        return ""
    attachment_id = post.post_id * 3
    name = f"foto-{post.post_id}.jpg"
    href = f"{view.routes}attachments/foto-{post.post_id}-jpg.{attachment_id}/"
    thumb = f"{view.prefix}data/attachments/0/{attachment_id}-5f1e0c.jpg"
    return f"""<section class="message-attachments">
  <h4 class="block-textHeader">Lampiran</h4>
  <ul class="attachmentList">
    <li class="file file--linked">
      <a class="u-anchorTarget" id="attachment-{attachment_id}"></a>
      <a class="file-preview js-lbImage" href="{href}" target="_blank"><img src="{thumb}"
        alt="{name}"
        width="100" height="75" loading="lazy" /></a>
      <div class="file-content"><div class="file-info">
        <span class="file-name" title="{name}">{name}</span>
        <div class="file-meta">48,2 KB &middot; Dilihat: {post.post_id % 90}</div>
      </div></div>
    </li>
  </ul>
</section>"""


def post_html(view: View, thread: Thread, post: Post, position: int) -> str:
    """``post_macros::post`` for one post at ``position`` (1-based) of its thread."""
    pid = post.post_id
    name, uid = view.author(post)
    link = view.routes + route("threads", thread.title, thread.thread_id) + f"post-{pid}"
    edit = ""
    if post.edited_at is not None:
        edit = ('<div class="message-lastEdit">Terakhir diubah: '
                f'{time_html(post.edited_at, view.now, itemprop="dateModified")}</div>')
    signature = ""
    if uid is not None and uid % 4 == 0:
        signature = ('<aside class="message-signature"><div class="bbWrapper">'
                     "Salam damai dari Bumi Tambun Bungai</div></aside>")
    caption = f"{escape(name)} &middot; {full(post.published_at, view.now)}"
    published = time_html(post.published_at, view.now, itemprop="datePublished")
    return f"""<article class="message message--post js-post js-inlineModContainer  "
    data-author="{escape(name)}"
    data-content="post-{pid}"
    id="js-post-{pid}"
    itemscope itemtype="https://schema.org/Comment" itemid="{view.origin}{view.routes}posts/{pid}/">
  <meta itemprop="parentItem" itemscope
    itemid="{view.origin}{view.routes}{route("threads", thread.title, thread.thread_id)}" />
  <span class="u-anchorTarget" id="post-{pid}"></span>
  <div class="message-inner">
    {_user_cell(view, post)}
    <div class="message-cell message-cell--main">
    <div class="message-main js-quickEditTarget">
      <header class="message-attribution message-attribution--split">
        <ul class="message-attribution-main listInline ">
          <li class="u-concealed"><a href="{link}" rel="nofollow"
            itemprop="url">{published}</a></li>
        </ul>
        <ul class="message-attribution-opposite message-attribution-opposite--list ">
          <li><a href="{link}" class="message-attribution-gadget" data-xf-init="share-tooltip"
            data-href="{view.routes}posts/{pid}/share" aria-label="Bagikan" rel="nofollow"><i
              class="fa--xf far fa-share-alt" aria-hidden="true"></i></a></li>
          <li><a href="{link}" rel="nofollow">#{position}</a></li>
        </ul>
      </header>
      <div class="message-content js-messageContent">
        <div class="message-userContent lbContainer js-lbContainer " data-lb-id="post-{pid}"
          data-lb-caption-desc="{caption}">
          <article class="message-body js-selectToQuote">
            <div itemprop="text"><div
              class="bbWrapper">{body_html(post.segments, view.routes)}</div></div>
            <div class="js-selectToQuoteEnd">&nbsp;</div>
          </article>
          {_attachments(view, post)}
        </div>
        {edit}
        {signature}
      </div>
      <footer class="message-footer">
        <div class="reactionsBar js-reactionsList "></div>
        <div class="js-historyTarget message-historyTarget toggleTarget"
          data-href="trigger-href"></div>
      </footer>
    </div>
    </div>
  </div>
</article>"""


def thread_pages(thread: Thread) -> int:
    """How many pages of 20 posts the thread has."""
    return max(1, -(-len(thread.posts) // POSTS_PER_PAGE))


def render_thread(view: View, thread: Thread, page: int) -> str:
    """``thread_view``: page navigation above and below 20 posts, a guest reply notice."""
    forum = view.forum
    board = forum.board(thread.forum_id)
    pages = thread_pages(thread)
    path = view.routes + route("threads", thread.title, thread.thread_id)
    start = (page - 1) * POSTS_PER_PAGE
    posts = "\n".join(post_html(view, thread, p, start + i + 1)
                      for i, p in enumerate(thread.posts[start:start + POSTS_PER_PAGE]))
    nav = page_nav(path, page, pages)
    starter, starter_id = view.author(thread.posts[0])
    description = f"""<div class="p-description"><ul class="listInline listInline--bullet">
  <li><i class="fa--xf far fa-user" aria-hidden="true" title="Pembuat thread"></i><span
    class="u-srOnly">Pembuat thread</span>
  {username(starter, starter_id, view.routes, "u-concealed")}</li>
  <li><i class="fa--xf far fa-clock" aria-hidden="true" title="Tanggal mulai"></i><span
    class="u-srOnly">Tanggal mulai</span>
  <a href="{path}" class="u-concealed">{time_html(thread.posts[0].published_at, view.now)}</a></li>
</ul></div>"""
    body = f"""<div class="block block--messages" data-xf-init="" data-type="post"
      data-href="{view.routes}inline-mod/" data-search-target="*">
  <span class="u-anchorTarget" id="posts"></span>
  <div class="block-outer">{nav}</div>
  <div class="block-outer js-threadStatusField"></div>
  <div class="block-container lbContainer" data-xf-init="lightbox select-to-quote"
    data-message-selector=".js-post" data-lb-id="thread-{thread.thread_id}" data-lb-universal="0">
    <div class="block-body js-replyNewMessageContainer">
{posts}
    </div>
  </div>
  <div class="block-outer block-outer--after">{nav}
    <div class="block-outer-opposite"><a href="{view.routes}login/"
      class="button--link button--wrap button" data-xf-click="overlay"><span
        class="button-text">Anda harus masuk atau mendaftar untuk membalas di sini.</span></a></div>
  </div>
</div>"""
    return frame(view, template="thread_view", title=thread.title, heading=escape(thread.title),
                 body=body, crumbs=view.trail(board), description=description,
                 canonical=view.origin + path + (f"page-{page}" if page > 1 else ""),
                 container_key=f"node-{thread.forum_id}",
                 content_key=f"thread-{thread.thread_id}",
                 head_links=head_links(view, path, page, pages))


def render_member(view: View, name: str, user_id: int) -> str:
    """``member_view``: a minimal profile."""
    return frame(view, template="member_view", title=name, heading=escape(name),
                 body=f'<div class="block"><div class="block-container"><div class="block-body '
                      f'block-row">{avatar(name, user_id, view.routes, "l")}</div></div></div>',
                 crumbs=[("Anggota", f"{view.routes}members/")],
                 content_key=f"user-{user_id}")
