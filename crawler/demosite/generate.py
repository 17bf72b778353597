"""Seeded generation of the demo forum's boards, threads, authors, dates and post bodies."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from crawler.demosite import words
from crawler.demosite.model import (
    WIB,
    Board,
    Forum,
    Post,
    QuoteRef,
    Segment,
    Thread,
    Uncited,
    User,
)

BOARDS = (
    Board(1, "Kalimantan Tengah", "Diskusi seputar Bumi Tambun Bungai", None, is_category=True),
    Board(2, "Politik & Pilkada Kalteng", "Pilkada, partai, KPU dan Bawaslu", 1),
    Board(3, "Pilkada Kabupaten", "Kotim, Kobar, Kapuas dan kabupaten lain", 2),
    Board(4, "Ekonomi & Infrastruktur", "Jalan, jembatan, harga dan lapangan kerja", 1),
    Board(5, "Sosial Budaya Dayak", "Adat, budaya, bahasa dan festival", 1),
    Board(6, "Santai", "Obrolan ringan", None, is_category=True),
    Board(7, "Warung Kopi", "Ngobrol santai antar warga", 6),
)
THREADS_PER_BOARD = {2: 28, 3: 8, 4: 12, 5: 8, 7: 10}
MIN_POSTS, MAX_POSTS = 1200, 1800
YEAR_START = datetime(2024, 1, 2, 8, 0, tzinfo=WIB)
YEAR_END = datetime(2024, 12, 20, 22, 0, tzinfo=WIB)


def _post_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.15:
        return 1
    if roll < 0.30:
        return rng.randint(2, 5)
    if roll < 0.65:
        return rng.randint(6, 20)
    if roll < 0.85:
        return rng.randint(21, 45)
    return rng.randint(46, 80)


def _post_counts(rng: random.Random, n: int, scale: int) -> list[int]:
    counts = [_post_count(rng) for _ in range(n)]
    counts[:3] = [80, 1, 61]  # always a long, a single-post and a 7-page thread
    while sum(counts) < MIN_POSTS * scale + 50:
        i = rng.randrange(3, n)
        counts[i] = min(80, counts[i] + 10)
    while sum(counts) > MAX_POSTS * scale - 50:
        i = rng.randrange(3, n)
        counts[i] = max(1, counts[i] - 10)
    return counts


def _gaps(rng: random.Random, count: int) -> list[timedelta]:
    out = []
    for _ in range(count - 1):
        long_pause = rng.random() < 0.1
        out.append(timedelta(minutes=rng.randint(300, 2880) if long_pause else rng.randint(2, 180)))
    return out


def _fill(template: str, rng: random.Random) -> str:
    return template.format(p=rng.choice(words.PLACES), t=rng.choice(words.TOPICS),
                           n=rng.randint(100, 9999))


def _sentence(rng: random.Random) -> str:
    opener = _fill(rng.choice(words.OPENERS), rng)
    text = f"{opener} {_fill(rng.choice(words.CLAUSES), rng)}."
    if rng.random() < 0.3:
        text += " " + _fill(rng.choice(words.CLOSERS), rng)
    if rng.random() < 0.03:
        text += " Sumber: " + _fill(rng.choice(words.LINKS), rng)
    return text


def _text(rng: random.Random) -> str:
    paragraphs = [
        "\n".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.choices((1, 2, 3), weights=(6, 3, 1))[0])
    ]
    return "\n\n".join(paragraphs)


def _body(rng: random.Random, earlier: list[Post]) -> list[Segment]:
    segments: list[Segment] = []
    roll = rng.random()
    if earlier and roll < 0.25:
        quoted = rng.sample(earlier[-6:], 2 if roll < 0.04 and len(earlier) > 1 else 1)
        for post in sorted(quoted, key=lambda p: p.post_id):
            segments += [QuoteRef(post.post_id, post.author_name, post.author_id,
                                  post.published_at, post.own_text), _text(rng)]
        return segments
    if roll > 0.97:
        segments.append(Uncited(rng.choice(words.SAYINGS)))
    segments.append(_text(rng))
    return segments


def _threads(rng: random.Random, users: list[User], scale: int) -> list[Thread]:
    weights = [1 + (7 if i % 5 == 0 else 0) for i in range(len(users))]
    board_ids = [b for b, n in THREADS_PER_BOARD.items() for _ in range(n * scale)]
    counts = _post_counts(rng, len(board_ids), scale)
    threads: list[Thread] = []
    for board_id, count in zip(board_ids, counts, strict=True):
        gaps = _gaps(rng, count)
        span = sum(gaps, timedelta())
        room = int((YEAR_END - span - YEAR_START).total_seconds() // 60)
        when = YEAR_START + timedelta(minutes=rng.randint(0, max(room, 0)))
        title = _fill(rng.choice(words.SUBJECTS), rng)
        thread = Thread(0, board_id, title[0].upper() + title[1:])
        for i in range(count):
            if i:
                when += gaps[i - 1]
            if i and rng.random() < 0.12:
                name, uid = rng.choice(words.GUEST_NAMES), None
            else:
                user = rng.choices(users, weights=weights)[0]
                name, uid = user.name, user.user_id
            thread.posts.append(Post(0, 0, name, uid, when, ""))
        threads.append(thread)
    return threads


def _number(threads: list[Thread]) -> None:
    threads.sort(key=lambda t: t.posts[0].published_at)
    for number, thread in enumerate(threads, start=11):
        thread.thread_id = number
    ordered = sorted(
        ((p.published_at, t.thread_id, i, p) for t in threads for i, p in enumerate(t.posts)),
        key=lambda row: row[:3],
    )
    for number, (_, thread_id, _, post) in enumerate(ordered, start=101):
        post.post_id, post.thread_id = number, thread_id


def _recent(rng: random.Random, threads: list[Thread], now: datetime) -> list[Post]:
    """Posts dated yesterday and today, shown as "Kemarin, ..." and "Hari ini, ..."."""
    today = now.replace(hour=0, minute=0)
    yesterday = today - timedelta(days=1)
    midday = today + timedelta(minutes=int((now - today).total_seconds() // 120))
    chosen = rng.sample(threads[3:], 3)
    plan = [(chosen[0], yesterday + timedelta(hours=10, minutes=5)),
            (chosen[0], yesterday + timedelta(hours=21, minutes=40)),
            (chosen[1], yesterday + timedelta(hours=23, minutes=59)),
            (chosen[2], midday)]
    added = []
    for thread, when in plan:
        post = Post(0, thread.thread_id, "kahayan_watch", 0, when, "")
        thread.posts.append(post)
        added.append(post)
    return added


def generate(rng: random.Random, now: datetime, scale: int = 1) -> Forum:
    """Build the forum from a seeded random generator (see :func:`model.build_forum`).

    ``scale`` multiplies the threads of every board and the post total; 1 is the standard forum.
    """
    ids = sorted(rng.sample(range(3, 400), len(words.USER_NAMES) - 1))
    users = [User(uid, name) for uid, name in zip([2, *ids], words.USER_NAMES, strict=True)]
    threads = _threads(rng, users, scale)
    _number(threads)
    watcher = next(u for u in users if u.name == "kahayan_watch")
    next_id = max(p.post_id for t in threads for p in t.posts) + 1
    for post in sorted(_recent(rng, threads, now), key=lambda p: p.published_at):
        post.post_id, post.author_id, next_id = next_id, watcher.user_id, next_id + 1
    for thread in threads:
        for i, post in enumerate(thread.posts):
            post.subject = thread.title if i == 0 else f"Re: {thread.title}"
            post.segments = _body(rng, thread.posts[:i])
            # A post that quotes answers the (first) post it quotes; engines that record
            # reply-to (Discourse, Flarum, WordPress) show it, the others leave it out.
            post.reply_to = next(iter(post.quoted_ids), None)
    return Forum(
        title="Forum Warga Kalteng",
        boards=[Board(b.forum_id, b.name, b.description, b.parent_id, b.is_category)
                for b in BOARDS],
        threads={t.thread_id: t for t in sorted(threads, key=lambda t: t.thread_id)},
        users=users,
        now=now,
    )
