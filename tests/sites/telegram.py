"""A clone of Telegram's channel web preview (``/s/<channel>``, ``?before=N``, ``?after=N``).

The markup is t.me's: ``div.tgme_widget_message[data-post]`` with the owner name, a
forwarded-from line, a reply block (whose quoted snippet is not the message's text), photo
wraps with ``background-image``, the text, views, an "edited" marker and ``time[datetime]``;
20 messages a page, oldest first, linked by ``<link rel="prev">`` / ``<link rel="next">``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sites.social import HTML_TYPE, Answer, SocialServer, at

PER_PAGE = 20


@dataclass
class Message:
    """One channel message: ``lines`` of text (a line may be (text, link URL) for a link)."""

    number: int
    lines: list[str | tuple[str, str]]
    date: datetime
    views: int
    reply_to: int | None = None
    forwarded: tuple[str, str] | None = None  # (channel title, message URL); ("", "") hidden
    edited: bool = False
    photos: list[str] = field(default_factory=list)


@dataclass
class Channel:
    """A public channel: its username, title and messages (numbers grow; gaps are deletions)."""

    username: str
    title: str
    messages: list[Message] = field(default_factory=list)

    def add(self, lines: list[str | tuple[str, str]], minutes: int, **extra: Any) -> Message:
        """Post a new message after the others."""
        number = (self.messages[-1].number if self.messages else 0) + 1
        message = Message(number, lines, at(minutes), **{"views": 10 * number, **extra})
        self.messages.append(message)
        return message


def build_channel() -> Channel:
    """45 messages (numbers 1-48, three deleted) with replies, forwards, edits, photos, links."""
    channel = Channel("kalteng_info", "Info Kalteng")
    for n in range(1, 49):
        lines: list[str | tuple[str, str]] = [f"Kabar ke-{n} dari Palangka Raya."]
        if n % 4 == 0:
            lines.append(("Selengkapnya: ", f"https://kalteng.example.id/berita/{n}"))
        if n % 6 == 0:
            lines.append("#pilkada #kalteng")
        extra: dict[str, Any] = {"views": 97 * n + 1250 * (n % 3)}
        if n % 7 == 0:
            extra["reply_to"] = n - 3
        if n % 9 == 0:
            extra["forwarded"] = ("Humas Kalteng", f"https://t.me/humaskalteng/{100 + n}")
        if n == 33:
            extra["forwarded"] = ("", "")  # forwarded from a user who hides their account
        if n % 10 == 5:
            extra["edited"] = True
        if n % 8 == 3:
            extra["photos"] = [f"https://cdn.example.org/file/foto{n}.jpg"]
        channel.add(lines, 37 * n, **extra)
    channel.messages = [m for m in channel.messages if m.number not in (12, 13, 40)]
    return channel


def short_count(value: int) -> str:
    """Telegram's view counts: 812, 1.2K, 12K, 1.5M."""
    if value < 1000:
        return str(value)
    if value < 1_000_000:
        return f"{value / 1000:.1f}K".replace(".0K", "K")
    return f"{value / 1_000_000:.1f}M".replace(".0M", "M")


def text_of(message: Message) -> str:
    """The message text as a reader sees it."""
    return "\n".join(line if isinstance(line, str) else line[0] + line[1]
                     for line in message.lines)


class TelegramServer(SocialServer):
    """Serves ``Channel`` at ``/s/<username>`` like t.me's preview."""

    model: Channel

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        channel = self.model
        if method != "GET" or parts.path.rstrip("/") != f"/s/{channel.username}":
            return 404, HTML_TYPE, "<h1>Not found</h1>", {}
        query = {k: int(v[0]) for k, v in parse_qs(parts.query).items() if v[0].isdigit()}
        ordered = sorted(channel.messages, key=lambda m: m.number)
        if "after" in query:
            shown = [m for m in ordered if m.number > query["after"]][:PER_PAGE]
        else:
            shown = [m for m in ordered if m.number < query.get("before", 1 << 62)][-PER_PAGE:]
        links = []
        if shown and shown[0].number > ordered[0].number:
            links.append(f'<link rel="prev" href="/s/{channel.username}?before={shown[0].number}">')
        if query and shown and shown[-1].number < ordered[-1].number:
            links.append(f'<link rel="next" href="/s/{channel.username}?after={shown[-1].number}">')
        older = bool(shown) and shown[0].number > ordered[0].number
        return 200, HTML_TYPE, self.page(shown, "\n".join(links), older), {}

    def page(self, shown: list[Message], links: str, older: bool) -> str:
        """A preview page with ``shown`` messages (and a "load more" link if ``older``)."""
        channel = self.model
        more = (f'<a href="/s/{channel.username}?before={shown[0].number}" class="tme_messages_'
                f'more js-messages_more" data-before="{shown[0].number}"></a>' if older else "")
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(channel.title)} - Telegram</title>
<link rel="canonical" href="https://t.me/s/{channel.username}"/>
{links}
</head><body class="widget_frame_base tgme_webpreview_body">
<header class="tgme_header"><div class="tgme_channel_info_header_title"><span dir="auto">{
    escape(channel.title)}</span></div></header>
