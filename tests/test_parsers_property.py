"""Property tests (hypothesis): every parser survives arbitrary and hostile input.

A parser may say a page is unparsable (``UnparsablePage``); it may never raise anything else,
because an exception costs the crawl the whole page. Inputs: documents built from each
engine's own vocabulary (tests/fuzzing.py), and real pages of each engine's fixture site cut,
spliced and poisoned (tests/fuzzing_seeds.py). Examples are derandomized so CI is
reproducible; ``PANTAU_PROPERTY_EXAMPLES=2000`` runs a deeper, random search.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.bounds.posts import EARLIEST, PostBounds
from crawler.extract.dates import parse_forum_date
from crawler.extract.engines import (
    EngineError,
    Page,
    PageResult,
    ParseContext,
    detect_engine,
    engine_names,
)
from crawler.extract.engines.base import PAGE_KINDS
from crawler.extract.engines.selectors import SelectorConfig, SelectorEngine
from crawler.extract.sanitize import splits
from crawler.extract.text import extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem, UnparsablePage
from tests import fuzzing
from tests.fuzzing_seeds import SITES, adapter, mutated_pages

DEEP = int(os.environ.get("PANTAU_PROPERTY_EXAMPLES", "0"))
PROPERTY = settings(
    max_examples=DEEP or 20, deadline=None, database=None, derandomize=not DEEP,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
CONTEXT = ParseContext(timezone="Asia/Jakarta", now=datetime(2024, 6, 1, tzinfo=ZoneInfo("UTC")))
ENGINES = engine_names()


def check_result(result: PageResult) -> None:
    """What a parse returns is usable: known kind, posts, links urllib can split."""
    assert result.kind in PAGE_KINDS
    urls = [*result.boards, *(t.url for t in result.threads), *(p.url for p in result.posts)]
    urls += [result.next_url] if result.next_url else []
    assert all(isinstance(u, str) and splits(u) for u in urls), urls
    assert all(isinstance(p, PostItem) and isinstance(p.native_id, str) for p in result.posts)


def parse(engine: str, url: str, text: str) -> None:
    """Detect and parse one page; only UnparsablePage may escape."""
    parser = adapter(engine)
    page = Page(url=url, text=text)
    parser.detect(page)
    with contextlib.suppress(UnparsablePage):
        check_result(parser.parse(page, CONTEXT))


def test_every_engine_has_a_fixture_site_to_mutate() -> None:
    assert set(ENGINES) <= set(SITES), "add the new engine's fixture site to tests/fuzzing_seeds"


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_survives_generated_documents(engine: str) -> None:
    @PROPERTY
    @given(fuzzing.documents(engine), fuzzing.page_urls(engine))
    def check(text: str, url: str) -> None:
        parse(engine, url, text)

    check()


@pytest.mark.parametrize("engine", [*ENGINES, "selectors"])
def test_engine_survives_mutated_real_pages(engine: str) -> None:
    @settings(PROPERTY, max_examples=DEEP or 30)
    @given(mutated_pages(engine))
    def check(page: tuple[str, str]) -> None:
        parse(engine, *page)

    check()


@PROPERTY
@given(st.binary(max_size=3000), st.one_of(st.none(), st.sampled_from(
    ["text/html", "text/html; charset=utf-8", "text/html; charset=x-unknown",
     "application/json; charset=utf-16", "text/html; charset=iso-8859-1"]), st.text(max_size=40)))
def test_page_from_bytes_decodes_anything(body: bytes, content_type: str | None) -> None:
    page = Page.from_bytes("http://forum.test/", body,
                           {"Content-Type": content_type} if content_type is not None else {})
    assert isinstance(page.text, str)
    assert page.selector is not None
    assert page.data is None or isinstance(page.data, dict | list | str | int | float | bool)
    with contextlib.suppress(EngineError):
        detect_engine(page)


@PROPERTY
@given(fuzzing.html_documents("phpbb"), st.sampled_from(["http://forum.test/t/1", "", "x"]))
def test_extract_body_survives_any_markup(html: str, base: str) -> None:
    for node in Selector(text=html or "<p></p>").css("body, body *")[:20]:
        parts = extract_body(node, base)
        assert isinstance(parts.own_text, str)
        assert all(isinstance(link, str) for link in parts.links)


@settings(PROPERTY, max_examples=DEEP or 12)  # dateparser tries many languages: slow
@given(st.one_of(st.text(max_size=60), st.sampled_from(fuzzing.HOSTILE_DATES)),
       st.sampled_from(["Asia/Jakarta", "UTC", "Pacific/Kiritimati", "No/Such_Zone", ""]),
       st.one_of(st.none(), st.text(max_size=8), st.lists(st.text(max_size=6), max_size=3)))
def test_parse_forum_date_never_raises_nor_returns_the_future(text: str, zone: str,
                                                              languages: Any) -> None:
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    parsed = parse_forum_date(text, tz=zone, now=now, languages=languages)
    assert parsed is None or (parsed.tzinfo is not None and parsed <= now + timedelta(days=1))


@settings(PROPERTY, max_examples=DEEP or 100)
@given(st.one_of(st.text(), fuzzing.urls("phpbb"), st.builds(
    lambda head, tail: head + tail, st.sampled_from(
        ["http://", "https://x.test", "//", "http://[", "http://[::1]:", "http://a:99999",
         "http://x.test/?sid=1&", "http://x.test/index.php?/forums/", "HTTP://X.TEST:80"]),
    st.text(max_size=30))))
def test_canonicalize_url_never_raises_and_gives_a_splittable_url(url: str) -> None:
    assert splits(canonicalize_url(url))


@PROPERTY
@given(st.dictionaries(st.sampled_from(sorted(SelectorConfig.model_fields)),
                       fuzzing.values("selectors"), max_size=8),
       fuzzing.html_documents("selectors"))
def test_selector_adapter_refuses_bad_selectors_cleanly(config: dict[str, str],
                                                        html: str) -> None:
    try:
        engine = SelectorEngine.from_config(config)
    except ValueError:  # pydantic's ValidationError: a config mistake, reported as such
        return
    parse_with(engine, html)


def parse_with(engine: SelectorEngine, html: str) -> None:
    with contextlib.suppress(UnparsablePage):
        check_result(engine.parse(Page(url="http://forum.test/topik/1", text=html), CONTEXT))


_dates = st.one_of(st.none(), st.datetimes(timezones=st.one_of(st.none(), st.timezones())))
_texts = st.builds(lambda head, bad, tail: head + bad + tail, st.text(max_size=15),
                   st.sampled_from(["", "\x00", "\ud800", "\udfff", "a\x00\ud83d", "\x01"]),
                   st.text(max_size=15))


@PROPERTY
@given(st.builds(PostItem, native_id=_texts, url=_texts, body_text=_texts, title=_texts,
                 author_name=_texts, raw=_texts, published_at=_dates, edited_at=_dates,
                 links=st.lists(_texts, max_size=3), quoted_text=st.lists(_texts, max_size=3)))
def test_post_bounds_leave_only_storable_posts(item: PostItem) -> None:
    seen = datetime(2024, 6, 1, tzinfo=UTC)
    checked = PostBounds(1000, "Asia/Jakarta").check(item, seen)
    for value in (checked.native_id, checked.url, checked.body_text, checked.title,
                  checked.author_name, checked.raw, *checked.links, *checked.quoted_text):
        assert value is None or not any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF
                                        for c in value)
    for when in (checked.published_at, checked.edited_at):
        assert when is None or (when.tzinfo is not None
                                and EARLIEST <= when <= seen + timedelta(days=1))
    assert len(checked.body_text) <= 1000
