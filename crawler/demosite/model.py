"""The demo forum as data: a seeded, deterministic phpBB board tree with threads and posts."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.items import normalize_text

WIB = ZoneInfo("Asia/Jakarta")
POSTS_PER_PAGE = 10
TOPICS_PER_PAGE = 25
_URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass(slots=True)
class User:
    """A registered member (phpBB user id and name)."""

    user_id: int
    name: str


@dataclass(slots=True)
class Board:
    """A phpBB forum: a category (no topics) or a board, possibly a subforum of another."""

    forum_id: int
    name: str
    description: str
    parent_id: int | None = None
    is_category: bool = False


@dataclass(slots=True)
class QuoteRef:
    """A quote of an earlier post of the same thread: a copy of its text when quoted."""

    post_id: int
    author_name: str
    author_id: int | None
    published_at: datetime
    text: str


@dataclass(slots=True)
class Uncited:
    """A ``[quote]`` without a source (rendered as ``blockquote.uncited``)."""

    text: str


Segment = str | QuoteRef | Uncited


@dataclass(slots=True)
class Post:
    """One post; ``segments`` is its body: own text pieces and quotes, in order."""

    post_id: int
    thread_id: int
    author_name: str
    author_id: int | None  # None for guests
    published_at: datetime
    subject: str
    segments: list[Segment] = field(default_factory=list)
    edit_count: int = 0
    edited_at: datetime | None = None
    reply_to: int | None = None  # the post this one answers, for engines that record it


    @property
    def own_text(self) -> str:
        """The author's own words, normalized as :func:`crawler.items.normalize_text` does."""
        return normalize_text("\n".join(s for s in self.segments if isinstance(s, str)))

    @property
    def quoted_ids(self) -> list[int]:
        """Ids of the posts this post quotes, in order."""
        return [s.post_id for s in self.segments if isinstance(s, QuoteRef)]


@dataclass(slots=True)
class Thread:
    """A topic of a board."""

    thread_id: int
    forum_id: int
    title: str
    posts: list[Post] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TruthPost:
    """What a correct extractor must produce for one post."""

    native_id: str
    thread_native_id: str
    thread_title: str
    container: str
    position: int
    author_name: str
    author_id: str | None
    published_at: datetime
    body_text: str
    quoted_native_ids: tuple[str, ...]
    title: str
    links: tuple[str, ...]
    parent_native_id: str | None = None  # reply-to, where the engine records it
    edited_at: datetime | None = None


@dataclass
class Forum:
    """The whole board tree; mutate it between crawls with the ``*_post`` methods."""

    title: str
    boards: list[Board]
    threads: dict[int, Thread]
    users: list[User]
    now: datetime
    timezone: ZoneInfo = WIB

    def board(self, forum_id: int) -> Board | None:
        """The board or category with this id."""
        return next((b for b in self.boards if b.forum_id == forum_id), None)

    def children(self, forum_id: int | None) -> list[Board]:
        """Boards whose parent is ``forum_id`` (None: the top level)."""
        return [b for b in self.boards if b.parent_id == forum_id]

    def topics(self, forum_id: int) -> list[Thread]:
        """A board's topics as viewforum lists them: latest activity first."""
        found = [t for t in self.threads.values() if t.forum_id == forum_id and t.posts]
        return sorted(found, key=lambda t: (t.posts[-1].published_at, t.thread_id), reverse=True)

    def locate(self, post_id: int) -> tuple[Thread, int]:
        """The thread holding a post and the post's 0-based index in it (KeyError if absent)."""
        for thread in self.threads.values():
            for index, post in enumerate(thread.posts):
                if post.post_id == post_id:
                    return thread, index
        raise KeyError(post_id)

    def post(self, post_id: int) -> Post:
        """The post with this id (KeyError if absent)."""
        thread, index = self.locate(post_id)
        return thread.posts[index]

    def edit_post(self, post_id: int, new_text: str, edited_at: datetime | None = None) -> Post:
        """Replace a post's own text (its quotes stay), as an edit in phpBB would."""
        post = self.post(post_id)
        post.segments = [s for s in post.segments if not isinstance(s, str)] + [new_text]
        post.edit_count += 1
        post.edited_at = edited_at or post.published_at + timedelta(hours=1)
        return post

    def delete_post(self, post_id: int) -> None:
        """Remove a post; later posts move up one place (and across page borders)."""
        thread, index = self.locate(post_id)
        del thread.posts[index]
        if not thread.posts:
            del self.threads[thread.thread_id]

    def add_post(
        self,
        thread_id: int,
        text: str,
        author_name: str = "Tamu",
        author_id: int | None = None,
        published_at: datetime | None = None,
        quote_post_id: int | None = None,
    ) -> Post:
        """Append a reply to a thread (optionally quoting one of its posts) and return it."""
        thread = self.threads[thread_id]
        last = thread.posts[-1].published_at
        when = published_at or max(
            datetime.now(self.timezone).replace(second=0, microsecond=0),
            last + timedelta(minutes=1),
        )
        segments: list[Segment] = []
        if quote_post_id is not None:
            segments.append(_quote_of(self.post(quote_post_id)))
        segments.append(text)
        post = Post(self.max_post_id() + 1, thread_id, author_name, author_id, when,
                    f"Re: {thread.title}", segments, reply_to=quote_post_id)
        thread.posts.append(post)
        return post

    def max_post_id(self) -> int:
        """The highest post id in use."""
        return max(p.post_id for t in self.threads.values() for p in t.posts)

    def all_posts(self) -> list[Post]:
        """Every post, thread by thread."""
        return [p for t in self.threads.values() for p in t.posts]

    def truth(self) -> list[TruthPost]:
        """The ground truth of every post, sorted by native id."""
        out: list[TruthPost] = []
        for thread in self.threads.values():
            board = self.board(thread.forum_id)
            for position, post in enumerate(thread.posts, start=1):
                own = post.own_text
                out.append(TruthPost(
                    native_id=str(post.post_id), thread_native_id=str(thread.thread_id),
                    thread_title=thread.title, container=board.name if board else "",
                    position=position, author_name=post.author_name,
                    author_id=None if post.author_id is None else str(post.author_id),
                    published_at=post.published_at, body_text=own,
                    quoted_native_ids=tuple(str(i) for i in post.quoted_ids),
                    title=post.subject, links=tuple(dict.fromkeys(_URL.findall(own))),
                    parent_native_id=None if post.reply_to is None else str(post.reply_to),
                    edited_at=post.edited_at,
                ))
        return sorted(out, key=lambda r: int(r.native_id))


def _quote_of(post: Post) -> QuoteRef:
    return QuoteRef(post.post_id, post.author_name, post.author_id, post.published_at,
                    post.own_text)


def build_forum(seed: int = 62, now: datetime | None = None, scale: int = 1) -> Forum:
    """A deterministic forum: the same ``seed``, ``now`` and ``scale`` give the same forum.

    Nearly all posts are dated in 2024; a few are dated yesterday and today relative to
    ``now`` (default: the current minute in WIB) so that pages show phpBB's relative dates.
    ``scale`` (for benchmarks) multiplies the threads per board and the post total; the
    default 1 is the standard forum the tests compare against, unchanged.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    from crawler.demosite.generate import generate  # generation lives in its own module

    current = (now or datetime.now(WIB)).astimezone(WIB).replace(second=0, microsecond=0)
    return generate(random.Random(seed), current, scale)
