"""Pages of the Twenty Twenty-Four block theme in Indonesian (comment dates as "2 jam yang
lalu": the comment-date block's human-diff format)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from tests.sites.wordpress_blog import Article, Blog, Category, Comment
from tests.sites.wordpress_markup import (
    SITE_TITLE,
    avatar,
    body_class_single,
    comment_classes,
    comment_link,
    content_html,
    date_text,
    head,
    post_classes,
    single_head_extra,
)

THEME = "twentytwentyfour"
_UNITS = ((365 * 24 * 60, "tahun"), (30 * 24 * 60, "bulan"), (7 * 24 * 60, "minggu"),
          (24 * 60, "hari"), (60, "jam"), (1, "menit"))


def human_diff(when: datetime, now: datetime) -> str:
    """human_time_diff() + "yang lalu" as the Indonesian language pack writes it."""
    minutes = max(1, int((now - when).total_seconds() // 60))
    for size, unit in _UNITS:
        if minutes >= size:
            return f"{round(minutes / size) or 1} {unit} yang lalu"
    return "1 menit yang lalu"


def frame(base: str, title: str, body_class: str, main: str, rest_on: bool,
          extra_head: str = "") -> str:
    """A block template: header part, ``main``, footer part."""
    return f"""<!DOCTYPE html>
<html lang="id-ID">
{head(base, title, rest_on, extra_head, THEME)}
<body class="{body_class}">
<div class="wp-site-blocks">
<header class="wp-block-template-part"><div class="wp-block-group alignwide is-layout-flex">
<p class="wp-block-site-title"><a href="{base}" target="_self" rel="home">{SITE_TITLE}</a></p>
</div></header>
<main class="wp-block-group is-layout-flow wp-block-group-is-layout-flow">
{main}
</main>
<footer class="wp-block-template-part"><p class="has-text-align-left">Dirancang dengan
<a href="https://wordpress.org" rel="nofollow">WordPress</a></p></footer>
</div>
</body>
</html>"""


def _terms(article: Article, base: str) -> str:
    links = '<span class="wp-block-post-terms__separator">, </span>'.join(
        f'<a href="{base}category/{c.path}" rel="tag">{escape(c.name)}</a>'
        for c in article.categories)
    return f'<div class="taxonomy-category wp-block-post-terms">{links}</div>'


def _list_item(article: Article, base: str, home: bool) -> str:
    link = f"{base}{article.path}"
    when = (f'<time datetime="{article.date.isoformat()}"><a href="{link}">'
            f"{date_text(article.date)}</a></time>")
    return f"""<li class="wp-block-post {post_classes(article, home)}">
<div class="wp-block-group is-layout-flow">
<h2 class="wp-block-post-title has-x-large-font-size">
<a href="{link}" target="_self">{escape(article.title)}</a></h2>
<div class="wp-block-group is-layout-flex">
<div class="wp-block-post-date has-small-font-size">{when}</div>
<p>di</p>{_terms(article, base)}</div>
</div></li>
"""


def list_page(blog: Blog, base: str, articles: list[Article], page: int, pages: int,
              archive: Category | None, rest_on: bool) -> str:
    """The home page or a category archive: a Query Loop with ``/page/N/`` pagination."""
    del blog
    items = "".join(_list_item(article, base, archive is None and page == 1)
                    for article in articles)
    root = f"{base}category/{archive.path}" if archive else base
    nav = []
    if page > 1:
        href = root if page == 2 else f"{root}page/{page - 1}/"
        nav.append(f'<a href="{href}" class="wp-block-query-pagination-previous">Tulisan Baru</a>')
    if page < pages:
        nav.append(f'<a href="{root}page/{page + 1}/" class="wp-block-query-pagination-next">'
                   "Tulisan Lama</a>")
    main = (f'<div class="wp-block-query alignwide is-layout-flow"><ul class="columns-3 '
            f'wp-block-post-template is-layout-grid">\n{items}</ul>\n<nav class="alignwide '
            f'wp-block-query-pagination is-layout-flex" aria-label="Paginasi">{"".join(nav)}'
            "</nav></div>")
    classes = (f"archive category category-{archive.slug} category-{archive.term_id}"
               if archive else "home blog")
    if page > 1:
        classes += f" paged paged-{page}"
    return frame(base, SITE_TITLE, f"{classes} wp-embed-responsive", main, rest_on)


def _comment(blog: Blog, base: str, article: Article, comment: Comment, index: int,
             newest_first: bool, now: datetime) -> str:
    link = comment_link(base, article, comment.page, comment.comment_id, newest_first)
    author = escape(comment.author.name)
    if comment.author.url:
        author = (f'<a rel="external nofollow ugc" href="{comment.author.url}" target="_self" >'
                  f"{author}</a>")
    children = "".join(_comment(blog, base, article, child, index + 1 + n, newest_first, now)
                       for n, child in enumerate(comment.children))
    classes = comment_classes(comment, article, index)
    when = (f'<time datetime="{comment.date.isoformat()}"><a href="{link}">'
            f"{human_diff(comment.date, now)}</a></time>")
    text = content_html(blog, article, comment.segments, base, comment=True)
    reply = (f"<a rel='nofollow' class='comment-reply-link' href='{base}{article.path}"
             f"?replytocom={comment.comment_id}#respond'>Balas</a>")
    return f"""<li id="comment-{comment.comment_id}" class="{classes}">