<main class="tgme_main"><section class="tgme_channel_history js-message_history">{more}
{"".join(self.message(m) for m in shown)}
</section></main></body></html>"""

    def message(self, m: Message) -> str:
        """One message's markup."""
        name, post = self.model.username, f"{self.model.username}/{m.number}"
        url = f"{self.origin}/{post}"
        head = ""
        if m.forwarded is not None:
            title, link = m.forwarded
            origin = (f'<a class="tgme_widget_message_forwarded_from_name" href="{link}">'
                      f'<span dir="auto">{escape(title)}</span></a>' if link else
                      '<span class="tgme_widget_message_forwarded_from_name">Budi Santoso</span>')
            head += (f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded '
                     f"from {origin}</div>")
        if m.reply_to is not None:
            head += (f'<a class="tgme_widget_message_reply" href="https://t.me/{name}/'
                     f'{m.reply_to}"><div class="tgme_widget_message_author accent_color"><span '
                     f'class="tgme_widget_message_author_name" dir="auto">'
                     f'{escape(self.model.title)}</span></div><div class="tgme_widget_message_'
                     f'text js-message_reply_text" dir="auto">Kabar ke-{m.reply_to} dari …'
                     "</div></a>")
        for photo in m.photos:
            head += (f'<a class="tgme_widget_message_photo_wrap 5372 1" href="{url}?single" '
                     f"style=\"width:800px;background-image:url('{photo}')\"><div class="
                     f'"tgme_widget_message_photo" style="padding-top:75%"></div></a>')
        text = "<br/>".join(
            escape(line) if isinstance(line, str) else
            f'{escape(line[0])}<a href="{line[1]}" target="_blank">{escape(line[1])}</a>'
            for line in m.lines)
        text = text.replace("Palangka Raya", "<b>Palangka Raya</b>", 1)
        edited = "edited " if m.edited else ""
        return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap">
<div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{post}"
 data-view="eyJjIjotMTAwMTIz"><div class="tgme_widget_message_user"><a href="https://t.me/{name}">
<i class="tgme_widget_message_user_photo bgcolor3" data-content="I"></i></a></div>
<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>
<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
 href="https://t.me/{name}"><span dir="auto">{escape(self.model.title)}</span></a></div>
{head}<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
<div class="tgme_widget_message_footer compact js-message_footer">
<div class="tgme_widget_message_info short js-message_info">
<span class="tgme_widget_message_views">{short_count(m.views)}</span><span
 class="tgme_widget_message_meta">{edited}<a class="tgme_widget_message_date" href="{url}"><time
 datetime="{m.date.isoformat()}" class="time">{m.date:%H:%M}</time></a></span>
</div></div></div></div></div>
"""


def truth(server: TelegramServer) -> set[tuple[Any, ...]]:
    """Every message as the crawl must yield it (see ``telegram_row`` in the tests)."""
    channel = server.model
    rows = set()
    for m in channel.messages:
        native = f"{channel.username}/{m.number}"
        parent = f"{channel.username}/{m.reply_to}" if m.reply_to is not None else None
        shown = short_count(m.views)
        views = round(float(shown.rstrip("K")) * (1000 if shown.endswith("K") else 1))
        forwarded = None
        if m.forwarded is not None:
            title, link = m.forwarded
            forwarded = (title or None, link or None,
                         link.split("t.me/", 1)[1] if link else None)
        links = tuple(line[1] for line in m.lines if not isinstance(line, str))
        rows.add((native, f"{server.origin}/{native}", "message", parent or native, parent,
                  channel.username, channel.username, channel.title, m.date, text_of(m),
                  views, m.edited, forwarded, tuple(m.photos), links, None))
    return rows
