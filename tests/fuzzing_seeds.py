"""Real pages of every engine's fixture site, and hostile mutations of them (hypothesis).

Generated documents rarely look enough like a forum to reach a parser's post extraction;
mutated real pages do. ``seed_pages`` walks each fixture site of tests/sites in-process
(``SiteServer.respond``, no socket traffic) the way the forum spider would - start URL, first
board, first thread, its next page - and keeps the pages. ``mutated_pages`` then cuts,
splices and poisons them: attribute values and texts replaced by hostile values, slices
deleted or repeated, JSON values swapped for wrong types.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from hypothesis import strategies as st

from crawler.demosite import DemoForumServer, SiteServer, build_forum
from crawler.extract.engines import Engine, Page, ParseContext, engine_named
from crawler.extract.engines.selectors import SelectorEngine
from crawler.items import UnparsablePage
from tests import fuzzing
from tests.sites.custom import SELECTORS, CustomForumServer
from tests.sites.discourse import DiscourseServer
from tests.sites.flarum import FlarumServer, build_flarum_forum
from tests.sites.invision import InvisionServer
from tests.sites.mybb import MybbServer
from tests.sites.smf import SmfServer
from tests.sites.vbulletin4 import Vbulletin4Server
from tests.sites.vbulletin5 import Vbulletin5Server
from tests.sites.wordpress import WordPressServer
from tests.sites.xenforo import XenForoServer

# engine -> (fixture site, path of the start URL below its base URL); "selectors" is the
# no-code adapter with tests/sites/custom.py's selectors
_forum = functools.cache(build_forum)  # one generated forum for all sites (they only read it)
SITES: dict[str, tuple[Callable[[], SiteServer], str]] = {
    "phpbb": (lambda: DemoForumServer(_forum()), ""),
    "xenforo": (lambda: XenForoServer(_forum()), ""),
    "vbulletin4": (lambda: Vbulletin4Server(_forum()), ""),
    "vbulletin": (lambda: Vbulletin5Server(_forum()), "forum"),
    "vbulletin5": (lambda: Vbulletin5Server(_forum()), "forum"),
    "mybb": (lambda: MybbServer(_forum()), ""),
    "smf": (lambda: SmfServer(_forum()), ""),
    "invision": (lambda: InvisionServer(_forum()), "forums/"),
    "discourse": (lambda: DiscourseServer(_forum()), ""),
    "flarum": (lambda: FlarumServer(build_flarum_forum()), ""),
    "wordpress": (lambda: WordPressServer(_forum()), ""),
    "selectors": (lambda: CustomForumServer(_forum()), ""),
}
PAGES_PER_SITE = 8
_ATTRIBUTE = re.compile(r'="([^"<>]{0,200})"')
_TEXT = re.compile(r">([^<>]{1,200})<")


def adapter(engine: str) -> Engine:
    """The engine adapter called ``engine`` ("selectors": the custom site's no-code one)."""
    return SelectorEngine.from_config(SELECTORS) if engine == "selectors" else \
        engine_named(engine)


@functools.cache
def seed_pages(engine: str) -> tuple[tuple[str, str], ...]:
    """(URL, text) of up to PAGES_PER_SITE pages of the engine's fixture site."""
    factory, path = SITES[engine]
    parser = adapter(engine)
    pages: list[tuple[str, str]] = []
    with factory() as server:
        queue, seen = [parser.start_url(server.url + path)], set()
        while queue and len(pages) < PAGES_PER_SITE:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            parts = urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            status, kind, body = server.respond(target, parts.netloc)
            text = body if isinstance(body, str) else body.decode("utf-8", "replace")
            pages.append((url, text))
            try:
                found = parser.parse(Page(url=url, text=text, status=status,
                                          headers={"content-type": kind}), ParseContext())
            except UnparsablePage:
                continue
            queue += [*found.boards[:1], *(t.url for t in found.threads[:1]),
                      *([found.next_url] if found.next_url else [])]
    return tuple(pages)


def _splice(text: str, pattern: re.Pattern[str], index: int, value: str) -> str:
    matches = list(pattern.finditer(text))
    if not matches:
        return text
    match = matches[index % len(matches)]
    return text[:match.start(1)] + value + text[match.end(1):]


@st.composite
def _mutate_markup(draw: st.DrawFn, text: str, engine: str) -> str:
    for _ in range(draw(st.integers(1, 5))):
        size = len(text)
        op = draw(st.sampled_from(("attribute", "text", "cut", "delete", "repeat", "insert")))
        at, to = sorted((draw(st.integers(0, size)), draw(st.integers(0, size))))
        if op == "attribute":
            text = _splice(text, _ATTRIBUTE, draw(st.integers(0, 10**6)),
                           draw(fuzzing.values(engine)).replace('"', "&quot;"))
        elif op == "text":
            text = _splice(text, _TEXT, draw(st.integers(0, 10**6)), draw(fuzzing.values(engine)))
        elif op == "cut":
            text = text[:at]
        elif op == "delete":
            text = text[:at] + text[to:]
        elif op == "repeat":
            text = text[:to] + text[at:to] + text[to:]
        else:
            text = text[:at] + draw(fuzzing.values(engine)) + text[at:]
    return text


def _poison(draw: st.DrawFn, value: Any, engine: str, depth: int = 0) -> Any:
    """``value`` with some of its parts replaced by hostile scalars or wrong types."""
    if depth > 30 or not draw(st.integers(0, 3)):
        return draw(st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20),
                              fuzzing.values(engine), st.just([]), st.just({})))
    if isinstance(value, dict):
        return {k: _poison(draw, v, engine, depth + 1) if draw(st.booleans()) else v
                for k, v in value.items() if draw(st.integers(0, 9))}
    if isinstance(value, list):
        return [_poison(draw, v, engine, depth + 1) if draw(st.booleans()) else v
                for v in value if draw(st.integers(0, 9))]
    return value


@st.composite
def mutated_pages(draw: st.DrawFn, engine: str) -> tuple[str, str]:
    """(URL, text): one of the engine's real pages, mutated."""
    url, text = draw(st.sampled_from(seed_pages(engine)))
    if text.lstrip()[:1] in ("{", "[") and draw(st.booleans()):
        data = json.loads(text)
        if isinstance(data, list):  # a list page: three entries show every shape, faster
            data = data[:3]
        return url, json.dumps(_poison(draw, data, engine))
    return url, draw(_mutate_markup(text, engine))
