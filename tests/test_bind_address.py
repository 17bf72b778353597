"""PANTAU_BIND_ADDRESS: crawl connections leave from a chosen local address."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.config.settings import Settings
from crawler.network import BindAddressMiddleware
from crawler.runner.scrapy_settings import scrapy_settings
from crawler.runner.spec import CrawlSpec

SPEC = CrawlSpec(run_id=None, source="s", region="62", spider="phpbb", platform="phpbb",
                 start_url="http://127.0.0.1:1/", site="http://127.0.0.1:1/")


def test_setting_is_an_ip_address() -> None:
    assert str(Settings(bind_address="127.0.0.2").bind_address) == "127.0.0.2"
    assert Settings(bind_address="").bind_address is None
    with pytest.raises(ValidationError):
        Settings(bind_address="not-an-address")


def test_middleware_binds_each_request_unless_the_spider_chose() -> None:
    settings = scrapy_settings(Settings(bind_address="127.0.0.3"), SPEC)
    assert settings["PANTAU_BIND_ADDRESS"] == "127.0.0.3"
    assert "crawler.network.BindAddressMiddleware" in settings["DOWNLOADER_MIDDLEWARES"]
    middleware = BindAddressMiddleware.from_crawler(get_crawler(settings_dict=settings))
    request = Request("http://127.0.0.1:1/x")
    middleware.process_request(request)
    assert request.meta["bindaddress"] == ("127.0.0.3", 0)
    chosen = Request("http://127.0.0.1:1/y", meta={"bindaddress": ("127.0.0.9", 0)})
    middleware.process_request(chosen)
    assert chosen.meta["bindaddress"] == ("127.0.0.9", 0)


def test_middleware_is_off_without_the_setting() -> None:
    settings = scrapy_settings(Settings(), SPEC)
    assert settings["PANTAU_BIND_ADDRESS"] is None
    with pytest.raises(NotConfigured):
        BindAddressMiddleware.from_crawler(get_crawler(settings_dict=settings))
