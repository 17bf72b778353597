"""The demo Forum seen as a Discourse instance: categories, accounts, post numbers, times.

Discourse has no guest posts: a model guest posts as a *staged* user (an account Discourse
creates for someone who writes in by e-mail), with an id of its own. One member's account is
deleted ("andreas_betang"): Discourse keeps the posts with no user (``user_id``/``username``
null, ``user_deleted`` true). Each category has its "Tentang kategori ..." definition topic,
written by the ``system`` user (id -1) and pinned in its category. Post numbers are given once
and never reused, so deleted posts leave gaps, as in Discourse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.demosite import words
from crawler.demosite.model import Board, Forum, Post, Thread, TruthPost
from crawler.items import normalize_text

DELETED_USER = "andreas_betang"
STAGED_BASE = 900  # staged users' ids: 900 + their place among the guest names
SYSTEM_ID = -1
CATEGORIES_CREATED = datetime(2023, 12, 1, 2, 0, tzinfo=UTC)
EMOJI = {":)": "slight_smile", ";)": "wink"}
_EMOJI = re.compile(r"(?<!\S)(:\)|;\))(?!\S)")


@dataclass(frozen=True, slots=True)
class Account:
    """Who a post shows: id, username, full name (all None for a deleted account)."""

    user_id: int | None
    username: str | None
    name: str | None


SYSTEM = Account(SYSTEM_ID, "system", "system")


def slugify(text: str) -> str:
    """Discourse's ASCII slug: lower case, runs of other characters as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def emoji_text(text: str) -> str:
    """Text as cooked shows it: ``:)`` and ``;)`` became emoji images named ``:slight_smile:``."""
    return _EMOJI.sub(lambda m: f":{EMOJI[m.group(1)]}:", text)


def iso(when: datetime) -> str:
    """An API timestamp: UTC with milliseconds and ``Z``."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def created_at(post: Post) -> datetime:
    """The post's creation time: the model's minute plus seconds and milliseconds."""
    return post.published_at + timedelta(seconds=post.post_id % 60,
                                         milliseconds=post.post_id * 37 % 1000)


def updated_at(post: Post) -> datetime:
    """The last save: the edit, else a quiet edit in the grace period (version stays 1) for
    every ninth post, else the creation."""
    if post.edited_at is not None:
        return post.edited_at + timedelta(seconds=7)
    return created_at(post) + (timedelta(minutes=3) if post.post_id % 9 == 0 else timedelta())


@dataclass(slots=True)
class Definition:
    """A category's "about" topic: one post by system, pinned in the category."""

    board: Board

    @property
    def topic_id(self) -> int:
        """Topic and post id: the category's id (created before any other topic)."""
        return self.board.forum_id

    @property
    def title(self) -> str:
        return f"Tentang kategori {self.board.name}"

    @property
    def created(self) -> datetime:
        return CATEGORIES_CREATED + timedelta(hours=self.board.forum_id)


class DiscourseView:
    """The Discourse reading of a Forum: numbering, accounts, category tree, topic lists."""

    def __init__(self, forum: Forum) -> None:
        self.forum = forum
        self.numbers: dict[int, int] = {}  # post id -> post number (never reused)
        self.highest: dict[int, int] = {}  # topic id -> highest post number given
        self.staged: dict[str, int] = {n: STAGED_BASE + i for i, n in enumerate(words.GUEST_NAMES)}
        self.sync()

    def sync(self) -> None:
        """Number posts added since the last call (call under the server's lock)."""
        for thread in self.forum.threads.values():
            for post in thread.posts:
                if post.post_id not in self.numbers:
                    self.highest[thread.thread_id] = self.highest.get(thread.thread_id, 0) + 1
                    self.numbers[post.post_id] = self.highest[thread.thread_id]

    def account(self, name: str, user_id: int | None) -> Account:
        """The account a model author posts as (staged for guests, empty when deleted)."""
        if name == DELETED_USER:
            return Account(None, None, None)
        if user_id is None:
            staged = self.staged.setdefault(name, STAGED_BASE + len(self.staged))
            return Account(staged, name.replace(" ", "_"), name)
        display = re.sub(r"[_.]+", " ", name).title()
        return Account(user_id, name.replace(" ", "_"), display)

    def author(self, post: Post) -> Account:
        """The account shown on a post."""
        return self.account(post.author_name, post.author_id)

    def slug_path(self, board: Board) -> list[str]:
        """The category's slugs from the top level down (its URL path)."""
        path = [slugify(board.name)]
        while board.parent_id is not None and (parent := self.forum.board(board.parent_id)):
            path.insert(0, slugify(parent.name))
            board = parent
        return path

    def descendants(self, board: Board) -> list[int]:
        """The category's id and its subcategories' ids, all levels down."""
        out = [board.forum_id]
        for child in self.forum.children(board.forum_id):
            out += self.descendants(child)
        return out

    def definitions(self) -> dict[int, Definition]:
        """Every category's definition topic by topic id (= category id)."""
        return {b.forum_id: Definition(b) for b in self.forum.boards}

    def topics_of(self, board: Board) -> list[Thread | Definition]:
        """A category's topic list: its definition pinned first, then its and its
        subcategories' topics, latest activity first."""
        ids = set(self.descendants(board))
        found = [t for t in self.forum.threads.values() if t.forum_id in ids and t.posts]
        found.sort(key=lambda t: (created_at(t.posts[-1]), t.thread_id), reverse=True)
        return [Definition(board), *found]

    def truth(self) -> set[tuple[Any, ...]]:
        """(native id, topic id, title, container, post number, author name, author id,
        published_at, body text, quoted ids, parent id) of every post the site shows."""
        rows = {_truth_row(self, r) for r in self.forum.truth()}
        for definition in self.definitions().values():
            rows.add((str(definition.topic_id), str(definition.topic_id), definition.title,
                      definition.board.name, 1, "system", str(SYSTEM_ID), definition.created,
                      definition.board.description, (), None))
        return rows


def own_text(post: Post) -> str:
    """The post's own words as cooked shows them: paragraphs apart, emoji named."""
    return emoji_text(normalize_text("\n\n".join(s for s in post.segments if isinstance(s, str))))


def _truth_row(view: DiscourseView, row: TruthPost) -> tuple[Any, ...]:
    post = view.forum.post(int(row.native_id))
    account = view.author(post)
    return (row.native_id, row.thread_native_id, row.thread_title, row.container,
            view.numbers[post.post_id], account.username, None if account.user_id is None
            else str(account.user_id), created_at(post), own_text(post),
            row.quoted_native_ids, row.parent_native_id)
