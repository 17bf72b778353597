"""``pantau extract`` on articles, feeds and sitemaps."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sites.news import NewsServer
from tests.sites.news_model import NewsSite
from tests.test_cli import pantau


def test_kompas_article_as_json(real_fixtures: Path) -> None:
    page = real_fixtures / "news" / "money.kompas.com-Menhub.html"
    result = pantau("extract", str(page), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["kind"] == "article"
    assert out["title"] == "Menhub Bocorkan Penyebab Harga Tiket Pesawat Masih Mahal"
    assert out["published_at"].startswith("2023-11-02")
    assert out["body_text"].startswith("JAKARTA, KOMPAS.com - Menteri Perhubungan")
    assert out["authors"] == ["Yoga Sukmana"] and out["language"] == "id"
    assert out["canonical_url"].startswith("https://money.kompas.com/read/2023/11/02/")
    text = pantau("extract", str(page), "--kind", "news")
    assert text.returncode == 0, text.stderr
    assert "published_at: 2023-11-02T21:34:19+07:00" in text.stdout
    assert "title: Menhub Bocorkan Penyebab Harga Tiket Pesawat Masih Mahal" in text.stdout


def test_fixture_article_with_comments_and_the_feeds(tmp_path: Path) -> None:
    site = NewsSite(seed=5, articles=4)
    with NewsServer(site) as server:
        article = next(a for a in site.articles.values() if a.comment_style == "wp")
        result = pantau("extract", site.url(server.url, article), "--engine", "article",
                        "--json")
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["title"] == article.title and out["body_text"] == article.body_text()
        assert [c["native_id"] for c in out["comments"]] == [
            str(c.comment_id) for c, _ in article.threaded()]
        feed = pantau("extract", f"{server.url}feed/atom.xml", "--json")
        assert feed.returncode == 0, feed.stderr
        entries = json.loads(feed.stdout)["entries"]
        assert [e["title"] for e in entries] == [a.title for a in site.newest_first()]
        assert all(e["full_content"] for e in entries)
        index = pantau("extract", f"{server.url}sitemap_index.xml")
        assert index.returncode == 0, index.stderr
        assert "kind: sitemap index" in index.stdout and "3 URLs" in index.stdout


def test_article_mistakes_are_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "kosong.html"
    empty.write_text("<html><body></body></html>", "utf-8")
    forced = pantau("extract", str(empty), "--engine", "article")
    assert forced.returncode == 1 and "no article text" in forced.stderr
    assert "Traceback" not in forced.stderr
    wrong = pantau("extract", str(empty), "--kind", "blog")
    assert wrong.returncode == 2 and "--kind 'blog'" in wrong.stderr
    broken = tmp_path / "rusak.xml"
    broken.write_text('<?xml version="1.0"?><rss version="2.0"><channel>', "utf-8")
    feed = pantau("extract", str(broken), "--kind", "feed")  # feedparser reads what is there
    assert feed.returncode == 0 and "0 entries" in feed.stdout
    not_feed = pantau("extract", str(empty), "--kind", "feed")
    assert not_feed.returncode == 1 and "not an RSS, Atom or JSON feed" in not_feed.stderr
    assert "Traceback" not in not_feed.stderr
