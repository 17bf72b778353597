"""One MyBB 1.8 post (``div.post#post_N``, postbit and postbit_classic) as a PostItem."""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.engines._mybb_dates import edit_date, element_date
from crawler.extract.engines.base import ParseContext
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import PostItem, normalize_text

# SEO URLs (``seourls`` on): thread-5.html, thread-5-page-2.html, thread-5-post-12.html,
# forum-3-page-2.html, user-7.html, post-12.html.
_SEO = re.compile(r"(?:^|/)(thread|forum|post|user)-(\d+)(?:-(page|post)-(\d+))?(?:-[a-z]+)?"
                  r"\.html$")
_DIGITS = re.compile(r"\d[\d.,\s]*")
# The smilies a MyBB 1.8 installation ships, by image: the code their ``alt`` (a name) hides.
_SMILIES = {
    "smile": ":)", "wink": ";)", "cool": ":cool:", "biggrin": ":D", "tongue": ":P",
    "rolleyes": ":rolleyes:", "shy": ":shy:", "sad": ":(", "at": ":at:", "angel": ":angel:",
    "angry": ":@", "blush": ":blush:", "confused": ":s", "dodgy": ":dodgy:",
    "exclamation": ":exclamation:", "heart": ":heart:", "huh": ":huh:", "idea": ":idea:",
    "sleepy": ":sleepy:", "undecided": ":-/",
}


def route(url: str) -> tuple[str, str | None, int]:
    """(kind, id, page) of a MyBB URL; kind is thread, post, forum, user, index or other."""
    path = urlsplit(url).path
    seo = _SEO.search(path)
    if seo:
        kind, number = seo.group(1), seo.group(2)
        if kind == "thread" and seo.group(3) == "post":
            return "post", seo.group(4), 1
        return kind, number, int(seo.group(4) or 1) if seo.group(3) == "page" else 1
    script = path.rsplit("/", 1)[-1]
    page = query_param(url, "page") or "1"
    number = int(page) if page.isdigit() else 1
    if script == "showthread.php":
        tid, pid = query_param(url, "tid"), query_param(url, "pid")
        return ("thread", tid, number) if tid or not pid else ("post", pid, 1)
    if script == "forumdisplay.php":
        return "forum", query_param(url, "fid"), number
    if script == "member.php" and query_param(url, "action") == "profile":
        return "user", query_param(url, "uid"), 1
    if script in ("", "index.php"):
        return "index", None, 1
    return "other", None, 1


def count(text: str | None) -> int | None:
    """The first number in ``text`` ("1,234" -> 1234), or None."""
    match = _DIGITS.search(text or "")
    return int(re.sub(r"\D", "", match.group())) if match else None


def _author(node: Selector, base: str) -> tuple[str | None, str | None, str | None]:
    """(name, user id, profile URL); guests and deleted members: the name only."""
    box = node.css(".author_information .largetext, .post_author .largetext, "
                   ".deleted_post_author .largetext")
    for link in box.css("a[href]"):
        href = link.attrib.get("href", "")
        kind, user_id, _ = route(urljoin(base, href))
        if kind == "user" and user_id:
            name = normalize_text(" ".join(link.css("::text").getall()))
            url = canonicalize_url(urljoin(base, f"member.php?action=profile&uid={user_id}"))
            return name or None, user_id, url
    name = normalize_text(" ".join(box[:1].css("::text").getall())) if box else ""
    rewritten = box[:1].css("a[href]::attr(href)").get()
    if rewritten:  # a profile URL without the id (Google SEO: "User-budi")
        return name or None, _member_id(node), canonicalize_url(urljoin(base, rewritten))
    return name or None, None, None


def _member_id(node: Selector) -> str | None:
    """The author's uid from the post's member links (find posts, PM, e-mail, reputation)."""
    for href in node.css('.post_author a[href*="uid="]::attr(href), '
                         '.post_controls a[href*="uid="]::attr(href)').getall():
        script = urlsplit(href).path.rsplit("/", 1)[-1]
        uid = query_param(href, "uid")
        if script in ("search.php", "private.php", "reputation.php", "member.php") and uid:
            return uid if uid.isdigit() else None
    return None


def _prepared(body: Selector) -> Selector:
    """A copy of ``div.post_body`` with smilies as their codes and code box titles removed."""
    root = copy.deepcopy(body.root)
    root.tail = None
    for img in root.iter("img"):
        if "smilie" in (img.get("class") or "").split():
            stem = (img.get("src") or "").rsplit("/", 1)[-1].rsplit(".", 1)[0]
            img.set("alt", _SMILIES.get(stem, img.get("alt") or ""))
    for title in root.xpath('.//div[contains(@class, "codeblock")]/div[@class="title"]'):
        title.getparent().remove(title)  # its tail is whitespace before the code
    return Selector(root=root)


def _attachments(node: Selector, base: str) -> list[dict[str, Any]]:
    """Attached images and files (the ``fieldset`` under the message)."""
    media: list[dict[str, Any]] = []
    box = node.css("div.post_content fieldset")
    for img in box.css("img.attachment"):
        media.append({"type": "image", "url": urljoin(base, img.attrib.get("src", ""))})
    for link in box.css('a[href*="attachment.php"]'):
        if not link.css("img"):
            name = normalize_text(" ".join(link.css("::text").getall()))
            media.append({"type": "attachment", "url": urljoin(base, link.attrib["href"]),
                          "name": name})
    return media


def parse_post(node: Selector, base: str, order: str, language: str | None,
               context: ParseContext) -> PostItem | None:
    """The post in ``div.post#post_N``; None for a collapsed (deleted or ignored) post."""
    native_id = (node.attrib.get("id") or "").removeprefix("post_")
    body_node = node.css("div.post_body")
    if not native_id.isdigit() or not body_node:
        return None
    author_name, author_id, author_url = _author(node, base)
    number = node.css('div.post_head a[href*="pid"]')
    body = extract_body(_prepared(body_node[0]), base)
    subject = normalize_text(number[0].attrib.get("title")) if number else ""
    return PostItem(
        native_id=native_id,
        url=canonicalize_url(urljoin(base, f"showthread.php?pid={native_id}")),
        body_text=body.own_text,
        position=count(" ".join(number[0].css("::text").getall())) if number else None,
        author_name=author_name, author_id=author_id, author_url=author_url,
        published_at=element_date(node.css("div.post_head span.post_date"), order, language,
                                  context),
        edited_at=edit_date(node.css("span.edited_post"), order, language, context),
        title=subject or None,
        quoted_native_ids=body.quoted_ids,
        quoted_text=body.quoted_texts,
        links=body.links,
        media=body.media + _attachments(node, base),
        raw=node.get(),
    )
