"""One Simple Machines Forum post (2.1 ``div#msgN``, 2.0 ``div.windowbg``) as a PostItem."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector, SelectorList

from crawler.extract.dates import parse_forum_date
from crawler.extract.engines.base import ParseContext
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, normalize_text

# Queryless URLs (an SMF option): index.php/topic,5.15.html, index.php/board,3.0.html.
_QUERYLESS = re.compile(r"/(topic|board|msg),([^/?#]+?)(?:\.html)?/?$")
# "Balasan #3" in a post head before any colon (the first post of a thread has no number).
_COUNTER = re.compile(r"^[^:#]*#\s*(\d+)")
# "« Balasan #1 pada: " or "Terakhir Diubah: " before a date.
_LABEL = re.compile(r"^[^\d:]*?(?:#\s*\d+)?[^\d:]*:\s+")
_BY = re.compile(r"\s(?:oleh|by|von|par|door|por|da|przez)\s", re.IGNORECASE)
_GUILLEMETS = str.maketrans("", "", "\u00ab\u00bb")
_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::(?P<second>\d\d))?\s*(?P<half>[AaPp][Mm])?"
_DAY_FIRST = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>[^\W\d]+\.?)\s+(?P<year>\d{4}),?\s+"
                        + _CLOCK)
_MONTH_FIRST = re.compile(r"(?P<month>[^\W\d]+\.?)\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4}),?\s+"
                          + _CLOCK)
_RELATIVE = re.compile(r"(hari ini|kemarin|today|yesterday)\s+(?:pukul|at)\s+"
                       r"(\d{1,2}):(\d\d)(?::(\d\d))?\s*([AaPp][Mm])?", re.IGNORECASE)
# English and Indonesian month names and abbreviations (others go to dateparser).
_MONTHS = {name: number for number, names in enumerate((
    ("january", "januari", "jan"), ("february", "februari", "feb"), ("march", "maret", "mar"),
    ("april", "apr"), ("may", "mei"), ("june", "juni", "jun"), ("july", "juli", "jul"),
    ("august", "agustus", "aug", "agu", "agt"), ("september", "sep", "sept"),
    ("october", "oktober", "oct", "okt"), ("november", "nov"),
    ("december", "desember", "dec", "des")), start=1) for name in names}


def params(url: str) -> dict[str, str]:
    """Query parameters split on ``&`` and ``;`` (SMF writes both), session id dropped."""
    parts = urlsplit(url.replace("&amp;", "&"))
    out: dict[str, str] = {}
    for piece in re.split(r"[&;]", parts.query):
        key, _, value = piece.partition("=")
        if key and key.lower() != "phpsessid":
            out.setdefault(key, unquote(value))
    queryless = _QUERYLESS.search(parts.path)
    if queryless:
        out.setdefault(queryless.group(1), queryless.group(2))
    return out


def route(url: str) -> tuple[str, str | None, str]:
    """(kind, id, start) of an SMF URL; kind is thread, post, board, user, index or other."""
    found = params(url)
    if found.get("action") == "profile" and found.get("u", "").isdigit():
        return "user", found["u"], ""
    if "action" in found:
        return "other", None, ""
    if "topic" in found:
        topic, _, start = found["topic"].partition(".")
        return ("thread", topic, start or "0") if topic.isdigit() else ("other", None, "")
    if found.get("msg", "").isdigit():
        return "post", found["msg"], ""
    if "board" in found:
        board, _, start = found["board"].partition(".")
        return ("board", board, start or "0") if board.isdigit() else ("other", None, "")
    return "index", None, "0"


def smf_url(base: str, **query: str) -> str:
    """``index.php?key=value`` beside ``base``, canonical (``&``-separated, no session)."""
    joined = "&".join(f"{k}={v}" for k, v in query.items())
    return canonicalize_url(urljoin(base, f"index.php?{joined}"))


def _text(node: Selector | SelectorList[Selector]) -> str:
    return normalize_text(" ".join(node.css("::text").getall()))


def _exact(text: str, context: ParseContext) -> datetime | None:
    """SMF's default formats without dateparser: "18 Maret 2024, 10:05:00",
    "March 18, 2024, 10:05:00 AM", "Hari ini pukul 10:05:00" (English or Indonesian)."""
    relative = _RELATIVE.fullmatch(text)
    if relative:
        day = context.current().date() - timedelta(
            days=0 if relative.group(1).lower() in ("hari ini", "today") else 1)
        year, month, number, clock = day.year, day.month, day.day, relative.groups()[1:]
    else:
        match = _DAY_FIRST.fullmatch(text) or _MONTH_FIRST.fullmatch(text)
        if match is None:
            return None
        parts = match.groupdict()
        month = _MONTHS.get(parts["month"].lower().rstrip("."), 0)
        year, number = int(parts["year"]), int(parts["day"])
        clock = (parts["hour"], parts["minute"], parts["second"], parts["half"])
    hour, minute, second, half = clock
    hour_24 = int(hour) % 12 + (12 if half and half.upper() == "PM" else 0) if half else int(hour)
    try:
        return datetime(year, month, number, hour_24, int(minute), int(second or 0),
                        tzinfo=ZoneInfo(context.timezone))
    except (ValueError, KeyError):
        return None


def shown_date(text: str, language: str | None, context: ParseContext) -> datetime | None:
    """A post head's date ("« Balasan #1 pada: Hari ini pukul 10:05:00 »") as a datetime."""
    text = _LABEL.sub("", normalize_text(text.translate(_GUILLEMETS)))
    return _exact(text, context) or parse_forum_date(
        text, tz=context.timezone, now=context.current(), languages=language)


