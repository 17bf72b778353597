"""A deterministic Indonesian regional news site: articles, their comments, and the truth.

Articles are dated in WIB or WITA and shown in three ways (JSON-LD, ``article:published_time``
or only the visible Indonesian date text, e.g. "Kamis, 18 April 2024 10:05 WIB"); some list
comments as WordPress does, some as schema.org microdata, some have none. ``truth(base)`` is
what a crawl of every article page must store; ``feed_truth(base)`` what a feed with full
content yields (the feed has no comments).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from crawler.demosite.words import CLAUSES, PLACES, TOPICS, USER_NAMES

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # Monday first
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
REPORTERS = ("Rina Apriyani", "Dedi Setiawan", "Yohanes Kurniawan", "Siti Rahmawati")
CATEGORIES = ("politik", "daerah", "ekonomi")

TruthRow = tuple[str, str, str, str | None, int, str | None, datetime, str, str | None, str]


@dataclass
class Comment:
    """A reader's comment; replies nest inside it."""

    comment_id: int
    author: str
    when: datetime
    text: str
    replies: list[Comment] = field(default_factory=list)


@dataclass
class NewsArticle:
    """One article. ``style``: 0 JSON-LD, 1 meta tag, 2 visible date text only."""

    article_id: int
    slug: str
    title: str
    paragraphs: list[str]
    authors: list[str]
    published: datetime
    modified: datetime
    category: str
    style: int
    comment_style: str  # "wp", "microdata" or "none"
    comments: list[Comment] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Path of the article page below the site's base URL."""
        day = self.published
        return f"berita/{day:%Y/%m/%d}/{self.slug}-{self.article_id}.html"

    @property
    def lastmod(self) -> str:
        """The sitemap's <lastmod>."""
        return self.modified.isoformat()

    def body_text(self) -> str:
        """The article's text as a crawl stores it."""
        return "\n".join(self.paragraphs)

    def shown_date(self) -> str:
        """The date as the page shows it, in one of three Indonesian forms."""
        when = self.published
        zone = when.tzname() or "WIB"
        if self.article_id % 3 == 0:
            return (f"{HARI[when.weekday()]}, {when.day} {BULAN[when.month - 1]} {when.year} "
                    f"{when:%H:%M} {zone}")
        if self.article_id % 3 == 1:
            return f"{when:%d/%m/%Y, %H:%M} {zone}"
        return f"{when.day} {BULAN[when.month - 1][:3]} {when.year} pukul {when:%H.%M} {zone}"

    def threaded(self) -> list[tuple[Comment, Comment | None]]:
        """Every comment with its parent (None: it answers the article), in page order."""
        out: list[tuple[Comment, Comment | None]] = []

        def walk(comment: Comment, parent: Comment | None) -> None:
            out.append((comment, parent))
            for reply in comment.replies:
                walk(reply, comment)

        for comment in self.comments:
            walk(comment, None)
        return out


class NewsSite:
    """The articles of one site, newest first; mutated between crawls by tests."""

    def __init__(self, seed: int = 62, articles: int = 18) -> None:
        self.rng = random.Random(seed)
        self.start = datetime(2024, 3, 1, 8, 0, tzinfo=WIB)
        self.articles: dict[int, NewsArticle] = {}
        self.next_comment = 1000
        for _ in range(articles):
            self.add_article()

    def _sentence(self) -> str:
        clause = self.rng.choice(CLAUSES).format(t=self.rng.choice(TOPICS),
                                                 p=self.rng.choice(PLACES))
        extra = self.rng.choice(CLAUSES).format(t=self.rng.choice(TOPICS),
                                                p=self.rng.choice(PLACES))
        return f"{clause[0].upper()}{clause[1:]}, sementara {extra}."

    def _paragraph(self) -> str:
        return " ".join(self._sentence() for _ in range(self.rng.randint(3, 5)))

    def add_article(self) -> NewsArticle:
        """A new article, published after every other one."""
        number = len(self.articles) + 1
        zone = WITA if number % 4 == 0 else WIB
        published = (self.start + timedelta(hours=7 * number,
                                            minutes=self.rng.randint(0, 59))).astimezone(zone)
        topic, place = self.rng.choice(TOPICS), self.rng.choice(PLACES)
        title = f"Warga {place} Bahas {topic.title()} (Berita {number})"
        slug = "-".join(title.lower().replace("(", "").replace(")", "").split())
        authors = [REPORTERS[number % 4]] + ([REPORTERS[(number + 1) % 4]]
                                             if number % 5 == 0 else [])
        comment_style = ("wp", "microdata", "none")[number % 3]
        article = NewsArticle(
            article_id=100 + number, slug=slug, title=title,
            paragraphs=[self._paragraph() for _ in range(self.rng.randint(3, 5))],
            authors=authors, published=published, modified=published,
            category=CATEGORIES[number % 3], style=number % 3, comment_style=comment_style)
        if comment_style != "none":
            for _ in range(self.rng.randint(1, 3)):
                top = self._comment(article, published)
                if self.rng.random() < 0.5:
                    top.replies.append(self._comment(article, top.when))
                article.comments.append(top)
        self.articles[article.article_id] = article
        return article

    def _comment(self, article: NewsArticle, after: datetime) -> Comment:
        self.next_comment += 1
        return Comment(self.next_comment, self.rng.choice(USER_NAMES),
                       (after + timedelta(minutes=self.rng.randint(5, 300))).astimezone(WIB),
                       self._sentence())

    def edit_article(self, article_id: int, paragraph: str) -> NewsArticle:
        """Replace the article's first paragraph; its lastmod moves on."""
        article = self.articles[article_id]
        article.paragraphs[0] = paragraph
        article.modified = article.modified + timedelta(hours=2)
        return article

    def newest_first(self) -> list[NewsArticle]:
        """Every article, newest first."""
        return sorted(self.articles.values(), key=lambda a: a.published, reverse=True)

    def url(self, base: str, article: NewsArticle) -> str:
        """The article's canonical URL."""
        return f"{base}{article.path}"

    def truth(self, base: str) -> set[TruthRow]:
        """(native_id, kind, thread_native_id, title, position, author_name, published_at,
        body_text, parent_native_id, language) of every article page's posts."""
        rows: set[TruthRow] = set()
        for article in self.articles.values():
            ident = self.url(base, article)
            rows.add((ident, "article", ident, article.title, 1, ", ".join(article.authors),
                      article.published, article.body_text(), None, "id"))
            for position, (comment, parent) in enumerate(article.threaded(), start=2):
                rows.add((str(comment.comment_id), "comment", ident, article.title, position,
                          comment.author, comment.when, comment.text,
                          str(parent.comment_id) if parent else ident, "id"))
        return rows

    def feed_truth(self, base: str, articles: list[NewsArticle]) -> set[TruthRow]:
        """The rows a feed carrying these articles' full text yields (no comments)."""
        return {(self.url(base, a), "article", self.url(base, a), a.title, 1,
                 ", ".join(a.authors), a.published, a.body_text(), None, "id")
                for a in articles}
