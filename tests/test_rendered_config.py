"""The `rendered` source kind without a browser: its configuration, spec, settings and requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import scrapy
import yaml

from crawler.config import ConfigError, Settings, load_sources
from crawler.config.sources import Source
from crawler.demosite import build_forum
from crawler.extract.engines import Page, ParseContext
from crawler.extract.engines.selectors import SelectorEngine
from crawler.extract.render import RenderConfig, content_selectors, element_selector
from crawler.extract.render_steps import StepResult, cut_short, page_methods
from crawler.items import PostItem, ThreadItem
from crawler.runner.playwright_handler import office_proxy
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec
from crawler.ssrf.browser_proxy import Upstream
from spiders.forum import ThreadCrawl
from spiders.rendered import RenderedSpider
from tasks.app import crawl_queue
from tests.sites.rendered import RENDER, SELECTORS, RenderedForumServer

NO_WEBRTC_UDP = "--force-webrtc-ip-handling-policy=disable_non_proxied_udp"

URL = "http://127.0.0.1:8765/"


def rendered(**extra: Any) -> dict[str, Any]:
    return {"name": "forum-js", "kind": "rendered", "url": URL, "authors": "keep",
            "selectors": SELECTORS, "render": RENDER, **extra}


def load(tmp_path: Path, source: dict[str, Any]) -> Source:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"regions": [{"code": "62", "name": "Kalimantan Tengah",
                                                 "sources": [source]}]}), "utf-8")
    return load_sources(path).source(source["name"])


def test_a_rendered_source_needs_a_browser_and_uses_the_rendered_spider(tmp_path: Path) -> None:
    source = load(tmp_path, rendered())
    assert (source.spider, source.platform, source.browser) == ("rendered", "forum", True)
    assert crawl_queue(source.region, browser=source.browser) == "browser.62"
    spec = CrawlSpec.for_source(source, 7)
    assert spec.render == RenderConfig.model_validate(RENDER).model_dump(exclude_none=True)
    arguments = spec.spider_arguments([])
    assert arguments["render"] == spec.render and arguments["selectors"] == spec.selectors
    assert "render" not in CrawlSpec.for_source(
        load(tmp_path, {"name": "f", "url": URL, "engine": "phpbb"}), 1).spider_arguments([])
    # the task gets the source as JSON and validates it again, browser and all
    again = Source.model_validate(json.loads(source.model_dump_json()))
    assert again == source


@pytest.mark.parametrize(("change", "message"), [
    ({"selectors": None}, "kind 'rendered' needs 'selectors'"),
    ({"render": None}, "kind 'rendered' needs a 'render' block"),
    ({"engine": "phpbb"}, "not an engine: drop 'engine'"),
    ({"browser": False}, "kind 'rendered' runs in Chromium: drop 'browser: false'"),
    ({"kind": "forum"}, "'render' applies to sources of kind 'rendered'"),
    ({"render": {"wait_for": "article.pesan::text"}},
     "field 'render.wait_for': 'article.pesan::text' selects text or an attribute"),
    ({"render": {"click_more": {"selector": "button[class="}}},
     "field 'render.click_more.selector': invalid CSS selector"),
    ({"render": {"scrol": {}}}, "field 'render.scrol': unknown field (did you mean 'scroll'?)"),
    ({"render": {"scroll": {"max_round": 3}}},
     "field 'render.scroll.max_round': unknown field (did you mean 'max_rounds'?)"),
    ({"render": {"scroll": {"max_rounds": 0}}}, "field 'render.scroll.max_rounds': Input "
     "should be greater than or equal to 1"),
    ({"render": {"timeout": 0}}, "field 'render.timeout': Input should be greater than 0"),
])
def test_mistakes_are_one_line(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    source = {k: v for k, v in {**rendered(), **change}.items() if v is not None}
    with pytest.raises(ConfigError) as err:
        load(tmp_path, source)
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{tmp_path / 'sources.yaml'}: region 62, source forum-js: "), text
    assert message in text, text


def test_selectors_of_values_become_the_elements_they_read() -> None:
    assert element_selector("td.judul a::attr(href)") == "td.judul a"
    assert element_selector("h1::text") == "h1"
    assert element_selector("//a[@rel='next']/@href") == "//a[@rel='next']"
    assert element_selector("//h1/text()") == "//h1"
    engine = SelectorEngine.from_config(SELECTORS)
    assert content_selectors(engine.config) == ["article.pesan", "div.topik",
                                                "ul.daftar-papan a.papan"]


def test_scrapy_settings_enable_playwright_for_rendered_crawls_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(chromium_path=Path("/opt/chromium/chrome"), browser_max_contexts=2,
                        browser_max_pages=3, https_proxy="http://kantor:rahasia@proxy.kantor:3128")
    plain = scrapy_settings(settings, CrawlSpec.for_source(
        Source.model_validate({"name": "f", "url": URL, "engine": "phpbb"}), 1))
    assert "DOWNLOAD_HANDLERS" not in plain
    assert not any(key.startswith("PLAYWRIGHT_") for key in plain)
    spec = CrawlSpec.for_source(Source.model_validate(rendered(region="62")), 1)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    as_root = scrapy_settings(settings, spec)
    handler = "crawler.runner.playwright_handler.SharedPlaywrightHandler"
    assert as_root["DOWNLOAD_HANDLERS"] == {"http": handler, "https": handler}
    assert as_root["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert as_root["PLAYWRIGHT_LAUNCH_OPTIONS"] == {
        "executable_path": "/opt/chromium/chrome", "headless": True, "chromium_sandbox": False,
        "args": [NO_WEBRTC_UDP],
        "proxy": {"server": "http://proxy.kantor:3128", "bypass": settings.no_proxy,
                  "username": "kantor", "password": "rahasia"}}
    # the SSRF guard's SOCKS5 proxy in front of Chromium tunnels through the office proxy
    assert office_proxy(as_root["PLAYWRIGHT_LAUNCH_OPTIONS"]["proxy"]) == Upstream(
        "proxy.kantor", 3128, "kantor", "rahasia", settings.no_proxy)
    assert office_proxy({"server": "socks5://proxy.kantor:1080"}) is None
    assert as_root["PLAYWRIGHT_MAX_CONTEXTS"] == 2
    assert as_root["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 3
    assert as_root["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == RENDER["timeout"] * 1000
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    options = scrapy_settings(Settings(), spec)["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert options == {"executable_path": str(Settings().chromium_path), "headless": True,
                       "chromium_sandbox": True, "args": [NO_WEBRTC_UDP]}


def test_the_fixture_forum_has_no_content_without_javascript() -> None:
    """The selectors find nothing in the HTML as served: posts exist only once rendered."""
    engine = SelectorEngine.from_config(SELECTORS)
    with RenderedForumServer(build_forum(seed=62)) as site:
        thread = max(site.forum.threads.values(), key=lambda t: len(t.posts))
        pages = {"": "index", "papan/2": "board", f"topik/{thread.thread_id}": "thread"}
        for path, kind in pages.items():
            status, _, html = site.respond(f"/{path}", "x")
            assert status == 200 and kind in str(html)  # the JSON names the page kind
            result = engine.parse(Page(url=site.url + path, text=str(html)), ParseContext())
            assert (result.posts, result.threads, result.boards, result.next_url) == (
                [], [], [], None)


def test_each_request_gets_fresh_steps_and_is_closed_by_our_callbacks() -> None:
    spider = RenderedSpider(start_url=URL, selectors=SELECTORS, render=RENDER)
    first, = list(spider.start_requests())
    second = spider._rendered(first.replace(url=URL + "papan/2"))
    for request in (first, second):
        assert request.meta["playwright"] and request.meta["playwright_include_page"]
        assert request.callback == spider.parse_rendered
        assert request.errback == spider.on_render_error
        assert request.meta["playwright_page_goto_kwargs"] == {"wait_until": "load",
                                                               "timeout": 20_000}
    methods = first.meta["playwright_page_methods"]
    assert [m.args[0] if m.method.__name__ == "wait_for" else m.method.__name__
            for m in methods] == [spider.content, "scroll", "click_more"]
    # PageMethods carry their results: never shared between requests
    assert not set(map(id, methods)) & set(map(id, second.meta["playwright_page_methods"]))
    with pytest.raises(ValueError, match="needs selectors"):
        RenderedSpider(start_url=URL, engine="phpbb", render=RENDER)


def test_a_cut_short_page_makes_its_thread_incomplete_and_its_positions_unknown() -> None:
    spider = RenderedSpider(start_url=URL, selectors=SELECTORS, render=RENDER)
    methods = page_methods(RenderConfig.model_validate(RENDER), spider.content)
    methods[1].result = StepResult("scroll", rounds=2, added=10)
    methods[2].result = StepResult("click_more", rounds=10, added=50, truncated=True)
    assert cut_short(methods) == ["click_more"]
    # the cut page: its posts keep their positions, its thread's next page is marked
    crawl = ThreadCrawl(None, complete=True)
    post = PostItem(native_id="7", url=URL, body_text="Halo", position=3)
    assert spider._follow(post, cut=True, shifted=False).position == 3
    follow = spider._follow(next_page(spider, crawl), cut=True, shifted=False)
    assert crawl.complete is False and follow.meta["playwright"]
    assert spider.cut_threads == {id(crawl): crawl}
    # a later page of that thread: positions unknown, and the thread ends without a resume point
    assert spider._follow(post, cut=False, shifted=True).position is None
    item = spider._follow(thread_item(), cut=False, shifted=True)
    assert (item.complete, item.post_count, item.last_page_position) == (False, None, None)
    whole = spider._follow(thread_item(), cut=False, shifted=False)
    assert (whole.complete, whole.post_count, whole.last_page_position) == (True, 26, 21)


def thread_item() -> ThreadItem:
    return ThreadItem(native_id="5", url=URL, title=None, container=None,
                      post_native_ids=["1"], pages=2, post_count=26, last_page_position=21,
                      last_page_url=URL + "topik/5?hal=2")


def next_page(spider: RenderedSpider, crawl: ThreadCrawl) -> scrapy.Request:
    return scrapy.Request(URL + "topik/5?hal=2", callback=spider.parse,
                          cb_kwargs={"thread": crawl})
