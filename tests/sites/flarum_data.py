"""The demo forum as a Flarum 1.x database holds it: tags, users, discussions of numbered posts.

Boards become tags (a subforum becomes a child tag; categories have no discussions and are
left out), members become users (usernames Flarum accepts, the model's name as display name
via nicknames), guests post through a guest-posting extension (no user, ``guest_username``),
and the accounts in ``deleted_users`` were deleted (their posts keep no user). Stickied
discussions carry a ``discussionStickied`` event post, so post numbers count more than comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.demosite.model import Forum, Post, Thread, User
from tests.sites.flarum_markup import slugify

SECONDARY_TAG_ID = 100
EVENT_POST_BASE = 90_000  # event post ids: EVENT_POST_BASE + discussion id


@dataclass(frozen=True, slots=True)
class Tag:
    """A Flarum tag; ``position`` None for secondary tags."""

    tag_id: int
    name: str
    slug: str
    description: str
    position: int | None
    parent_id: int | None = None
    color: str = "#4D698E"


@dataclass(frozen=True, slots=True)
class EventPost:
    """A post that records an event ("discussionStickied"), not a comment."""

    post_id: int
    thread_id: int
    content_type: str
    content: dict[str, bool]
    published_at: datetime
    author_id: int


Entry = Post | EventPost


def username(user: User) -> str:
    """A username Flarum accepts (``[a-z0-9_-]``) for a model user."""
    return re.sub(r"[^a-z0-9_-]", "_", user.name.lower())


class FlarumData:
    """A read-only Flarum view of a :class:`Forum` (build one per request, under the lock)."""

    def __init__(self, forum: Forum, deleted_users: frozenset[int], sticky: frozenset[int]):
        self.forum = forum
        self.deleted_users = deleted_users
        self.sticky = sticky
        self.users = {u.user_id: u for u in forum.users if u.user_id not in deleted_users}
        boards = [b for b in forum.boards if not b.is_category]
        ids = {b.forum_id for b in boards}
        self.tags = [Tag(b.forum_id, b.name, slugify(b.name), b.description, i,
                         b.parent_id if b.parent_id in ids else None)
                     for i, b in enumerate(boards)]
        self.tags.append(Tag(SECONDARY_TAG_ID, "Pemilu 2024", "pemilu-2024",
                             "Semua tentang pemilu dan pilkada 2024", None, color="#B72A2A"))
        self.streams = {t.thread_id: self._stream(t) for t in forum.threads.values() if t.posts}
        self.where = {e.post_id: (tid, n) for tid, stream in self.streams.items()
                      for n, e in enumerate(stream, start=1)}

    def _stream(self, thread: Thread) -> list[Entry]:
        entries: list[Entry] = list(thread.posts)
        if thread.thread_id in self.sticky:
            first = thread.posts[0]
            entries.insert(1, EventPost(EVENT_POST_BASE + thread.thread_id, thread.thread_id,
                                        "discussionStickied", {"sticky": True},
                                        first.published_at + timedelta(minutes=1), 2))
        return entries

    def tag(self, slug: str) -> Tag | None:
        """The tag with this slug."""
        return next((t for t in self.tags if t.slug == slug), None)

    def thread_tags(self, thread: Thread) -> list[Tag]:
        """A discussion's tags: its board's tag, that tag's parent, maybe the secondary tag."""
        own = next((t for t in self.tags if t.tag_id == thread.forum_id), None)
        tags = [own] if own else []
        if own and own.parent_id is not None:
            tags.insert(0, next(t for t in self.tags if t.tag_id == own.parent_id))
        if thread.thread_id % 5 == 0:
            tags.append(self.tags[-1])
        return tags

    def discussions(self, slug: str | None) -> list[Thread]:
        """Discussions of a tag (all without one), latest comment first."""
        tag = self.tag(slug) if slug else None
        found = [t for t in self.forum.threads.values() if t.posts and (
            slug is None or (tag is not None and tag in self.thread_tags(t)))]
        return sorted(found, key=lambda t: (t.posts[-1].published_at, t.thread_id), reverse=True)

    def entry(self, post_id: int) -> Entry | None:
        """The post (comment or event) with this id, if it exists."""
        where = self.where.get(post_id)
        return self.streams[where[0]][where[1] - 1] if where else None

    def user_of(self, entry: Entry) -> User | None:
        """The author's account (None: a guest or a deleted account)."""
        return self.users.get(entry.author_id) if entry.author_id is not None else None

    def display_name(self, post_id: int, name: str) -> str:
        """The name a mention of ``post_id`` shows: its author's, "[deleted]" once gone."""
        entry = self.entry(post_id)
        if entry is None or entry.author_id is None:
            return name
        return name if entry.author_id not in self.deleted_users else "[deleted]"

    def mentioned_by(self, post_id: int) -> list[Post]:
        """Comments of the same discussion that quote ``post_id``."""
        where = self.where.get(post_id)
        if where is None:
            return []
        return [e for e in self.streams[where[0]]
                if isinstance(e, Post) and post_id in e.quoted_ids]
