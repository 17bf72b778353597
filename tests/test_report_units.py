"""The report's small parts: message catalog, zones, redaction, terms, SVG charts."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from crawler.i18n import CATALOG, text
from crawler.report import svg
from crawler.report.figures import METRICS, ReportWindow
from crawler.report.redact import excerpt, pseudonym
from crawler.report.terms import TermCounter, stopwords, words_of
from crawler.report.zones import format_time, region_zone, zone_label, zone_of_code


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in CATALOG.items():
        assert set(entry) == {"id", "en"}, key
        assert entry["id"] and entry["en"], key
        assert _fields(entry["id"]) == _fields(entry["en"]), key
    template = (Path(__file__).resolve().parents[1] / "crawler" / "report" / "templates"
                / "report.html.j2").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\('([a-z_]+)'[,)]", template))
    assert used and used - set(CATALOG) == set()
    assert {f"metric_{m}" for m in METRICS} <= set(CATALOG)  # t('metric_' ~ c.metric)
    assert text("days", "id", n=14) == "14 hari"


@pytest.mark.parametrize(("code", "zone", "label"), [
    ("62", "Asia/Jakarta", "WIB"), ("62.71", "Asia/Jakarta", "WIB"),
    ("21", "Asia/Jakarta", "WIB"), ("63.72", "Asia/Makassar", "WITA"),
    ("51", "Asia/Makassar", "WITA"), ("76", "Asia/Makassar", "WITA"),
    ("82", "Asia/Jayapura", "WIT"), ("96.01", "Asia/Jayapura", "WIT"),
])
def test_region_zones(code: str, zone: str, label: str) -> None:
    assert zone_of_code(code) == zone
    assert zone_label(zone) == label


def test_the_sources_file_decides_a_regions_zone(tmp_path: Path) -> None:
    from crawler.config.sources import load_sources

    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"regions": [
        {"code": "62", "name": "Kalimantan Tengah", "timezone": "Asia/Pontianak"}]}))
    sources = load_sources(path)
    assert region_zone("62.71", sources) == "Asia/Pontianak"  # its enclosing region's
    assert region_zone("63", sources) == "Asia/Makassar"  # not in the file: by province
    assert zone_label("Europe/Berlin", datetime(2019, 7, 1, tzinfo=UTC)) == "UTC+02:00"


def test_times_are_shown_in_the_zone_with_its_name() -> None:
    at = datetime(2019, 8, 16, 17, 30, tzinfo=UTC)
    assert format_time(at, "Asia/Jakarta", "id") == "17 Agu 2019 00:30 WIB"
    assert format_time(at, "Asia/Jayapura", "en") == "17 Aug 2019 02:30 WIT"


def test_window_days_are_local_days() -> None:
    window = ReportWindow("63", "Kalsel", "Asia/Makassar", date(2019, 4, 17),
                          timedelta(days=2), timedelta(hours=36))
    assert window.start == datetime(2019, 4, 14, 16, tzinfo=UTC)
    assert window.end == datetime(2019, 4, 18, 4, tzinfo=UTC)
    assert window.days() == [date(2019, 4, 15), date(2019, 4, 16), date(2019, 4, 17),
                             date(2019, 4, 18)]


def test_excerpts_hide_contacts_and_authors_are_pseudonyms() -> None:
    shown = excerpt("Tolong", "Hubungi 0812-3456-7890 atau +62 813 1111 2222, @budi_k, "
                    "budi.k@mail.example.id. Harga 20000000 rupiah.")
    assert shown == ("Tolong Hubungi […] atau […], […], […]. Harga 20000000 rupiah.")
    long = excerpt(None, "kata " * 200)
    assert len(long) <= 281 and long.endswith("kata…")
    assert pseudonym("a1b2c3d4e5f6a7b8c9d0") == "anon-a1b2c3d4"
    assert pseudonym(None) is None


def test_terms_skip_stopwords_links_and_handles() -> None:
    assert {"yang", "dan", "gak", "aja", "the", "quote"} <= stopwords()
    assert words_of("Yang GAK setuju pemilu-pemilu di https://x.id/pemilu @pemilu #pemilu "
                    "kotak2 suara") == {"setuju", "pemilu-pemilu", "kotak", "suara"}
    counter = TermCounter()
    counter.add_all([("suara suara kotak", False), ("suara tps", True), ("tps", True)])
    assert counter.top(2) == [("suara", 1, 1), ("tps", 0, 2)]


def test_svg_escapes_what_it_draws_and_scales_whole_numbers() -> None:
    chart = svg.stacked_bars("x", "<b>title</b>", ["1 Apr"], ["2019-04-01"],
                             [svg.Series('<script>alert("x")</script>', [3])], 0,
                             "Event & more", "no data")
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert "Event &amp; more" in chart and 'data-value="3"' in chart
    assert svg.nice_scale(3) == (3, 1)
    assert svg.nice_scale(87) == (100, 50)
    assert svg.nice_scale(0) == (1, 1)
    empty = svg.lines("y", "t", ["1 Apr"], ["2019-04-01"], [svg.Series("a", [0])], None, "",
                      "Tidak ada data")
    assert 'class="mark"' not in empty and "Tidak ada data" in empty
