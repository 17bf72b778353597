"""The content of the Mastodon mock: accounts and statuses of one instance (some federated
from another), rendered in the API's real JSON shape (the keys of a mastodon.social status)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from tests.sites.social import at, iso_z

REMOTE = "https://remote.example"
FIRST_ID = 113_400_000_000_000_000


@dataclass
class Account:
    id: str
    username: str
    remote: bool = False

    def acct(self, origin: str) -> str:
        """``user@host`` (what the crawl stores as the author's name)."""
        host = REMOTE.split("//")[1] if self.remote else origin.split("//")[1]
        return f"{self.username}@{host}"

    def uri(self, origin: str) -> str:
        return f"{REMOTE if self.remote else origin}/users/{self.username}"

    def json(self, origin: str) -> dict[str, Any]:
        base = REMOTE if self.remote else origin
        return {"id": self.id, "username": self.username,
                "acct": f"{self.username}@remote.example" if self.remote else self.username,
                "display_name": self.username.title(), "locked": False, "bot": False,
                "discoverable": True, "indexable": True, "group": False,
                "created_at": "2023-01-01T00:00:00.000Z", "note": "<p>Warga Kalteng</p>",
                "url": f"{base}/@{self.username}", "uri": self.uri(origin),
                "avatar": f"{origin}/avatars/original/missing.png",
                "avatar_static": f"{origin}/avatars/original/missing.png",
                "header": f"{origin}/headers/original/missing.png",
                "header_static": f"{origin}/headers/original/missing.png",
                "followers_count": 12, "following_count": 7, "statuses_count": 30,
                "last_status_at": "2024-11-02", "hide_collections": False, "noindex": False,
                "avatar_description": "", "header_description": "", "show_media": True,
                "show_media_replies": True, "show_featured": True,
                "emojis": [], "roles": [], "fields": []}


@dataclass
class Status:
    id: int
    account: Account
    words: str
    minutes: int
    tags: list[str] = field(default_factory=list)
    reply_to: Status | None = None
    link: str | None = None
    mention: Account | None = None
    spoiler: str = ""
    edited_minutes: int | None = None
    image: str | None = None
    favourites: int = 0
    reblog_of: Status | None = None  # a reblog: no words of its own

    @property
    def created(self) -> datetime:
        return at(self.minutes)

    def text(self, origin: str) -> str:
        """The content as text, as a reader sees it."""
        first = self.words + (f" @{self.mention.username}" if self.mention else "")
        lines = [first + "".join(f" #{t}" for t in self.tags)]
        if self.link:
            lines.append(f"Baca: {self.link}")
        return "\n".join(lines)

    def uri(self, origin: str) -> str:
        return f"{self.account.uri(origin)}/statuses/{self.id}"

    def url(self, origin: str) -> str:
        base = REMOTE if self.account.remote else origin
        return f"{base}/@{self.account.username}/{self.id}"

    def content(self, origin: str) -> str:
        mention = ""
        if self.mention:
            mention = (f' <span class="h-card" translate="no"><a href="{origin}/@'
                       f'{self.mention.username}" class="u-url mention">@<span>'
                       f"{self.mention.username}</span></a></span>")
        tags = "".join(f' <a href="{origin}/tags/{t}" class="mention hashtag" rel="tag">#'
                       f"<span>{t}</span></a>" for t in self.tags)
        html = f"<p>{escape(self.words)}{mention}{tags}</p>"
        if self.link:
            scheme, rest = self.link.split("://", 1)
            html += (f'<p>Baca: <a href="{self.link}" target="_blank" rel="nofollow noopener" '
                     f'translate="no"><span class="invisible">{scheme}://</span><span class='
                     f'"ellipsis">{rest[:20]}</span><span class="invisible">{rest[20:]}'
                     "</span></a></p>")
        return html

    def json(self, origin: str, replies: int) -> dict[str, Any]:
        """The status as GET /api/v1/... returns it to an anonymous client."""
        media = [{"id": str(self.id + 7), "type": "image", "url": self.image,
                  "preview_url": self.image, "remote_url": None, "description": "Foto kegiatan",
                  "blurhash": "UBL_:rOpGG-;~qRjWBay", "meta": {}}] if self.image else []
        return {
            "id": str(self.id), "created_at": iso_z(self.created),
            "in_reply_to_id": str(self.reply_to.id) if self.reply_to else None,
            "in_reply_to_account_id": self.reply_to.account.id if self.reply_to else None,
            "sensitive": bool(self.spoiler), "spoiler_text": self.spoiler,
            "visibility": "public", "language": "id", "uri": self.uri(origin),
            "url": self.url(origin), "replies_count": replies,
            "reblogs_count": self.favourites // 2, "favourites_count": self.favourites,
            "quotes_count": 0,
            "edited_at": iso_z(at(self.edited_minutes)) if self.edited_minutes else None,
            "content": self.content(origin), "reblog": None,
            "application": {"name": "Web", "website": None},
            "account": self.account.json(origin), "media_attachments": media,
            "mentions": [{"id": self.mention.id, "username": self.mention.username,
                          "url": f"{origin}/@{self.mention.username}",
                          "acct": self.mention.username}] if self.mention else [],
            "tags": [{"name": t, "url": f"{origin}/tags/{t}"} for t in self.tags],
            "emojis": [], "tagged_collections": [], "quote": None, "card": None, "poll": None,
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "denied"},
        }


