"""The demo forum as a WordPress blog: a thread is a post, its replies are threaded comments.

The first post of a thread becomes the article (WordPress post id = the thread id), every
later post a comment (comment id = the post id) whose parent is the comment it quotes first
(a quote of the article, or none, makes a top-level comment). Boards are categories; posts of
a sub-board are filed under its parent board too. One registered commenter is a deleted
account: WordPress keeps the comments with the stored name and user id, but no ``byuser``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from crawler.demosite.model import Forum, Post, QuoteRef, Segment, Thread, Uncited
from crawler.items import normalize_text

POSTS_PER_PAGE = 10  # Settings > Reading, WordPress's default
COMMENTS_PER_PAGE = 50  # Settings > Discussion (comment pages of top-level comments)
SMILEYS = {":)": "\U0001f642", ";)": "\U0001f609"}  # convert_smilies: emoji since WP 4.2
_SMILEY = re.compile(r"(?<![^\s]):\)(?!\S)|(?<![^\s]);\)(?!\S)")


def sanitize_title(text: str) -> str:
    """WordPress's slugs: lower case, dots and spaces to dashes, other punctuation dropped."""
    text = text.lower().replace(".", "-")
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    return re.sub(r"-+", "-", text.replace(" ", "-")).strip("-")


def smileys(text: str) -> str:
    """``:)`` and ``;)`` between spaces as WordPress's ``convert_smilies`` writes them."""
    return _SMILEY.sub(lambda m: SMILEYS[m.group(0)], text)


@dataclass(slots=True)
class Category:
    """A category (a board); ``path`` is its permalink path below ``/category/``."""

    term_id: int
    name: str
    slug: str
    path: str
    parent: int = 0


@dataclass(slots=True)
class Author:
    """A commenter or post author: a user (``user_id``), a deleted user, or a guest."""

    name: str
    user_id: int | None
    nicename: str | None
    url: str  # the website field ("" when empty)
    deleted: bool = False


@dataclass(slots=True)
class Comment:
    """A comment; ``children`` are its replies in date order."""

    comment_id: int
    post_id: int
    parent: int
    author: Author
    date: datetime
    segments: list[Segment]
    children: list[Comment] = field(default_factory=list)
    depth: int = 1
    page: int = 1  # its comment page