def _edited_at(node: SelectorList[Selector], language: str | None,
               context: ParseContext) -> datetime | None:
    """"Terakhir Diubah: 18 Maret 2024, 11:05:00 oleh budi" (``.modified``), if shown."""
    text = _LABEL.sub("", _text(node).translate(_GUILLEMETS).strip())
    if not text:
        return None
    cut = _BY.search(text)  # the editor's name follows the first "oleh"/"by"
    return shown_date(text[:cut.start()] if cut else text, language, context)


def _author(wrapper: Selector, base: str) -> tuple[str | None, str | None, str | None]:
    """(name, member id, profile URL) from ``div.poster h4``; guests: the name only."""
    head = wrapper.css("div.poster h4")
    for link in head.css("a[href]"):
        kind, member, _ = route(urljoin(base, link.attrib["href"]))
        if kind == "user" and member:
            return _text(link) or None, member, smf_url(base, action="profile", u=member)
    return _text(head) or None, None, None


def _drop(el: Any) -> None:
    """Remove an element but keep the text that follows it."""
    parent, previous = el.getparent(), el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _prepared(inner: Selector) -> Selector:
    """A copy of the body: SMF 2.0's quote headers moved into their quotes as ``cite``,
    code box headers ("Kode: [Pilih]") removed."""
    root = copy.deepcopy(inner.root)
    root.tail = None
    for header in root.xpath('.//div[contains(@class, "quoteheader")]'):
        quote = header.getnext()
        if quote is not None and quote.tag == "blockquote":
            cite = etree.Element("cite")
            for child in header.iter("a"):
                cite.append(copy.deepcopy(child))
                break
            else:
                cite.text = "".join(header.itertext())
            quote.insert(0, cite)
        _drop(header)
    for extra in root.xpath('.//div[contains(@class, "quotefooter") or '
                            'contains(@class, "codeheader")]'):
        _drop(extra)
    return Selector(root=root)


def _attachments(wrapper: Selector, base: str) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    box = wrapper.css("div.attachments")
    for img in box.css("img[src]"):
        media.append({"type": "image", "url": urljoin(base, img.attrib["src"])})
    for link in box.css('a[href*="dlattach"]'):
        if not link.css("img"):
            media.append({"type": "attachment", "url": urljoin(base, link.attrib["href"]),
                          "name": _text(link)})
    return media


def parse_post(inner: Selector, base: str, language: str | None,
               context: ParseContext) -> PostItem | None:
    """The post whose body is ``div.inner#msg_N``."""
    native_id = (inner.attrib.get("id") or "").removeprefix("msg_")
    wrappers = inner.xpath('ancestor::div[contains(concat(" ", normalize-space(@class), " "), '
                           '" post_wrapper ")][1]')
    if not native_id.isdigit() or not wrappers:
        return None
    wrapper = wrappers[0]
    keyinfo = wrapper.css("div.keyinfo")
    stamp = keyinfo.css(".postinfo a.smalltext, h5 a.smalltext") or keyinfo.css("div.smalltext")
    # 2.1: "#3" beside the date; 2.0: "« Balasan #3 pada: DATE »".
    counter = _COUNTER.match(_text(keyinfo.css("span.page_number")) or _text(stamp[:1]))
    author_name, author_id, author_url = _author(wrapper, base)
    body = extract_body(_prepared(inner), base)
    subject = _text(keyinfo.css(".subject_title a, h5[id^='subject_'] a"))
    return PostItem(
        native_id=native_id, url=smf_url(base, msg=native_id), body_text=body.own_text,
        position=int(counter.group(1)) + 1 if counter else None,
        author_name=author_name, author_id=author_id, author_url=author_url,
        published_at=shown_date(_text(stamp[:1]), language, context) if stamp else None,
        edited_at=_edited_at(wrapper.css(".modified"), language, context),
        title=subject or None,
        quoted_native_ids=body.quoted_ids, quoted_text=body.quoted_texts,
        links=body.links, media=body.media + _attachments(wrapper, base),
        raw=(parent[0] if (parent := wrapper.xpath("..")) else wrapper).get(),
    )
