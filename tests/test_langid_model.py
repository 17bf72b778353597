"""The cached, narrowed language model answers exactly as py3langid's own model does."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import build_forum
from crawler.enrich.langid_model import cache_file, load_identifier
from crawler.enrich.language import CANDIDATES

SENTENCES = [
    "Menurut saya jalan ke Sampit rusak parah setelah hujan, warga mengeluh.",
    "The election commission published the final voter list this morning.",
    "Kerajaan negeri mengumumkan bantuan banjir untuk mangsa di kawasan itu.",
    "Aku arep lunga menyang pasar karo ibu sesuk esuk.",
    "De gemeente heeft de weg naar het dorp eindelijk gerepareerd.",
    "ini", "", "1234 5678", "https://example.org/x #tag @user",
    "SEMUA HURUF BESAR DI SINI UNTUK MENGUJI", "Ang halalan ay gaganapin sa susunod na buwan.",
]


@pytest.fixture(scope="module")
def reference() -> Any:
    """py3langid's shipped model, narrowed the way pantau narrowed it before the cache."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(identifier.nb_classes)
    identifier.set_languages([code for code in CANDIDATES if code in known])
    return identifier


@pytest.fixture(scope="module")
def texts() -> list[str]:
    forum = build_forum(seed=7, scale=1)
    posts = [post for thread in forum.threads.values() for post in thread.posts]
    bodies = [post.own_text for post in posts][:150]
    rng = random.Random(5)
    words = " ".join(SENTENCES).split()
    mixed = [" ".join(rng.sample(words, rng.randrange(1, 20))) for _ in range(100)]
    return SENTENCES + bodies + mixed


def test_cached_model_answers_exactly_like_the_shipped_one(
        reference: Any, texts: list[str], tmp_path: Path) -> None:
    built = load_identifier(CANDIDATES, tmp_path)  # builds and writes the cache
    assert cache_file(CANDIDATES, tmp_path).exists()
    cached = load_identifier(CANDIDATES, tmp_path)  # reads it
    assert built.nb_classes == cached.nb_classes == reference.nb_classes
    for text in texts:
        assert cached.classify(text) == reference.classify(text), text
        assert cached.rank(text) == reference.rank(text), text
        assert built.classify(text) == reference.classify(text), text


def test_second_load_does_not_unpack_the_shipped_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_identifier(CANDIDATES, tmp_path)

    def refuse(path: object) -> None:
        raise AssertionError("the shipped model was unpacked again")

    monkeypatch.setattr("py3langid.modelio.load_model", refuse)
    assert load_identifier(CANDIDATES, tmp_path).classify(SENTENCES[0])[0] == "id"


def test_a_damaged_cache_is_rebuilt(reference: Any, tmp_path: Path,
                                    caplog: pytest.LogCaptureFixture) -> None:
    path = cache_file(CANDIDATES, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04 not a whole npz file")
    with caplog.at_level(logging.WARNING, logger="crawler.enrich.langid_model"):
        identifier = load_identifier(CANDIDATES, tmp_path)
    assert "unreadable" in caplog.text
    assert identifier.classify(SENTENCES[1]) == reference.classify(SENTENCES[1])
    assert load_identifier(CANDIDATES, tmp_path).classify(SENTENCES[2]) == reference.classify(
        SENTENCES[2])  # the rebuilt file is whole


def test_an_unwritable_cache_directory_only_costs_time(reference: Any, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")  # a file where the cache directory would be
    identifier = load_identifier(CANDIDATES, blocked / "cache")
    assert identifier.classify(SENTENCES[0]) == reference.classify(SENTENCES[0])
    assert not (blocked / "cache").exists()


def test_other_languages_get_their_own_file(tmp_path: Path) -> None:
    assert cache_file(["id", "en"], tmp_path) != cache_file(CANDIDATES, tmp_path)
    assert load_identifier(["id", "en"], tmp_path).nb_classes == ["en", "id"]
