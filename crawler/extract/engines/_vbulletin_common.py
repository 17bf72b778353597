"""What vBulletin 3, 4 and 5 share: BB code markup in post bodies and localized dates.

vBulletin 4 and 5 render BB code with the same classes: ``div.bbcode_quote`` (not a
blockquote) with a ``div.bbcode_postedby`` head linking to the quoted post,
``div.bbcode_description`` ("Code:") over code boxes, and smilies as ``img`` files of
``images/smilies/`` with an empty ``alt``. :func:`vb_body` rewrites a copy of a message into
the form ``extract_body`` reads.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

from crawler.extract.dates import parse_forum_date
from crawler.extract.text import BLOCK_TAGS, BodyParts, extract_body

# The quoted post in a quote head's link: ?p=123, #post123, /node/123 (vB5 short links).
_QUOTED = re.compile(r"(?:[?&;]p=|#post|/node/)(\d+)")
# The default smilie set of vBulletin 3-5, by file name: the code each image stands for.
SMILIE_CODES = {
    "smile": ":)", "frown": ":(", "confused": ":confused:", "mad": ":mad:", "tongue": ":p",
    "wink": ";)", "biggrin": ":D", "redface": ":o", "rolleyes": ":rolleyes:", "cool": ":cool:",
    "eek": ":eek:",
}
_SMILIE_FILE = re.compile(r"/smilies/(?:icon_)?([a-z]+)\.(?:png|gif|svg)", re.I)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})([-./])(\d{1,2})\2(\d{4})\b")
_ISO_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[ ,]+(\d{1,2}):(\d{2})(?:\s*([AaPp][Mm]))?)?")
_DIGITS = re.compile(r"\d[\d.,\s]*")
# Words between a date and its time in edit notes: "18-03-2024 at 11:05", "... pada 11:05".
_AT = re.compile(r"\s+(?:at|pada|um|à|a las|alle|om)\s+", re.I)


def count(text: str | None) -> int | None:
    """The first number in ``text`` ("Balasan: 1.234" -> 1234), or None."""
    match = _DIGITS.search(text or "")
    digits = re.sub(r"\D", "", match.group()) if match else ""
    return int(digits) if digits else None


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split()) if isinstance(el.tag, str) else set()


def _normalize_body(root: Any) -> None:
    """Rewrite vBulletin BB code markup in place into blockquote/cite/smilies form."""
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        classes = _classes(el)
        if el is not root and el.tag == "blockquote" and "postcontent" in classes:
            el.tag = "div"  # vB4 wraps the whole message in blockquote.postcontent
        elif "bbcode_quote" in classes:
            el.tag = "blockquote"
        elif "bbcode_postedby" in classes:
            el.tag = "cite"
            for link in el.iter("a"):
                match = _QUOTED.search(link.get("href") or "")
                if match:
                    link.set("data-post-id", match.group(1))
                    break
        elif classes & {"bbcode_quote_container", "bbcode_description"}:
            el.getparent().remove(el)  # the quote icon and the "Code:" label
        elif el.tag == "img":
            smilie = _SMILIE_FILE.search(el.get("src") or "")
            if smilie:
                code = SMILIE_CODES.get(smilie.group(1).lower()) or el.get("alt") or ""
                el.set("class", "smilies")
                el.set("alt", code)


def _drop_layout_whitespace(root: Any) -> None:
    """Remove whitespace-only text next to block elements (the template's indentation
    around quote boxes), which a browser does not show but would read as blank lines."""
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag == "pre" or any(
                a.tag == "pre" for a in el.iterancestors()):
            continue  # code keeps its indentation
        children = list(el)
        blocks = [isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in children]
        if (el.text and not el.text.strip() and el.tag in BLOCK_TAGS
                and (not children or blocks[0])):
            el.text = None
        for index, child in enumerate(children):
            following = blocks[index + 1] if index + 1 < len(children) else el.tag in BLOCK_TAGS
            if child.tail and not child.tail.strip() and (blocks[index] or following):
                child.tail = None


def vb_body(node: Selector, base_url: str) -> BodyParts:
    """``extract_body`` of a vBulletin message node (``div#post_message_N`` or vB5's
    ``div.js-post__content-text``), with quotes, their post ids and smilies understood."""
    root = node.root
    if not isinstance(root, etree._Element):
        return extract_body(node, base_url)
    clone = copy.deepcopy(root)
    if clone.tag == "blockquote":
        clone.tag = "div"
    _normalize_body(clone)
    _drop_layout_whitespace(clone)
    return extract_body(Selector(root=clone), base_url)


def date_order(texts: list[str], language: str | None) -> str:
    """"DMY" or "MDY" for the numeric dates of one page, ``texts`` being its post dates in
    page order: a day over 12 decides; else the order under which the posts run forwards in
    time over the shorter span (replies come days, not months, apart); else the language
    (vBulletin's default ``m-d-Y`` stays with English boards, other language packs mostly
    use d-m-Y)."""
    found = [(int(a), int(b), int(year))
             for text in texts for a, _, b, year in _NUMERIC_DATE.findall(text)]
    for first, second, _ in found:
        if first > 12 >= second:
            return "DMY"
        if second > 12 >= first:
            return "MDY"
    scores = {}
    for order in ("DMY", "MDY"):
        try:
            days = [date(year, b if order == "DMY" else a, a if order == "DMY" else b).toordinal()
                    for a, b, year in found]
        except ValueError:
            continue
        scores[order] = (sum(x > y for x, y in pairwise(days)),
                         sum(abs(y - x) for x, y in pairwise(days)))
    if len(scores) == 1 or (len(scores) == 2 and scores["DMY"] != scores["MDY"]):
        return min(scores, key=lambda order: scores[order])
    return "MDY" if (language or "en").lower().startswith("en") else "DMY"


def calibrated_order(pairs: list[tuple[datetime, str]]) -> str | None:
    """The order of numeric dates from posts whose exact time is also known (vBulletin 5's
    ``data-node-publishdate``): "MDY", "DMY", or None when no pair tells them apart."""
    for known, text in pairs:
        match = _NUMERIC_DATE.search(text)
        if not match or match.group(1) == match.group(3):
            continue
        first, second = int(match.group(1)), int(match.group(3))
        if (first, second) == (known.month, known.day):
            return "MDY"
        if (first, second) == (known.day, known.month):
            return "DMY"
    return None


def to_iso_dates(text: str, order: str) -> str:
    """Numeric dates ("18-03-2024", "03/18/2024") rewritten as ISO "2024-03-18"."""
    def iso(match: re.Match[str]) -> str:
        first, _, second, year = match.groups()
        day, month = (first, second) if order == "DMY" else (second, first)
        return f"{year}-{int(month):02d}-{int(day):02d}"

    return _NUMERIC_DATE.sub(iso, text)


def parse_vb_date(text: str | None, order: str, language: str | None, tz: str,
                  now: datetime) -> datetime | None:
    """A date as vBulletin shows it ("Hari ini, 10:05", "18-03-2024, 10:05 AM",
    "Yesterday at 09:40", "March 18th, 2024"), in the site's zone."""
    if not text:
        return None
    cleaned = _AT.sub(" ", to_iso_dates(text.replace("\xa0", " "), order))
    cleaned = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", cleaned).strip(" ,.-")
    exact = _ISO_TIME.fullmatch(cleaned)
    if exact:  # the common case, without dateparser's cost
        year, month, day, hour, minute, half = exact.groups()
        clock = int(hour or 0)
        if half:  # 12-hour clock: 12:05 AM is 00:05, 01:05 PM is 13:05
            clock = clock % 12 + (12 if half.upper() == "PM" else 0)
        try:
            return datetime(int(year), int(month), int(day), clock, int(minute or 0),
                            tzinfo=ZoneInfo(tz))
        except (ValueError, KeyError):
            return None
    return parse_forum_date(cleaned, tz=tz, now=now, languages=language)


def edit_date_text(note: str) -> str:
    """The date part of an edit note: "Last edited by budi; 18-03-2024 at 11:05. Reason: x"
    -> "18-03-2024 at 11:05"."""
    text = " ".join(note.split())
    if ";" in text:
        text = text.split(";", 1)[1]
    for marker in ("Reason:", "Alasan:", "Grund:"):
        text = text.split(marker, 1)[0]
    return text.strip(" .")
