"""vBulletin 3/4 URLs in all their forms, and the one form pantau fetches.

A vBulletin 4 board links the same thread as ``showthread.php?t=15``, ``showthread.php?15-Judul``
(basic friendly URLs, the default), ``showthread.php/15-Judul`` (advanced) or ``threads/15-Judul``
(mod_rewrite), with ``/page2`` or ``&page=2`` for later pages and ``s=<session>`` for guests.
Every form is read; pantau always fetches the parameter form (``showthread.php?t=15&page=2``),
which every installation answers whatever its friendly-URL setting, so a thread keeps one URL.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from crawler.extract.urls import canonicalize_url, query_param

# kind -> (script, mod_rewrite directory, id parameter)
_FORMS = {
    "thread": ("showthread.php", "threads", "t"),
    "forum": ("forumdisplay.php", "forums", "f"),
    "member": ("member.php", "members", "u"),
}
_PAGE = re.compile(r"(?:[?&]page=|/page)(\d+)")
_SCRIPT_DIR = re.compile(
    r"^(.*?/)(?:showthread\.php|forumdisplay\.php|member\.php|index\.php|forum\.php"
    r"|threads/|forums/|members/)")


def vb_id(url: str | None, kind: str) -> str | None:
    """The thread, forum or member id a vBulletin 3/4 URL names, in any URL form."""
    if not url:
        return None
    url = url.replace("&amp;", "&")
    script, directory, param = _FORMS[kind]
    value = query_param(url, param)
    if value and value.isdigit():
        return value
    parts = urlsplit(url)
    path = unquote(parts.path)
    if path.endswith("/" + script) or path == script:  # basic: showthread.php?15-Judul
        match = re.match(r"(\d+)(?:[-/&=]|$)", unquote(parts.query))
        return match.group(1) if match else None
    for prefix in (script, directory):  # advanced and mod_rewrite
        match = re.search(rf"(?:^|/){re.escape(prefix)}/(\d+)(?:[-/.]|$)", path)
        if match:
            return match.group(1)
    return None


def page_number(url: str | None) -> int:
    """The page a list or thread URL asks for (1 when it names none)."""
    match = _PAGE.search(unquote((url or "").replace("&amp;", "&")))
    return int(match.group(1)) if match else 1


def forum_root(page_url: str, sel: Selector) -> str:
    """The board's base URL (ending in /): ``<base href>``, the vb_meta_bburl meta, or the
    page URL up to the script or rewrite directory."""
    for href in (sel.css('meta[name="vb_meta_bburl"]::attr(content)').get(),
                 sel.css("base::attr(href)").get()):
        if href and href.startswith(("http://", "https://")):
            return href.rstrip("/") + "/"
    path = urlsplit(page_url)
    match = _SCRIPT_DIR.match(path.path)
    directory = match.group(1) if match else path.path.rsplit("/", 1)[0] + "/"
    return f"{path.scheme}://{path.netloc}{directory}"


def thread_url(root: str, thread_id: str, page: int = 1) -> str:
    """``showthread.php?t=N`` (and ``&page=P`` after the first page), canonical."""
    suffix = f"&page={page}" if page > 1 else ""
    return canonicalize_url(urljoin(root, f"showthread.php?t={thread_id}{suffix}"))


def forum_url(root: str, forum_id: str, page: int = 1) -> str:
    """``forumdisplay.php?f=N`` (and ``&page=P`` after the first page), canonical."""
    suffix = f"&page={page}" if page > 1 else ""
    return canonicalize_url(urljoin(root, f"forumdisplay.php?f={forum_id}{suffix}"))


def member_url(root: str, member_id: str) -> str:
    """``member.php?u=N``, canonical."""
    return canonicalize_url(urljoin(root, f"member.php?u={member_id}"))


def next_page(page_url: str, sel: Selector) -> int | None:
    """The number of the next page of this list or thread, or None on the last page.

    ``a[rel=next]`` in the page navigation; else the "Page 1 of 3" control (both are
    rendered by vBulletin's ``pagenav`` template, in every language)."""
    current = page_number(page_url)
    for href in sel.css('.pagination a[rel="next"]::attr(href), a[rel="next"]::attr(href)'
                        ).getall():
        number = page_number(urljoin(page_url, href))
        if number > current:
            return number
    for label in sel.css(".pagination a.popupctrl::text, .pagination .popupctrl ::text").getall():
        numbers = [int(n) for n in re.findall(r"\d+", label)]
        if len(numbers) >= 2 and numbers[0] < numbers[1]:
            return numbers[0] + 1
    return None
