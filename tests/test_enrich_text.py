"""Enrichment of one text: language, Indonesian normalization, watchlists, published dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from crawler.config.sources import ConfigError, load_sources
from crawler.config.watchlists import Watchlist, enclosing_codes, merge_watchlists
from crawler.enrich.enricher import Enricher
from crawler.enrich.language import detect_language
from crawler.enrich.normalize import normalize_tokens, stem
from crawler.enrich.watchlist import WatchlistMatcher
from crawler.extract.published import published_date
from crawler.runner.spec import CrawlSpec

SENTENCES = {
    "id": [
        "Warga Palangka Raya mengeluhkan banjir yang merendam jalan sejak kemarin sore.",
        "Pemerintah daerah akan membangun jembatan baru untuk menghubungkan dua desa.",
        "wkwk gw gak tau bro, emang bener begitu kejadiannya kemarin?",
    ],
    "en": [
        "Residents of Palangka Raya complained about the flood that submerged the roads.",
        "The election commission will announce the final results next week.",
    ],
    "ms": [
        "Kerajaan negeri akan memberikan bantuan kepada mangsa banjir di kawasan tersebut.",
        "Penduduk kampung itu mengadu tentang bekalan air yang terputus sejak semalam.",
    ],
    "jv": [
        "Aku arep lunga menyang pasar karo ibuku mengko sore, wis suwe ora tuku sayuran.",
        "Kulo nuwun, panjenengan sampun dhahar dereng? Monggo pinarak rumiyin.",
    ],
}


@pytest.mark.parametrize(("language", "text"),
                         [(lang, text) for lang, texts in SENTENCES.items() for text in texts])
def test_language_of_sample_sentences(language: str, text: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "ok", "wkwk", "https://example.org/a/b/c 12345 #pilkada"])
def test_no_language_for_texts_too_short_to_tell(text: str) -> None:
    assert detect_language(text) is None


def test_normalization_evens_out_case_slang_leetspeak_and_affixes() -> None:
    assert normalize_tokens("Ngusir pendatang2 itu GAK bener!!") == [
        "usir", "datang", "itu", "tidak", "benar"]
    assert normalize_tokens("K4F1R semua, bakarin aja rumahnya") == [
        "kafir", "semua", "bakar", "saja", "rumah"]
    assert normalize_tokens("bangsaaaat, pembakaran https://x.example/a dibakar") == [
        "bangsat", "bakar", "bakar"]
    assert [stem(w) for w in ("memprovokasi", "penipuan", "nyerang", "nembak")] == [
        "provokasi", "tipu", "serang", "tembak"]


def _matcher(*terms: str) -> WatchlistMatcher:
    return WatchlistMatcher.compile([Watchlist(name="sara", terms=list(terms))])


def test_watchlist_matches_every_form_of_a_term() -> None:
    matcher = _matcher("bakar", "usir pendatang", "hoaks")
    assert matcher.flags_of_text("Rumahnya DIBAKAR massa") == ["sara:bakar"]
    assert matcher.flags_of_text("ayo ngebakar aja") == ["sara:bakar"]
    assert matcher.flags_of_text("Mereka mengusir pendatang dari kampung") == [
        "sara:usir pendatang"]
    assert matcher.flags_of_text("ngusir pendatang2 gitu?") == ["sara:usir pendatang"]
    assert matcher.flags_of_text("itu hoax, jangan disebar") == ["sara:hoaks"]
    assert matcher.flags_of_text("pembakaran lahan dan pengusiran pendatang") == [
        "sara:bakar", "sara:usir pendatang"]


def test_watchlist_phrases_need_their_words_adjacent_and_whole() -> None:
    matcher = _matcher("usir pendatang", "agam")
    assert matcher.flags_of_text("pendatang diusir") == []
    assert matcher.flags_of_text("usir para pendatang") == []
    assert matcher.flags_of_text("semua agama mengajarkan kebaikan") == []
    assert matcher.flags_of_text("") == []
    assert _matcher("kafir").flags_of_text("semua k4fir!!") == ["sara:kafir"]


def test_watchlist_config_rejects_bad_names_and_empty_terms() -> None:
    with pytest.raises(ValidationError, match="lowercase letters"):
        Watchlist(name="SARA List", terms=["kafir"])
    with pytest.raises(ValidationError, match="no letters or digits"):
        Watchlist(name="sara", terms=["kafir", "!!"])
    with pytest.raises(ValidationError, match="at least 1"):
        Watchlist(name="sara", terms=[])
    assert Watchlist(name="sara", terms=[" usir   pendatang ", "usir pendatang"]).terms == [
        "usir pendatang"]


def test_sources_inherit_watchlists_of_their_region_and_enclosing_regions(
        tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("""