@dataclass(slots=True)
class Article:
    """A post with its comments (``comments`` in date order, ``roots`` the top-level ones)."""

    post_id: int
    slug: str
    title: str
    date: datetime
    modified: datetime
    author: Author
    categories: list[Category]  # sorted by name, as WordPress lists a post's terms
    segments: list[Segment]
    sticky: bool
    thread: Thread
    comments: list[Comment] = field(default_factory=list)
    roots: list[Comment] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The permalink path ``/%year%/%monthnum%/%day%/%postname%/``."""
        return f"{self.date:%Y/%m/%d}/{self.slug}/"

    @property
    def comment_pages(self) -> int:
        """How many comment pages the post has (at least one)."""
        return max(1, -(-len(self.roots) // COMMENTS_PER_PAGE))

    def display_order(self) -> list[Comment]:
        """Comments as the blog shows them: oldest first, replies under their parent."""
        out: list[Comment] = []

        def walk(comment: Comment) -> None:
            out.append(comment)
            for child in comment.children:
                walk(child)

        for root in self.roots:
            walk(root)
        return out


def deleted_user_id(forum: Forum) -> int:
    """The user whose account was deleted: the highest id among commenters without posts."""
    authors = {t.posts[0].author_id for t in forum.threads.values() if t.posts}
    commenters = {p.author_id for p in forum.all_posts() if p.author_id is not None}
    return max(commenters - authors)


class Blog:
    """A read-only WordPress view of a :class:`Forum` (build one per request)."""

    def __init__(self, forum: Forum, sticky_ids: frozenset[int] = frozenset()) -> None:
        self.forum = forum
        self.deleted = deleted_user_id(forum)
        self.categories = {b.forum_id: Category(b.forum_id + 1, b.name, sanitize_title(b.name),
                                                "", (b.parent_id or -1) + 1)
                           for b in forum.boards}
        for board in forum.boards:
            chain, current = [], board
            while current is not None:
                chain.insert(0, self.categories[current.forum_id].slug)
                current = forum.board(current.parent_id) if current.parent_id else None
            self.categories[board.forum_id].path = "/".join(chain) + "/"
        self.articles: dict[int, Article] = {}
        slugs: set[str] = set()
        for thread in sorted(forum.threads.values(), key=lambda t: t.thread_id):
            if thread.posts:
                article = self._article(thread, slugs, thread.thread_id in sticky_ids)
                self.articles[article.post_id] = article

    def author(self, post: Post) -> Author:
        """Who wrote a post, as WordPress stored it."""
        if post.author_id is None:
            url = f"https://warga.example.id/{sanitize_title(post.author_name)}" \
                if post.post_id % 3 == 0 else ""
            return Author(post.author_name, None, None, url)
        nicename = sanitize_title(post.author_name)
        url = f"https://example.id/~{nicename}" if post.author_id % 3 == 0 else ""
        return Author(post.author_name, post.author_id, nicename, url,
                      deleted=post.author_id == self.deleted)

    def _article(self, thread: Thread, slugs: set[str], sticky: bool) -> Article:
        first = thread.posts[0]
        slug = base = sanitize_title(thread.title)
        number = 2
        while slug in slugs:
            slug, number = f"{base}-{number}", number + 1
        slugs.add(slug)
        board = self.forum.board(thread.forum_id)
        cats = [self.categories[thread.forum_id]] if board else []
        if board and board.parent_id and not self.forum.board(board.parent_id).is_category:
            cats.append(self.categories[board.parent_id])  # a sub-board: filed under both
        article = Article(thread.thread_id, slug, thread.title, first.published_at,
                          first.edited_at or first.published_at, self.author(first),
                          sorted(cats, key=lambda c: c.name), first.segments, sticky, thread)
        by_id: dict[int, Comment] = {}
        for post in thread.posts[1:]:
            parent = by_id.get(post.reply_to or -1)
            comment = Comment(post.post_id, thread.thread_id, parent.comment_id if parent else 0,
                              self.author(post), post.published_at, post.segments,
                              depth=parent.depth + 1 if parent else 1)
            (parent.children if parent else article.roots).append(comment)
            article.comments.append(comment)
            by_id[post.post_id] = comment
        for index, root in enumerate(article.roots):
            for comment in _subtree(root):
                comment.page = index // COMMENTS_PER_PAGE + 1
        return article

    def newest_first(self) -> list[Article]:
        """Every post, newest first (the home page and the posts collection)."""
        return sorted(self.articles.values(), key=lambda a: (a.date, a.post_id), reverse=True)

    def in_category(self, category: Category) -> list[Article]:
        """A category archive: its posts and those of its sub-categories, newest first."""
        wanted = {category.term_id, *(c.term_id for c in self.categories.values()
                                      if c.parent == category.term_id)}
        return [a for a in self.newest_first() if {c.term_id for c in a.categories} & wanted]

    def by_path(self, path: str) -> Article | None:
        """The post whose permalink path is ``path`` (``2024/03/18/slug/``)."""
        return next((a for a in self.articles.values() if a.path == path), None)

    def quoted_id(self, article: Article, quote: QuoteRef) -> tuple[str, bool]:
        """(native id, is the article) of a quoted post."""
        if quote.post_id == article.thread.posts[0].post_id:
            return str(article.post_id), True
        return str(quote.post_id), False


def _subtree(comment: Comment) -> list[Comment]:
    out = [comment]
    for child in comment.children:
        out += _subtree(child)
    return out


def own_text(segments: list[Segment]) -> str:
    """The author's words as a reader sees them: smileys as emoji, a blank line between
    paragraphs (also where a quote stood between two of them)."""
    return normalize_text("\n\n".join(smileys(s) for s in segments if isinstance(s, str)))


__all__ = ["Article", "Author", "Blog", "Category", "Comment", "Uncited", "own_text"]
