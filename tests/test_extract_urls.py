"""Canonical URLs and site keys."""

from __future__ import annotations

import pytest

from crawler.extract.urls import canonicalize_url, query_param, site_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h/viewtopic.php?t=3&sid=0123456789abcdef0123456789abcdef",
         "http://h/viewtopic.php?t=3"),
        ("http://h/viewtopic.php?sid=ab&t=3&start=10", "http://h/viewtopic.php?start=10&t=3"),
        ("http://h/viewtopic.php?p=9&sid=ab#p9", "http://h/viewtopic.php?p=9"),
        ("HTTP://Forum.Example.COM:80/index.php?SID=x", "http://forum.example.com/index.php"),
        ("https://h:443/a?b=2&a=1", "https://h/a?a=1&b=2"),
        ("http://127.0.0.1:8765/showthread.php?s=deadbeef&t=5", "http://127.0.0.1:8765/showthread.php?t=5"),
        ("http://h/x.php?PHPSESSID=abc&id=1", "http://h/x.php?id=1"),
        ("http://h/app;jsessionid=ABC?x=1", "http://h/app?x=1"),
        ("http://h/search?q=pilkada%20kalteng&sid=1", "http://h/search?q=pilkada+kalteng"),
        ("http://h/viewforum.php?f=2&amp;sid=1", "http://h/viewforum.php?amp%3Bsid=1&f=2"),
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonicalize_is_idempotent_and_keeps_blank_values() -> None:
    once = canonicalize_url("http://h/a.php?mode=&t=1&sid=z")
    assert once == "http://h/a.php?mode=&t=1"
    assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8765/forum/viewtopic.php?t=3", "http://127.0.0.1:8765/forum/"),
        ("http://127.0.0.1:8765/forum/", "http://127.0.0.1:8765/forum/"),
        ("https://Foren.MyOOS.de:443/viewtopic.php?t=167", "https://foren.myoos.de/"),
        ("http://h", "http://h/"),
        ("http://h:8080/a/b/c.php", "http://h:8080/a/b/"),
    ],
)
def test_site_key(url: str, expected: str) -> None:
    assert site_key(url) == expected


def test_query_param_tolerates_escaped_ampersands() -> None:
    href = "./memberlist.php?mode=viewprofile&amp;u=5&amp;sid=c613"
    assert query_param(href, "u") == "5"
    assert query_param(href, "mode") == "viewprofile"
    assert query_param(href, "t") is None
