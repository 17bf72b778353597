"""Simple Machines Forum 2.1 and 2.0 (default themes): index.php -> ?board=N.0 -> ?topic=N.0."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from crawler.extract.engines._smf_post import params, parse_post, route, smf_url
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, UnparsablePage, normalize_text

_DIGITS = re.compile(r"\d[\d.,\s]*")
_MSG = re.compile(r"msg(\d+)")
# Post bodies: ``div.inner#msg_N`` (2.0 and 2.1), not ``#msg_N_quick_mod`` and the like.
_BODIES = ('//div[contains(concat(" ", normalize-space(@class), " "), " inner ")]'
           '[starts-with(@id, "msg_")]')
_CRUMBS = ".navigate_section a[href]"


def _count(text: str | None) -> int | None:
    match = _DIGITS.search(text or "")
    return int(re.sub(r"\D", "", match.group())) if match else None


def thread_url(base: str, topic: str) -> str:
    """A topic's first page: ``index.php?topic=N.0``."""
    return smf_url(base, topic=f"{topic}.0")


def _text(node: Selector | SelectorList[Selector]) -> str:
    return normalize_text(" ".join(node.css("::text").getall()))


class Smf(Engine):
    """SMF 2.0-2.1. Topic lists show replies and a link to the last post: the signature."""

    name = "smf"

    def detect(self, page: Page) -> str | None:
        sel = page.selector
        if sel.xpath('//script[contains(., "smf_scripturl")]'):
            return "script var smf_scripturl"
        if sel.xpath('//a[contains(@href, "simplemachines.org")]') and sel.xpath(
                '//a[starts-with(normalize-space(), "SMF ")]'):
            return 'footer credit "SMF ... Simple Machines"'
        if sel.css("#forumposts").xpath(_BODIES):
            return "post markup (#forumposts div.inner#msg_N)"
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        kind, current, _ = route(page.url)
        language = sel.xpath("/html/@lang").get() or sel.xpath("/html/@xml:lang").get()
        if sel.css("#forumposts") or kind in ("thread", "post"):
            posts = [post for inner in sel.xpath(_BODIES)
                     if (post := parse_post(inner, page.url, language, context))]
            if not posts:
                raise UnparsablePage(f"no SMF posts on topic page {page.url}")
            _number_first(posts, page.url, sel)
            return PageResult(kind="thread", posts=posts, thread=_thread_info(page.url, sel),
                              next_url=_next_page(page.url, sel))
        rows = sel.css("#topic_container > div") or sel.css("#messageindex table tbody tr")
        threads = [link for row in rows if (link := _thread_link(page.url, row))]
        container = _board_name(page.url, sel, current) if kind == "board" else None
        for link in threads:
            link.container = container
        page_kind = "board" if threads or kind == "board" else (
            "index" if kind == "index" else "other")
        return PageResult(kind=page_kind, boards=_boards(page.url, sel, current),
                          threads=threads, next_url=_next_page(page.url, sel))


def _number_first(posts: list[PostItem], base: str, sel: Selector) -> None:
    """The first message of a topic shows no number ("#0"): position 1 where it is."""
    if posts[0].position is not None:
        return
    if len(posts) > 1 and posts[1].position:
        posts[0].position = posts[1].position - 1
        return
    canonical = sel.css('link[rel="canonical"]::attr(href)').get()
    kind, _, start = route(urljoin(base, canonical) if canonical else base)
    if kind == "thread" and start == "0":
        posts[0].position = 1


def _thread_link(base: str, row: Selector) -> ThreadLink | None:
    """A topic of MessageIndex: subject link, replies, the last post's id."""
    for anchor in row.css('span[id^="msg"] a[href]'):
        kind, topic, _ = route(urljoin(base, anchor.attrib["href"]))
        if kind != "thread" or not topic:
            continue
        replies = _count(_text(row.css("div.board_stats, td.stats")))
        last = _MSG.search(" ".join(row.css("div.lastpost a::attr(href), "
                                            "td.lastpost a::attr(href)").getall()))
        classes = " ".join([row.attrib.get("class", ""), *row.css("td::attr(class)").getall()])
        signature = None
        if replies is not None:
            signature = f"{replies}|{last.group(1) if last else ''}"
        return ThreadLink(url=thread_url(base, topic), native_id=topic,
                          title=_text(anchor) or None, signature=signature,
                          sticky="sticky" in classes)
    return None


