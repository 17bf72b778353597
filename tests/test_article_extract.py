"""Articles: Indonesian dates, the real Kompas page, the fixture news site's pages and comments."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.extract.article import article_id, article_items, extract_article
from crawler.extract.article_dates import parse_any_date, parse_indonesian_date, parse_iso_date
from crawler.extract.engines import Page, ParseContext
from tests.sites.news import NewsServer
from tests.sites.news_model import NewsSite

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
WIT = timezone(timedelta(hours=9))


@pytest.mark.parametrize(("text", "expected"), [
    ("Kamis, 18 April 2019 10:05 WIB", datetime(2019, 4, 18, 10, 5, tzinfo=WIB)),
    ("Kompas.com - 02/11/2023, 14:30 WIB", datetime(2023, 11, 2, 14, 30, tzinfo=WIB)),
    ("Jum'at, 18 Agt 2019 pukul 10.05 WITA", datetime(2019, 8, 18, 10, 5, tzinfo=WITA)),
    ("Senin, 1 Des 2023 | 21:34:19 WIT", datetime(2023, 12, 1, 21, 34, 19, tzinfo=WIT)),
    ("Diterbitkan 5 Pebruari 2024 08.15", datetime(2024, 2, 5, 8, 15,
                                                   tzinfo=ZoneInfo("Asia/Jakarta"))),
    ("Rabu, 3 Mei 2023", datetime(2023, 5, 3, tzinfo=ZoneInfo("Asia/Jakarta"))),
    ("18-04-2019 10:05 WITA", datetime(2019, 4, 18, 10, 5, tzinfo=WITA)),
    ("March 18, 2024", None),  # month before day: not an Indonesian form
    ("31/02/2024, 10:00 WIB", None),  # no such day
    ("tidak ada tanggal di sini", None),
    ("", None),
])
def test_indonesian_dates(text: str, expected: datetime | None) -> None:
    assert parse_indonesian_date(text) == expected
    if expected is not None:
        assert parse_indonesian_date(text).utcoffset() == expected.utcoffset()  # type: ignore[union-attr]


def test_iso_and_fallback_dates() -> None:
    assert parse_iso_date("2023-11-02T14:34:19Z") == datetime(2023, 11, 2, 21, 34, 19,
                                                              tzinfo=WIB)
    assert parse_iso_date("2023-11-02 21:34:19", "Asia/Makassar") == datetime(
        2023, 11, 2, 21, 34, 19, tzinfo=WITA)
    assert parse_iso_date("2 Nov 2023") is None
    assert parse_any_date("March 18, 2024 10:05", "Asia/Jakarta") == datetime(
        2024, 3, 18, 10, 5, tzinfo=WIB)
    assert parse_any_date("bukan tanggal") is None
    assert parse_iso_date("2023-11-02", "No/Such_Zone") is None


def test_kompas_page_yields_title_body_and_date(real_fixtures: Path) -> None:
    path = real_fixtures / "news" / "money.kompas.com-Menhub.html"
    page = Page.from_bytes(path.as_uri(), path.read_bytes())
    article = extract_article(page, ParseContext(timezone="Asia/Jakarta"))
    assert article is not None
    assert article.title == "Menhub Bocorkan Penyebab Harga Tiket Pesawat Masih Mahal"
    assert article.url == ("https://money.kompas.com/read/2023/11/02/213419026/"
                           "menhub-bocorkan-penyebab-harga-tiket-pesawat-masih-mahal")
    assert article.body_text.startswith("JAKARTA, KOMPAS.com - Menteri Perhubungan (Menhub) "
                                        "Budi Karya Sumadi menyebut")
    assert "avtur" in article.body_text and len(article.body_text) > 1500
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == "2023-11-02"
    assert article.published_at == datetime(2023, 11, 2, 21, 34, 19, tzinfo=WIB)
    assert (article.authors, article.language) == (["Yoga Sukmana"], "id")
    assert "Menhub" in article.tags
    posts, thread = article_items(article)
    assert [(p.kind, p.native_id, p.position) for p in posts] == [("article", article.url, 1)]
    assert (thread.native_id, thread.post_count, thread.complete) == (article.url, 1, True)


def test_the_visible_date_counts_when_metadata_is_missing(real_fixtures: Path) -> None:
    """The Kompas page without its JSON-LD and meta dates: its "02/11/2023, 21:34 WIB"."""
    html = (real_fixtures / "news" / "money.kompas.com-Menhub.html").read_text("utf-8")
    for marker in ('"datePublished"', "article:published_time", "content_PublishedDate"):
        html = html.replace(marker, "x-removed")
    article = extract_article(Page("https://money.kompas.com/read/x", html), ParseContext())
    assert article is not None and article.date_source == "text"
    assert article.published_at == datetime(2023, 11, 2, 21, 34, tzinfo=WIB)


@pytest.fixture(scope="module")
def news() -> Iterator[NewsServer]:
    with NewsServer(NewsSite(seed=7, articles=9)) as server:
        yield server


def _rows(server: NewsServer) -> set[tuple[object, ...]]:
    rows: set[tuple[object, ...]] = set()
    for article in server.site.articles.values():
        url = server.site.url(server.url, article)
        with urllib.request.urlopen(url, timeout=10) as reply:  # 127.0.0.1 only
            page = Page.from_bytes(url, reply.read())
        found = extract_article(page, ParseContext(timezone="Asia/Jakarta"))
        assert found is not None, url
        posts, _ = article_items(found)
        rows |= {(p.native_id, p.kind, p.thread_native_id, p.thread_title, p.position,
                  p.author_name, p.published_at, p.body_text, p.parent_native_id, p.language)
                 for p in posts}
    return rows


def test_fixture_pages_give_exactly_their_truth(news: NewsServer) -> None:
    """Dates from JSON-LD, from a meta tag and from the text alone; WordPress and microdata
    comments with their replies; escaped text; the headline kept out of the body."""
    truth = news.site.truth(news.url)
    assert {a.comment_style for a in news.site.articles.values()} == {"wp", "microdata", "none"}
    assert {a.style for a in news.site.articles.values()} == {0, 1, 2}
    assert any(row[1] == "comment" and row[8] != row[2] for row in truth)  # a reply
    assert _rows(news) == truth


def test_tracking_parameters_and_a_home_page_canonical_are_ignored() -> None:
    assert article_id("HTTP://Kabar.example/berita/a.html?utm_source=rss&id=3&fbclid=x#top") \
        == "http://kabar.example/berita/a.html?id=3"
    html = ("<html lang='id'><head><title>Banjir di Sampit</title>"
            "<link rel='canonical' href='https://kabar.example/'></head><body><article>"
            "<h1>Banjir di Sampit</h1><p>" + "Air sungai Mentaya naik lagi pagi ini. " * 20
            + "</p></article></body></html>")
    article = extract_article(Page("https://kabar.example/berita/banjir.html", html),
                              ParseContext())
    assert article is not None
    assert article.url == "https://kabar.example/berita/banjir.html"
    assert article.title == "Banjir di Sampit" and article.language == "id"


def test_a_page_without_main_text_is_no_article() -> None:
    assert extract_article(Page("https://kabar.example/", "<html><body></body></html>"),
                           ParseContext()) is None
