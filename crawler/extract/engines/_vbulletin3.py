"""vBulletin 3.x (3.6-3.8 default templates): table layouts with the same URLs as vBulletin 4.

Posts are ``table#postN`` with the date in the first ``td.thead``, the number in
``a#postcountN``, the author in ``div#postmenu_N`` (``a.bigusername``), the message in
``div#post_message_N`` and the edit note as "Last edited by X; DATE" in ``td#td_post_N``.
Quotes are tables (``td.alt2`` with an inset border) under a "Quote:" label; they are
rewritten into blockquote/cite form before ``extract_body``. Thread lists are rows of
``tbody#threadbits_forum_N`` with ``a#thread_title_N`` and "Replies: N, Views: M".
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.extract.engines._vbulletin4_urls import forum_root, member_url, vb_id
from crawler.extract.engines._vbulletin_common import count, edit_date_text, vb_body
from crawler.extract.text import BodyParts
from crawler.items import normalize_text

POSTS = "table[id^='post']"
_POST = re.compile(r"^post(\d+)$")
_QUOTED = re.compile(r"(?:[?&;]p=|#post)(\d+)")


def detect_vb3(sel: Selector) -> str | None:
    """Why a page was made by vBulletin 3, or None."""
    generator = sel.css('meta[name="generator"]::attr(content)').get() or ""
    if generator.lower().startswith("vbulletin 3"):
        return f'meta generator "{generator}"'
    if sel.css("table[id^='post'] div[id^='post_message_']") and sel.css("[id^='postmenu_']"):
        return "table#postN posts with div#post_message_N messages"
    if sel.css("tbody[id^='threadbits_forum_'] a[id^='thread_title_']"):
        return "tbody#threadbits_forum thread list"
    return None


def rewrite_quotes(root: Any) -> None:
    """vB3's quote tables into ``blockquote`` (with a ``cite`` head) and its "Quote:" and
    "Code:" labels removed, in place."""
    for td in list(root.iter("td")):
        if "alt2" not in (td.get("class") or "") or "inset" not in (td.get("style") or ""):
            continue
        table = next((a for a in td.iterancestors("table")), None)
        if table is None:
            continue
        box = table.getparent() if table.getparent() is not None else table
        if box is root:
            box = table
        box.tag = "blockquote"
        for label in box.findall("div"):
            if "smallfont" in (label.get("class") or ""):
                box.remove(label)
        heads = td.findall("div")
        if len(heads) >= 2 and heads[0].find(".//strong") is not None:
            heads[0].tag = "cite"
            for link in heads[0].iter("a"):
                found = _QUOTED.search(link.get("href") or "")
                if found:
                    link.set("data-post-id", found.group(1))
    for pre in list(root.iter("pre")):
        label = pre.getprevious()
        if label is not None and label.tag == "div" and "smallfont" in (label.get("class") or ""):
            label.getparent().remove(label)


def post_parts(node: Selector, native_id: str, root: str) -> dict[str, Any]:
    """What a vB3 post table shows besides its message: date and edit texts, number,
    author, title."""
    head = node.css("td.thead")
    date = normalize_text(" ".join(head[0].xpath(
        ".//text()[not(ancestor::a)]").getall())) if head else ""
    counter = node.css(f"a#postcount{native_id}::attr(name)").get() or normalize_text(
        " ".join(node.css(f"a#postcount{native_id} ::text").getall()))
    menu = node.css(f"#postmenu_{native_id}")
    link = menu.css("a.bigusername, a[href*='member.php']")
    name = normalize_text(" ".join((link or menu).css("::text").getall()))
    member = vb_id(urljoin(root, link.attrib.get("href", "")), "member") if link else None
    notes = [normalize_text(" ".join(em.css("::text").getall()))
             for em in node.css(f"#td_post_{native_id} em, #td_post_{native_id} .smallfont")]
    edit = next((edit_date_text(n) for n in notes if ";" in n and any(c.isdigit() for c in n)),
                None)
    title = normalize_text(" ".join(node.css(
        f"#td_post_{native_id} > div.smallfont strong ::text").getall()))
    return {"date": date, "position": int(counter) if counter.isdigit() else None,
            "name": name or None, "member": member,
            "member_url": member_url(root, member) if member else None,
            "edit": edit, "title": title or None}


def post_ids(sel: Selector) -> list[tuple[Selector, str]]:
    """(post table, post id) of every post of a showthread page, in page order."""
    found = []
    for node in sel.css(POSTS):
        match = _POST.match(node.attrib.get("id", ""))
        if match and node.css(f"#post_message_{match.group(1)}"):
            found.append((node, match.group(1)))
    return found


def thread_title(sel: Selector) -> str | None:
    """The thread title: the navbar's last bold crumb, else the page title."""
    crumb = sel.css("td.navbar strong ::text").getall()
    title = normalize_text(" ".join(crumb)) or normalize_text(sel.css("title::text").get())
    return title or None


def container(sel: Selector) -> str | None:
    """The forum: the last ``span.navbar`` crumb."""
    names = [normalize_text(" ".join(c.css("::text").getall()))
             for c in sel.css("span.navbar a")]
    names = [n for n in names if n]
    return names[-1] if names else None


def thread_rows(sel: Selector) -> list[tuple[str, str | None, str | None, bool, str | None]]:
    """(thread id, title, signature, sticky, title href) of each row of a vB3 thread list."""
    rows = []
    for title in sel.css("tbody[id^='threadbits_forum_'] a[id^='thread_title_']"):
        thread = title.attrib["id"].removeprefix("thread_title_")
        row = title.xpath("ancestor::tr[1]")
        stats = row.css("td[title]:not([id^='td_threadtitle_'])::attr(title)").get() or ""
        replies = count(stats)
        last = _QUOTED.search(" ".join(row.css("a[href*='#post']::attr(href)").getall()))
        cell = " ".join(row.xpath(".//td[starts-with(@id, 'td_threadtitle_')]//text()").getall())
        rows.append((thread, normalize_text(" ".join(title.css("::text").getall())) or None,
                     f"{replies}|{last.group(1) if last else ''}" if replies is not None
                     else None, "sticky" in cell.lower() or bool(row.css("img[src*='sticky']")),
                     title.attrib.get("href")))
    return rows


def board_links(page_url: str, sel: Selector) -> list[str]:
    """Forum links of a vB3 forum list (``td#fN``) as found."""
    root = forum_root(page_url, sel)
    return [urljoin(root, href) for href in sel.css(
        "td[id^='f'] a[href*='forumdisplay']::attr(href), "
        "tbody[id^='collapseobj_forumbit_'] a[href*='forumdisplay']::attr(href)").getall()]


def vb3_body(node: Selector, base_url: str) -> BodyParts:
    """``vb_body`` of a vB3 ``div#post_message_N``, its quote tables rewritten first."""
    if not isinstance(node.root, etree._Element):
        return vb_body(node, base_url)
    clone = copy.deepcopy(node.root)
    rewrite_quotes(clone)
    return vb_body(Selector(root=clone), base_url)