def _boards(base: str, sel: Selector, current: str | None) -> list[str]:
    """Boards and child boards listed on the page (not the linktree, paging or sorting)."""
    found: list[str] = []
    for href in sel.xpath('//a[@href][not(ancestor::*[contains(@class, "navigate_section") or '
                          'contains(@class, "pagelinks") or contains(@class, "pagesection")])]'
                          "/@href").getall():
        query = params(urljoin(base, href.strip()))
        kind, board, start = route(urljoin(base, href.strip()))
        if kind != "board" or board == current or start != "0" or set(query) != {"board"}:
            continue
        url = smf_url(base, board=f"{board}.0")
        if url not in found:
            found.append(url)
    return found


def _board_name(base: str, sel: Selector, board: str | None) -> str | None:
    """The board a page belongs to: its linktree link (the last board link)."""
    names = [(route(urljoin(base, a.attrib["href"]))[1], _text(a)) for a in sel.css(_CRUMBS)
             if route(urljoin(base, a.attrib["href"]))[0] == "board"]
    for found, name in reversed(names):
        if board is None or found == board:
            return name or None
    return None


def _thread_info(base: str, sel: Selector) -> ThreadInfo:
    """The topic: id from the URL, canonical link or linktree; subject; board."""
    kind, topic, _ = route(base)
    if kind != "thread":
        topic = None
        links = [*sel.css('link[rel="canonical"]::attr(href)').getall(),
                 *sel.css(f"{_CRUMBS}::attr(href)").getall()[::-1]]
        for href in links:
            found_kind, found, _ = route(urljoin(base, href))
            if found_kind == "thread":
                topic = found
                break
    # The linktree ends with the topic's subject (2.0 titles #top_subject "Topik: X (Dibaca
    # N kali)"); 2.1's #top_subject is the bare subject.
    crumbs = sel.css(_CRUMBS)
    last = crumbs[-1] if crumbs else None
    title = ""
    if last is not None and route(urljoin(base, last.attrib["href"]))[:2] == ("thread", topic):
        title = _text(last)
    title = title or _text(sel.css("#top_subject"))
    return ThreadInfo(native_id=topic, title=title or None,
                      container=_board_name(base, sel, None),
                      url=thread_url(base, topic) if topic else None)


def _page_url(base: str, href: str) -> str:
    """A list or topic page as ``index.php?board=N.S`` / ``index.php?topic=N.S``."""
    url = urljoin(base, href.strip())
    kind, ident, start = route(url)
    if kind in ("thread", "board") and ident:
        return smf_url(base, **{"topic" if kind == "thread" else "board": f"{ident}.{start}"})
    return canonicalize_url(url)


def _start(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _next_page(base: str, sel: Selector) -> str | None:
    """The next page of this board or topic: ``<link rel="next">`` or the next-page arrow
    (2.1) when they lead to a later page of the same list (on a topic's last page SMF's
    rel=next names the next topic), else the nearest later page link (2.0)."""
    kind, ident, start = route(base)
    current = _start(start)
    if kind not in ("thread", "board") or current is None:
        return None
    preferred = [*sel.css('link[rel="next"]::attr(href)').getall(), *sel.xpath(
        '//*[contains(@class, "pagelinks")]//a[.//span[contains(@class, "next_page")]]/@href'
    ).getall()]
    later: list[tuple[int, str]] = []
    for href in [*preferred, *sel.css(".pagelinks a::attr(href)").getall()]:
        found_kind, found, found_start = route(urljoin(base, href.strip()))
        number = _start(found_start)
        if found_kind == kind and found == ident and number is not None and number > current:
            if href in preferred:
                return _page_url(base, href)
            later.append((number, _page_url(base, href)))
    return min(later)[1] if later else None


ENGINE = Smf()
