"""The gazetteer: every province, regency and city with its code; precision and recall on a
labelled set of Indonesian sentences (tests/data/gazetteer_labelled.tsv, with hard cases).

The measured numbers are in docs/enrichment.md; the floors below keep them from sliding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.enrich.gazetteer import gazetteer, official_regions, with_ancestors

LABELLED = Path(__file__).parent / "data" / "gazetteer_labelled.tsv"
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.95


def labelled() -> list[tuple[set[str], str]]:
    rows = []
    for line in LABELLED.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        codes, text = line.split("\t")
        rows.append((set() if codes == "-" else set(codes.split(",")), text))
    return rows


def test_every_province_regency_and_city_is_known_by_its_name() -> None:
    regions = official_regions()
    provinces = [r for r in regions if r.kind == "provinsi"]
    local = [r for r in regions if r.kind != "provinsi"]
    assert len(provinces) == 38
    assert len(local) == 514
    assert {r.kind for r in local} == {"kabupaten", "kota"}
    found = gazetteer()
    for region in regions:
        assert region.code in found.codes(region.name), region


def test_precision_and_recall_on_the_labelled_sentences() -> None:
    rows = labelled()
    assert len(rows) >= 200
    assert sum(1 for gold, _ in rows if not gold) >= 50  # sentences that name no region
    found = gazetteer()
    true_pos = false_pos = false_neg = 0
    for gold, text in rows:
        predicted = set(found.codes(text))
        true_pos += len(gold & predicted)
        false_pos += len(predicted - gold)
        false_neg += len(gold - predicted)
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    print(f"gazetteer: precision {precision:.3f} recall {recall:.3f} "
          f"({true_pos} tp, {false_pos} fp, {false_neg} fn over {len(rows)} sentences)")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


@pytest.mark.parametrize(("text", "codes"), [
    ("Debit air Sungai Kapuas naik", []),
    ("Banjir di Kuala Kapuas dan Kapuas Hulu", ["62.03", "61.06"]),
    ("semua agama dan Sulawesi", []),  # Agam, Sula inside other words
    ("Pemkab Kotim, Kobar, Barsel dan Palangkaraya", ["62.02", "62.01", "62.04", "62.71"]),
    ("Pemkab Bogor dan Kota Bogor", ["32.01", "32.71"]),
    ("Provinsi Jambi dan Kota Jambi", ["15", "15.71"]),
    ("batu bara dari Barito", []),
    ("Bupati Bima dan Bima Arya", ["52.06"]),
    ("Gunungkidul, Gunung Kidul, Bau-Bau", ["34.03", "74.72"]),
])
def test_hard_cases(text: str, codes: list[str]) -> None:
    assert gazetteer().codes(text) == codes


def test_mentions_say_where_and_ancestors_are_added() -> None:
    mention = gazetteer().mentions("Warga Palangka Raya protes")[0]
    assert (mention.code, mention.start, mention.end, mention.text) == (
        "62.71", 6, 19, "Palangka Raya")
    assert with_ancestors(["62.71", "62", "", "35.79.01"]) == [
        "62.71", "62", "35.79.01", "35.79", "35"]