regions:
  - code: "62"
    name: Kalimantan Tengah
    watchlists:
      - {name: sara, terms: [kafir]}
      - {name: hoaks, terms: [hoaks]}
  - code: "62.71"
    name: Kota Palangka Raya
    watchlists:
      - {name: sara, terms: [usir pendatang]}
    sources:
      - name: forum-pky
        url: http://127.0.0.1:1/forum/
        engine: phpbb
        watchlists:
          - {name: lokal, terms: [jembatan kahayan]}
""", encoding="utf-8")
    source = load_sources(path).source("forum-pky")
    lists = {w.name: w.terms for w in source.watchlists}
    assert lists == {"lokal": ["jembatan kahayan"], "sara": ["usir pendatang", "kafir"],
                     "hoaks": ["hoaks"]}
    spec = CrawlSpec.for_source(source, None)
    assert spec.watchlists == source.watchlists
    again = CrawlSpec.model_validate_json(spec.model_dump_json())  # the task message
    assert {w.name for w in again.watchlists} == {"lokal", "sara", "hoaks"}
    assert enclosing_codes("62.71.01") == ["62", "62.71", "62.71.01"]
    assert merge_watchlists([], []) == []


def test_a_bad_watchlist_in_the_sources_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text('regions:\n  - code: "62"\n    name: Kalteng\n    watchlists:\n'
                    '      - {name: sara, terms: [kafir], term: [x]}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert str(err.value) == (f"{path}: region 62, watchlist sara: field 'watchlists.term': "
                              "unknown field "
                              "(did you mean 'terms'?)")


def test_enricher_combines_language_regions_and_flags() -> None:
    enricher = Enricher([Watchlist(name="sara", terms=["bakar"])])
    result = enricher.enrich("Kabar Sampit", "Warga Kotim ramai-ramai membakar ban di depan "
                             "kantor bupati, polisi berjaga.", "62.71", "en")
    assert result.language == "id"  # the text wins over what the page declared
    assert result.region_codes == ["62.71", "62", "62.02"]
    assert result.watchlist_flags == ["sara:bakar"]
    short = Enricher().enrich(None, "ok", "", "id")
    assert (short.language, short.region_codes, short.watchlist_flags) == ("id", [], [])


JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2024, 11, 20, 15, 0, tzinfo=JAKARTA)


@pytest.mark.parametrize(("text", "expected", "via"), [
    ("Kamis, 18 April 2019 10:05 WIB",
     datetime(2019, 4, 18, 10, 5, tzinfo=timezone(timedelta(hours=7))), "page"),
    ("18 April 2019 pukul 10.05 WIT",
     datetime(2019, 4, 18, 10, 5, tzinfo=timezone(timedelta(hours=9))), "page"),
    ("Sen Mar 18, 2024 10:05 am", datetime(2024, 3, 18, 10, 5, tzinfo=JAKARTA), "page"),
    ("2 jam yang lalu", NOW - timedelta(hours=2), "relative"),
    ("sejam yang lalu", NOW - timedelta(hours=1), "relative"),
    ("kemarin", NOW - timedelta(days=1), "relative"),
    ("kemarin pukul 10.05", datetime(2024, 11, 19, 10, 5, tzinfo=JAKARTA), "relative"),
    ("Kemarin, 10:05 WITA",
     datetime(2024, 11, 19, 10, 5, tzinfo=ZoneInfo("Asia/Makassar")), "relative"),
    ("2 hours ago", NOW - timedelta(hours=2), "relative"),
    ("yesterday at 10:05 am", datetime(2024, 11, 19, 10, 5, tzinfo=JAKARTA), "relative"),
    ("tidak ada tanggal", None, "first_seen"),
    ("", None, "first_seen"),
])
def test_published_dates_absolute_relative_and_zones(
        text: str, expected: datetime | None, via: str) -> None:
    found = published_date(text, tz="Asia/Jakarta", now=NOW)
    assert found.via == via
    assert found.at == expected
    if expected is not None:
        assert found.at is not None and found.at.utcoffset() == expected.utcoffset()