<div class="wp-block-group is-layout-flow"><div class="wp-block-group is-layout-flex">
<div class="wp-block-avatar">{avatar(comment.author, 40)}</div>
<div class="wp-block-group is-layout-flow">
<div class="wp-block-comment-date has-small-font-size">{when}</div>
<div class="wp-block-comment-author-name has-small-font-size">{author}</div>
<div class="wp-block-comment-content">{text}</div>
<div class="wp-block-group is-layout-flex">
<div class="wp-block-comment-reply-link has-small-font-size">{reply}</div></div>
</div></div></div>{f"<ol>{children}</ol>" if children else ""}</li>"""


def single_page(blog: Blog, base: str, article: Article, page: int, canonical: str,
                newest_first: bool, rest_on: bool, neighbours: tuple[Article | None, ...]) -> str:
    """A single post (template ``single``) with comment page ``page``."""
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    roots = article.roots[(page - 1) * 50:page * 50]
    items = "".join(_comment(blog, base, article, root, i, newest_first, now)
                    for i, root in enumerate(roots))

    def href(number: int) -> str:
        return comment_link(base, article, number, "x", newest_first).replace("#comment-x",
                                                                                "#comments")

    nav = []
    if page > 1:
        nav.append(f'<a href="{href(page - 1)}" class="wp-block-comments-pagination-previous">'
                   "Komentar Lama</a>")
    if page < article.comment_pages:
        nav.append(f'<a href="{href(page + 1)}" class="wp-block-comments-pagination-next">'
                   "Komentar Baru</a>")
    comments = (f'<h2 class="wp-block-heading">Komentar</h2><ol class="wp-block-comment-'
                f'template">{items}</ol><div class="wp-block-comments-pagination is-layout-flex">'
                f'{"".join(nav)}</div>' if article.comments else "")
    post_nav = "".join(
        f'<div class="post-navigation-link-{side} wp-block-post-navigation-link"><a href="{base}'
        f'{other.path}" rel="{rel}">{escape(other.title)}</a></div>'
        for other, side, rel in zip(neighbours, ("previous", "next"), ("prev", "next"),
                                    strict=True) if other)
    author = article.author
    main = f"""<div class="wp-block-group has-global-padding is-layout-constrained">
<h1 class="wp-block-post-title">{escape(article.title)}</h1>
<div class="wp-block-group is-layout-flex"><div class="wp-block-post-date">
<time datetime="{article.date.isoformat()}">{date_text(article.date)}</time></div>
<p>— oleh</p><div class="wp-block-post-author-name"><a href="{base}author/{author.nicename}/"
 target="_self" class="wp-block-post-author-name__link">{escape(author.name)}</a></div>
<p>di</p>{_terms(article, base)}</div></div>
<div class="entry-content wp-block-post-content has-global-padding is-layout-constrained">
{content_html(blog, article, article.segments, base)}</div>
<nav class="wp-block-group is-layout-flex" aria-label="Navigasi Pos">{post_nav}</nav>
<div class="wp-block-comments wp-block-comments-query-loop">{comments}
<div id="respond" class="comment-respond wp-block-post-comments-form">
<h3 id="reply-title" class="comment-reply-title">Tinggalkan Balasan</h3>
<form action="{base}wp-comments-post.php" method="post" id="commentform" class="comment-form">
<textarea id="comment" name="comment"></textarea></form></div>
</div>"""
    title = f"{article.title} &#8211; {SITE_TITLE}"
    return frame(base, title, body_class_single(article, THEME), main, rest_on,
                 single_head_extra(base, article, canonical, rest_on))
