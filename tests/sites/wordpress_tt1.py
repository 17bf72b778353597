"""Pages of the Twenty Twenty-One theme (classic, html5 comment walker) in Indonesian."""

from __future__ import annotations

from html import escape

from tests.sites.wordpress_blog import Article, Blog, Category, Comment
from tests.sites.wordpress_markup import (
    SITE_TITLE,
    TAGLINE,
    author_link,
    avatar,
    body_class_single,
    comment_classes,
    comment_link,
    content_html,
    date_text,
    date_time_text,
    head,
    post_classes,
    single_head_extra,
)

THEME = "twentytwentyone"
_ARROW = '<svg class="svg-icon" width="24" height="24" aria-hidden="true" role="img"></svg>'


def frame(base: str, title: str, body_class: str, main: str, rest_on: bool,
          extra_head: str = "") -> str:
    """The theme's page: header, ``main#main``, footer."""
    return f"""<!doctype html>
<html lang="id-ID" class="no-js">
{head(base, title, rest_on, extra_head, THEME)}
<body class="{body_class} is-light-theme no-js has-main-navigation">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Langsung ke konten</a>
<header id="masthead" class="site-header has-title-and-tagline" role="banner">
<div class="site-branding"><p class="site-title"><a href="{base}" rel="home">{SITE_TITLE}</a></p>
<p class="site-description">{TAGLINE}</p></div>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main">
{main}
</main></div></div>
<footer id="colophon" class="site-footer" role="contentinfo"><div class="site-info">
<div class="site-name"><a href="{base}">{SITE_TITLE}</a></div>
<div class="powered-by">Dengan bangga ditenagai oleh <a href="https://wordpress.org/">WordPress</a>.
</div></div></footer>
</div>
</body>
</html>"""


def _posted_on(article: Article) -> str:
    return (f'<span class="posted-on">Diterbitkan <time class="entry-date published updated" '
            f'datetime="{article.date.isoformat()}">{date_text(article.date)}</time></span>')


def _taxonomies(article: Article, base: str) -> str:
    links = ", ".join(f'<a href="{base}category/{c.path}" rel="category tag">{escape(c.name)}</a>'
                      for c in article.categories)
    return (f'<div class="post-taxonomies"><span class="cat-links">Dikategorikan sebagai {links} '
            "</span></div>")


def list_page(blog: Blog, base: str, articles: list[Article], page: int, pages: int,
              archive: Category | None, rest_on: bool) -> str:
    """The home page or a category archive (``the_posts_pagination``)."""
    items = []
    for article in articles:
        classes = post_classes(article, archive is None and page == 1)
        items.append(f"""<article id="post-{article.post_id}" class="{classes} entry">
<header class="entry-header"><h2 class="entry-title default-max-width">
<a href="{base}{article.path}">{escape(article.title)}</a></h2></header>
<div class="entry-content">
{content_html(blog, article, article.segments, base)}</div>
<footer class="entry-footer default-max-width">
{_posted_on(article)}
{_taxonomies(article, base)}
</footer>
</article>""")
    root = f"{base}category/{archive.path}" if archive else base
    header = (f'<header class="page-header alignwide"><h1 class="page-title">Kategori: '
              f"<span>{escape(archive.name)}</span></h1></header>\n" if archive else "")
    title = f"{archive.name} &#8211; {SITE_TITLE}" if archive else SITE_TITLE
    classes = (f"archive category category-{archive.slug} category-{archive.term_id}"
               if archive else "home blog")
    if page > 1:
        classes += f" paged paged-{page}"
    body = header + "\n".join(items) + _pagination(root, page, pages)
    return frame(base, title, f"{classes} wp-embed-responsive hfeed", body, rest_on)


def _page_link(root: str, page: int) -> str:
    return root if page == 1 else f"{root}page/{page}/"


def _pagination(root: str, page: int, pages: int) -> str:
    if pages < 2:
        return ""
    links = []
    if page > 1:
        links.append(f'<a class="prev page-numbers" href="{_page_link(root, page - 1)}">{_ARROW} '
                     '<span class="nav-prev-text">Tulisan <span class="nav-short">Lebih Baru'
                     "</span></span></a>")
    for number in sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1))):
        label = f'<span class="meta-nav screen-reader-text">Halaman </span>{number}'
        if number == page:
            links.append(f'<span aria-current="page" class="page-numbers current">{label}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{_page_link(root, number)}">{label}</a>')
    if page < pages:
        links.append(f'<a class="next page-numbers" href="{_page_link(root, page + 1)}">'
                     '<span class="nav-next-text">Tulisan <span class="nav-short">Lebih Lama'
                     f"</span></span> {_ARROW}</a>")
    return (f'<nav class="navigation pagination" aria-label="Tulisan"><h2 class="screen-reader-'
            f'text">Navigasi tulisan</h2><div class="nav-links">{"".join(links)}</div></nav>')


