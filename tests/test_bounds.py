"""The bounds on hostile input, one component at a time (the whole crawl: test_hostile_crawl).

Posts (impossible dates, unstorable characters, gigantic bodies), failure kinds, the paging
guard's chains and link depth, and the redirect middleware's loop detection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import Settings as ScrapySettings
from twisted.internet.error import TimeoutError as TwistedTimeout

from crawler.bounds.downloads import BoundedRedirects, RedirectLoop
from crawler.bounds.kinds import describe
from crawler.bounds.posts import PostBounds
from crawler.bounds.traps import CHAIN, LINK_DEPTH, NotAPage, PagingGuard, expects_json
from crawler.items import BINARY_OK, NEXT_PAGE, PostItem, ThreadRef
from crawler.pipelines import NormalizePipeline
from crawler.runner.spec import CrawlSpec
from crawler.ssrf.guard import BlockedRequest

SEEN = datetime(2024, 6, 1, 12, tzinfo=UTC)


class Stats(dict[str, Any]):
    """The three StatsCollector methods record_error uses."""

    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value

    def kinds(self) -> list[str]:
        return [r["kind"] for r in self.get("pantau/error_reasons", [])]


def item(**fields: Any) -> PostItem:
    return PostItem(**{"native_id": "7", "url": "http://forum.test/p/7", "body_text": "isi",
                       **fields})


def test_impossible_dates_are_dropped_and_recorded() -> None:
    stats = Stats()
    bounds = PostBounds(1000, "Asia/Jakarta", stats)  # type: ignore[arg-type]
    future = bounds.check(item(published_at=SEEN + timedelta(days=2),
                               edited_at=datetime(1970, 1, 1, tzinfo=UTC)), SEEN)
    assert (future.published_at, future.edited_at) == (None, None)
    assert stats.kinds() == ["date", "date"]
    assert "published_at 2024-06-03" in stats["pantau/error_reasons"][0]["message"]
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert bounds.check(item(published_at=year_one), SEEN).published_at is None
    # within a day ahead (time zones, clock skew) and long past dates are kept
    ahead = SEEN + timedelta(hours=20)
    assert bounds.check(item(published_at=ahead), SEEN).published_at == ahead
    old = datetime(1999, 12, 31, tzinfo=UTC)
    assert bounds.check(item(published_at=old), SEEN).published_at == old
    assert stats["pantau/errors"] == 3


def test_a_naive_date_is_read_in_the_sources_zone() -> None:
    checked = PostBounds(1000, "Asia/Jakarta").check(
        item(published_at=datetime(2024, 3, 18, 10, 5)), SEEN)
    assert checked.published_at == datetime(2024, 3, 18, 10, 5,
                                             tzinfo=ZoneInfo("Asia/Jakarta"))


def test_unstorable_characters_go_from_every_field() -> None:
    checked = PostBounds(1000).check(item(
        body_text="a\x00b\ud800c", title="t\x00", author_name="\udfffbudi", raw="<p>\x00</p>",
        links=["http://x/\x00"], quoted_text=["q\ud83d"], extra={"k\x00": ["v\ud800"]},
        media=[{"url": "http://x/\x00.png"}]), SEEN)
    assert (checked.body_text, checked.title, checked.author_name) == ("abc", "t", "budi")
    assert (checked.raw, checked.links, checked.quoted_text) == ("<p></p>", ["http://x/"], ["q"])
    assert checked.extra == {"k": ["v"]} and checked.media == [{"url": "http://x/.png"}]


def test_a_gigantic_post_is_cut_and_recorded() -> None:
    stats = Stats()
    checked = PostBounds(1000, stats=stats).check(  # type: ignore[arg-type]
        item(body_text="x" * 5000, title="j" * 3000, raw="<p>" * 2000,
             links=[f"http://x/{i}" for i in range(1500)]), SEEN)
    assert len(checked.body_text) == 1000 and len(checked.title or "") == 1000
    assert checked.raw is None  # markup over four times the body limit is not kept
    assert len(checked.links) == 1000
    assert stats.kinds() == ["too_large"]
    assert "body of 5000 characters cut to 1000" in stats["pantau/error_reasons"][0]["message"]


def test_the_normalize_pipeline_stores_an_impossible_date_as_first_seen() -> None:
    spec = CrawlSpec(run_id=None, source="s", region="62", spider="phpbb", platform="phpbb",
                     start_url="http://forum.test/", site="http://forum.test/", authors="keep")
    post = NormalizePipeline(spec, None).to_post(
        item(published_at=datetime(2099, 1, 1, tzinfo=UTC), body_text="a\x00b"), SEEN)
    assert (post.published_at, post.published_via, post.body_text) == (None, "first_seen", "ab")


@pytest.mark.parametrize(("exception", "kind", "text"), [
    (DownloadTimeoutError("Getting u took longer than 2 seconds."), "timeout", "took longer"),
    (TwistedTimeout(), "timeout", "TimeoutError"),
    (DownloadCancelledError(), "too_large", "grew past DOWNLOAD_MAXSIZE"),
    (DownloadCancelledError("Expected to receive 9 bytes which is larger than download max "
                            "size (8) in request <GET u>."), "too_large", "Expected to receive"),
    (BlockedRequest("refused 10.0.0.1: private address"), "blocked", "private address"),
    (RedirectLoop("redirect loop: a sends back to b"), "redirect_loop", "sends back"),
    (ConnectionRefusedError("refused"), "network", "ConnectionRefusedError: refused"),
])
def test_failures_have_kinds(exception: Exception, kind: str, text: str) -> None:
    found, message = describe(exception)
    assert found == kind and text in message


# -- the paging guard ---------------------------------------------------------------------


class Spider:
    marks_next_pages = True


class Crawler:
    def __init__(self, spider: Any) -> None:
        self.spider = spider


def guard(stats: Stats, max_pages: int = 3, max_depth: int = 2,
          spider: Any = Spider()) -> PagingGuard:  # noqa: B008 - a stateless stand-in
    return PagingGuard(stats, max_pages, max_depth, Crawler(spider))  # type: ignore[arg-type]


def page(url: str, meta: dict[str, Any] | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=b"<p>x</p>", request=Request(url, meta=meta or {}))


def run(paging: PagingGuard, response: Response, output: list[Any]) -> list[Any]:
    return list(paging.process_spider_output(response, iter(output)))


def test_a_thread_chain_stops_at_the_page_cap() -> None:
    stats = Stats()
    paging, response = guard(stats), page("http://f.test/t?id=1")
    for number in range(2, 6):
        nxt = Request(f"http://f.test/t?id=1&page={number}", meta={NEXT_PAGE: True})
        out = run(paging, response, [item(native_id=str(number)), nxt])
        if number <= 3:
            assert out[-1] is nxt and nxt.meta[CHAIN].pages == number
            response = page(nxt.url, nxt.meta)
        else:
            assert out == [out[0]]  # the post passes, the next page does not
            break
    assert stats.kinds() == ["trap"]
    assert "more than 3 pages" in stats["pantau/error_reasons"][0]["message"]


def test_a_repeated_or_empty_next_page_stops_the_chain() -> None:
    stats = Stats()
    paging = guard(stats, max_pages=100)
    first = page("http://f.test/t?id=1&sid=aa")
    same = Request("http://f.test/t?id=1&sid=bb", meta={NEXT_PAGE: True})  # a new session id
    assert run(paging, first, [item(native_id="1"), same]) == [item(native_id="1")]
    listing = page("http://f.test/board?page=1")
    nxt = Request("http://f.test/board?page=2", meta={NEXT_PAGE: True})
    run(paging, listing, [ThreadRef(native_id="9", url="http://f.test/t/9"), nxt])
    again = Request("http://f.test/board?page=3", meta={NEXT_PAGE: True})
    shown_again = [ThreadRef(native_id="9", url="http://f.test/t/9"), again]
    assert run(paging, page(nxt.url, nxt.meta), shown_again) == shown_again[:1]
    messages = [r["message"] for r in stats["pantau/error_reasons"]]
    assert "repeats a page" in messages[0] and "showed nothing new" in messages[1]


def test_link_depth_is_capped_for_spiders_that_mark_next_pages_only() -> None:
    stats = Stats()
    deep = page("http://f.test/cal?m=2", {LINK_DEPTH: 2})
    link = Request("http://f.test/cal?m=3")
    assert run(guard(stats), deep, [link]) == []
    assert "more than 2 links away" in stats["pantau/error_reasons"][0]["message"]
    shallow = Request("http://f.test/cal?m=3")
    assert run(guard(stats), page("http://f.test/cal?m=1", {LINK_DEPTH: 1}), [shallow])
    assert shallow.meta[LINK_DEPTH] == 2
    other = Request("http://f.test/cal?m=9")
    assert run(guard(Stats(), spider=object()), deep, [other]) == [other]


def test_pages_that_are_not_text_or_not_json_are_recorded() -> None:
    stats = Stats()
    paging = guard(stats)
    url = "http://f.test/a.png"
    image = Response(url, headers={"Content-Type": "image/png"}, body=b"\x89",
                     request=Request(url))
    with pytest.raises(NotAPage, match=r"not a text page \(image/png"):
        paging.process_spider_input(image)
    wanted = Response(url, body=b"\x1f\x8b", request=Request(url, meta={BINARY_OK: True}))
    paging.process_spider_input(wanted)  # a spider that asked for bytes (a gzip sitemap)
    challenge = TextResponse("http://f.test/latest.json", body=b"  <html>Just a moment</html>",
                             encoding="utf-8")
    paging.process_spider_input(challenge)
    json_ok = TextResponse("http://f.test/latest.json", body=b'{"a": 1}', encoding="utf-8")
    paging.process_spider_input(json_ok)
    assert stats.kinds() == ["unexpected_content", "unexpected_content"]
    assert expects_json("http://f.test/wp-json/wp/v2/posts?page=2")
    assert expects_json("http://f.test/api/discussions/1") and expects_json("/t/5.json?x=1")
    assert not expects_json("http://f.test/viewtopic.php?t=1")


# -- redirects ----------------------------------------------------------------------------


def redirects(stats: Stats, max_times: int = 3) -> BoundedRedirects:
    middleware = BoundedRedirects(ScrapySettings({"REDIRECT_MAX_TIMES": max_times}))
    middleware.crawler = type("C", (), {"stats": stats, "spider": None})()  # type: ignore[assignment]
    return middleware


def moved(request: Request, location: str) -> Response:
    return Response(request.url, status=302, headers={"Location": location}, request=request)


def test_a_redirect_back_into_its_own_chain_is_a_recorded_loop() -> None:
    stats = Stats()
    middleware = redirects(stats)
    first = Request("http://f.test/a?sid=1")
    second = middleware.process_response(first, moved(first, "http://f.test/b"))
    assert isinstance(second, Request) and second.url == "http://f.test/b"
    with pytest.raises(RedirectLoop, match=r"sends back to http://f\.test/a"):
        middleware.process_response(second, moved(second, "/a?sid=2"))  # only the sid differs
    assert stats.kinds() == ["redirect_loop"]


def test_a_redirect_chain_over_the_limit_is_recorded() -> None:
    stats = Stats()
    middleware = redirects(stats, max_times=2)
    request = Request("http://f.test/0")
    for hop in range(1, 3):
        request = middleware.process_response(request, moved(request, f"/{hop}"))
        assert isinstance(request, Request)
    with pytest.raises(IgnoreRequest, match="more than 2 redirects"):
        middleware.process_response(request, moved(request, "/3"))
    assert stats.kinds() == ["redirect_loop"]
