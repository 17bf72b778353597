"""MyBB 1.8 (default theme and derived): index.php -> forumdisplay.php -> showthread.php."""

from __future__ import annotations

from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.engines._mybb_dates import date_order, element_date
from crawler.extract.engines._mybb_post import count, parse_post, route
from crawler.extract.engines.base import (
    Engine,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.urls import canonicalize_url, query_param
from crawler.items import UnparsablePage, normalize_text

# Links that name the thread on any of its pages (reply, print, send, thread modes), in the
# order they are trusted; similar-thread lists link other threads and are never used.
_THREAD_LINKS = ('a[href*="newreply.php"]::attr(href)', 'a[href*="printthread.php"]::attr(href)',
                 'a[href*="sendthread.php"]::attr(href)', 'a[href*="mode=linear"]::attr(href)')


def _url(base: str, href: str) -> str:
    return canonicalize_url(urljoin(base, href.strip()))


def thread_url(base: str, tid: str) -> str:
    """A thread's first page: ``showthread.php?tid=N`` beside ``base``."""
    return _url(base, f"showthread.php?tid={tid}")


def forum_url(base: str, fid: str) -> str:
    """A forum's first page: ``forumdisplay.php?fid=N`` beside ``base``."""
    return _url(base, f"forumdisplay.php?fid={fid}")


class Mybb(Engine):
    """MyBB 1.8. Thread lists show replies and the last post's time: the signature."""

    name = "mybb"

    def detect(self, page: Page) -> str | None:
        sel = page.selector
        credit = sel.xpath('//a[contains(@href, "mybb.com")][normalize-space() = "MyBB"]')
        if credit and "powered by" in " ".join(
                credit[0].xpath("../text()").getall()).lower():
            return 'footer "Powered By MyBB"'
        if sel.xpath('//script[contains(@src, "jscripts/general.js")]') and sel.xpath(
                '//script[contains(., "my_post_key") or contains(., "MyBB")]'):
            return "MyBB's jscripts/general.js"
        if sel.css('div.post[id^="post_"] div.post_body[id^="pid_"]'):
            return "postbit markup (div.post_body#pid_N)"
        if sel.css('tr.inline_row a[href^="javascript:MyBB.whoPosted"]'):
            return "thread list (MyBB.whoPosted)"
        return None

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        sel = page.selector
        kind, _, _ = route(page.url)
        order = date_order(sel, context)
        language = sel.xpath("/html/@lang").get() or sel.xpath("/html/@xml:lang").get()
        if sel.css("div.post_body") or kind in ("thread", "post"):
            posts = [post for node in sel.css('div.post[id^="post_"]')
                     if (post := parse_post(node, page.url, order, language, context))]
            if not posts:
                raise UnparsablePage(f"no MyBB posts on thread page {page.url}")
            return PageResult(kind="thread", posts=posts, thread=_thread_info(page.url, sel),
                              next_url=_next_page(page.url, sel))
        container = _active_crumb(sel) if kind == "forum" else None
        threads = [link for row in sel.css("tr.inline_row")
                   if (link := _thread_link(page.url, row, order, language, context))]
        for link in threads:
            link.container = container
        page_kind = "board" if threads or kind == "forum" else (
            "index" if kind == "index" else "other")
        return PageResult(kind=page_kind, boards=_boards(page.url, sel), threads=threads,
                          next_url=_next_page(page.url, sel))


def _thread_link(base: str, row: Selector, order: str, language: str | None,
                 context: ParseContext) -> ThreadLink | None:
    """A ``tr.inline_row`` of forumdisplay: subject, replies and the last post's time."""
    subject = row.css('span[id^="tid_"]')
    anchor = subject.css("a[href]")
    if not anchor:
        return None
    kind, tid, _ = route(urljoin(base, anchor[0].attrib["href"]))
    if kind != "thread" or not tid:
        tid = (subject[0].attrib.get("id") or "").removeprefix("tid_")
    if not tid.isdigit():
        return None
    replies = count(row.xpath('.//a[starts-with(@href, "javascript:MyBB.whoPosted")]'
                              "//text()").get())
    last = element_date(row.css("span.lastpost"), order, language, context)
    classes = " ".join(row.css("td::attr(class)").getall())
    return ThreadLink(
        url=thread_url(base, tid), native_id=tid,
        title=normalize_text(" ".join(anchor[0].css("::text").getall())) or None,
        signature=f"{replies}|{last.isoformat() if last else ''}" if replies is not None else None,
        sticky="forumdisplay_sticky" in classes,
    )


def _boards(base: str, sel: Selector) -> list[str]:
    """Forums and categories listed on the page (not breadcrumbs, paging or sort links)."""
    _, current, _ = route(base)
    found: list[str] = []
    for href in sel.xpath('//a[@href][not(ancestor::*[contains(@class, "navigation") or '
                          'contains(@class, "pagination")])]/@href').getall():
        url = urljoin(base, href.strip())
        kind, fid, page = route(url)
        extra = "?" in url and set(url.split("?", 1)[1].split("&")) - {f"fid={fid}"}
        if kind != "forum" or not fid or fid == current or page != 1 or extra:
            continue
        target = forum_url(base, fid)
        if target not in found:
            found.append(target)
    # Forum rows by markup (``mark_read_N``), whatever their URLs look like (Google SEO).
    for marker in sel.css('[id^="mark_read_"]'):
        marked = (marker.attrib.get("id") or "").removeprefix("mark_read_")
        row_link = (marker.xpath("following-sibling::a[1]/@href").get()
                    or marker.xpath("ancestor::tr[1]//strong/a/@href").get())
        if not marked.isdigit() or marked == current or not row_link:
            continue
        kind, linked, _ = route(urljoin(base, row_link))
        target = (forum_url(base, marked) if kind == "forum" and linked == marked
                  else _url(base, row_link))
        if target not in found:
            found.append(target)
    return found


def _active_crumb(sel: Selector) -> str | None:
    """The page's own breadcrumb: the forum on forumdisplay, the thread on showthread."""
    return normalize_text(" ".join(sel.css(".navigation .active ::text").getall())) or None


def _thread_info(base: str, sel: Selector) -> ThreadInfo:
    """The thread: id from the URL or its own links, title and forum from the breadcrumbs."""
    kind, tid, _ = route(base)
    if kind != "thread" or not tid:
        tid = None
        hrefs = [*sel.css('link[rel="canonical"]::attr(href)').getall(),
                 *[h for css in _THREAD_LINKS for h in sel.css(css).getall()]]
        for href in hrefs:
            url = urljoin(base, href.strip())
            found_kind, found, _ = route(url)
            candidate = found if found_kind == "thread" else query_param(url, "tid")
            if candidate and candidate.isdigit():
                tid = candidate
                break
        else:  # the "search this thread" form and quick reply carry it too
            value = sel.css('input[name="tid"]::attr(value)').get() or ""
            tid = value if value.isdigit() else None
    links = sel.css(".navigation a[href]")
    forums = [a for a in links if route(urljoin(base, a.attrib["href"]))[0] == "forum"]
    if not forums and len(links) > 1:  # rewritten forum URLs: the crumb before the thread
        forums = links[-1:]
    container = normalize_text(" ".join(forums[-1].css("::text").getall())) if forums else ""
    title = _active_crumb(sel) or normalize_text(
        " ".join(sel.css("td.thead strong ::text").getall()))
    return ThreadInfo(native_id=tid, title=title or None, container=container or None,
                      url=thread_url(base, tid) if tid else None)


def _next_page(base: str, sel: Selector) -> str | None:
    """The next page of this forum or thread: ``a.pagination_next``, else the nearest later
    page linked from ``div.pagination``."""
    href = sel.css("div.pagination a.pagination_next::attr(href)").get()
    if href:
        return _url(base, href)
    kind, ident, page = route(base)
    shown = count(sel.css("div.pagination .pagination_current::text").get())
    page = shown or page  # showthread.php?pid=N is on a page its URL does not name
    later: list[tuple[int, str]] = []
    for link in sel.css("div.pagination a::attr(href)").getall():
        url = urljoin(base, link.strip())
        found_kind, found, number = route(url)
        if found_kind == kind and found == ident and number > page:
            later.append((number, _url(base, link)))
    return min(later)[1] if later else None


ENGINE = Mybb()