def _comment(blog: Blog, base: str, article: Article, comment: Comment, index: int,
             newest_first: bool) -> str:
    link = comment_link(base, article, comment.page, comment.comment_id, newest_first)
    reply = "" if comment.depth >= 5 else (
        f"<div class=\"reply\"><a rel='nofollow' class='comment-reply-link' "
        f"href='{base}{article.path}?replytocom={comment.comment_id}#respond' "
        f'data-commentid="{comment.comment_id}" data-postid="{article.post_id}" '
        f'data-belowelement="div-comment-{comment.comment_id}" data-respondelement="respond" '
        f"aria-label='Balasan untuk {escape(comment.author.name)}'>Balas</a></div>")
    children = "".join(_comment(blog, base, article, child, index + 1 + n, newest_first)
                       for n, child in enumerate(comment.children))
    nested = f'<ol class="children">\n{children}</ol><!-- .children -->\n' if children else ""
    classes = comment_classes(comment, article, index)
    return f"""<li id="comment-{comment.comment_id}" class="{classes}">
<article id="div-comment-{comment.comment_id}" class="comment-body">
<footer class="comment-meta">
<div class="comment-author vcard">
{avatar(comment.author, 60)}
<b class="fn">{author_link(comment.author)}</b> <span class="says">berkata:</span>
</div><!-- .comment-author -->
<div class="comment-metadata">
<a href="{link}"><time datetime="{comment.date.isoformat()}">{date_time_text(comment.date)}</time>
</a>
</div><!-- .comment-metadata -->
</footer><!-- .comment-meta -->
<div class="comment-content">
{content_html(blog, article, comment.segments, base, comment=True)}</div><!-- .comment-content -->
{reply}
</article><!-- .comment-body -->
{nested}</li><!-- #comment-## -->
"""


def _comments_nav(base: str, article: Article, page: int, newest_first: bool) -> str:
    pages = article.comment_pages
    if pages < 2:
        return ""

    def href(number: int) -> str:
        return comment_link(base, article, number, "x", newest_first).replace("#comment-x",
                                                                                "#comments")

    links = []
    if page > 1:
        links.append(f'<a class="prev page-numbers" href="{href(page - 1)}">{_ARROW} '
                     '<span class="nav-prev-text">Komentar lebih lama</span></a>')
    for number in range(1, pages + 1):
        if number == page:
            links.append(f'<span aria-current="page" class="page-numbers current">Halaman '
                         f"{number}</span>")
        else:
            links.append(f'<a class="page-numbers" href="{href(number)}">Halaman {number}</a>')
    if page < pages:
        links.append(f'<a class="next page-numbers" href="{href(page + 1)}"><span '
                     f'class="nav-next-text">Komentar lebih baru</span> {_ARROW}</a>')
    return (f'<nav class="navigation comments-pagination" aria-label="Komentar"><h2 class="screen'
            f'-reader-text">Navigasi komentar</h2><div class="nav-links">{"".join(links)}</div>'
            "</nav>")


def single_page(blog: Blog, base: str, article: Article, page: int, canonical: str,
                newest_first: bool, rest_on: bool, neighbours: tuple[Article | None, ...]) -> str:
    """A single post with comment page ``page`` (``comments.php``, ``the_post_navigation``)."""
    author = article.author
    roots = article.roots[(page - 1) * 50:page * 50]
    comments = "".join(_comment(blog, base, article, root, i, newest_first)
                       for i, root in enumerate(roots))
    count = len(article.comments)
    listing = (f'<h2 class="comments-title">{count} Balasan</h2>\n<ol class="comment-list">\n'
               f"{comments}</ol><!-- .comment-list -->\n"
               f"{_comments_nav(base, article, page, newest_first)}" if count else "")
    post_nav = "".join(
        f'<div class="nav-{side}"><a href="{base}{other.path}" rel="{rel}"><p class="meta-nav">'
        f'Tulisan {label}</p><p class="post-title">{escape(other.title)}</p></a></div>'
        for other, side, rel, label in zip(neighbours, ("previous", "next"), ("prev", "next"),
                                           ("sebelumnya", "berikutnya"), strict=True) if other)
    main = f"""<article id="post-{article.post_id}" class="{post_classes(article, False)} entry">
<header class="entry-header alignwide"><h1 class="entry-title">{escape(article.title)}</h1></header>
<div class="entry-content">
{content_html(blog, article, article.segments, base)}</div><!-- .entry-content -->
<footer class="entry-footer default-max-width">
<div class="posted-by">{_posted_on(article)}<span class="byline">Oleh
<a href="{base}author/{author.nicename}/" rel="author">{escape(author.name)}</a></span></div>
{_taxonomies(article, base)}
</footer><!-- .entry-footer -->
</article><!-- #post-{article.post_id} -->
<div id="comments" class="comments-area default-max-width show-avatars">
{listing}<div id="respond" class="comment-respond">
<h2 id="reply-title" class="comment-reply-title">Tinggalkan Balasan</h2>
<form action="{base}wp-comments-post.php" method="post" id="commentform" class="comment-form"
 novalidate>
<p class="comment-form-comment"><label for="comment">Komentar</label>
<textarea id="comment" name="comment" cols="45" rows="5" maxlength="65525" required></textarea></p>
<input type='hidden' name='comment_post_ID' value='{article.post_id}' id='comment_post_ID' />
</form></div>
</div><!-- #comments -->
<nav class="navigation post-navigation" aria-label="Tulisan">
<h2 class="screen-reader-text">Navigasi pos</h2><div class="nav-links">{post_nav}</div></nav>"""
    title = f"{article.title} &#8211; {SITE_TITLE}"
    return frame(base, title, body_class_single(article, THEME), main, rest_on,
                 single_head_extra(base, article, canonical, rest_on))