@dataclass
class Instance:
    """An instance's accounts and statuses; ids grow with time like Mastodon's snowflakes."""

    accounts: list[Account] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)

    def post(self, account: Account, words: str, **extra: Any) -> Status:
        status = Status(FIRST_ID + 1000 * (len(self.statuses) + 1), account, words,
                        minutes=17 * (len(self.statuses) + 1), **extra)
        self.statuses.append(status)
        return status

    def replies(self, status: Status) -> list[Status]:
        return [s for s in self.statuses if s.reply_to is status]

    def descendants(self, status: Status) -> list[Status]:
        """Every reply below ``status``, depth first (Mastodon's order)."""
        out: list[Status] = []
        for reply in self.replies(status):
            out += [reply, *self.descendants(reply)]
        return out

    def ancestors(self, status: Status) -> list[Status]:
        chain: list[Status] = []
        while status.reply_to is not None:
            status = status.reply_to
            chain.insert(0, status)
        return chain


def build_instance() -> Instance:
    """55 statuses by two local accounts and one federated from remote.example: #pilkada
    and #kalteng, reply chains (some replies untagged), mentions, links, content warnings,
    edits, images, and a reblog by budi."""
    instance = Instance()
    budi, sari, rina = Account("101", "budi"), Account("102", "sari"), Account("903", "rina",
                                                                               remote=True)
    instance.accounts = [budi, sari, rina]
    people = [budi, sari, rina]
    for n in range(1, 56):
        extra: dict[str, Any] = {
            "tags": [] if n % 12 == 0 else ["pilkada"] if n % 5 != 4 else ["kalteng"],
            "favourites": n % 13,
        }
        if n % 6 == 0:  # n replies to n - 3, or (n a multiple of 12) to n - 6, a reply itself
            extra["reply_to"] = instance.statuses[n - 7 if n % 12 == 0 else n - 4]
        if n % 4 == 0:
            extra["link"] = f"https://kalteng.example.id/berita/2024/11/debat-kandidat-{n}"
        if n % 7 == 0:
            extra["mention"] = people[(n + 1) % 3]
        if n % 11 == 0:
            extra["spoiler"] = "politik"
        if n % 9 == 0:
            extra["edited_minutes"] = 17 * n + 30
        if n % 8 == 1:
            extra["image"] = f"https://files.example.org/media/{n}.jpg"
        instance.post(people[n % 3], f"Status ke-{n} tentang debat pilkada Kalteng.", **extra)
    remote = next(s for s in instance.statuses if s.account.remote and s.reply_to is None)
    instance.post(budi, "", reblog_of=remote, tags=[])
    return instance
