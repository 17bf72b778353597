"""Indonesian text to comparable tokens: case, leetspeak, stretched letters, slang, stems.

``normalize_tokens("Ngusir pendatang2 itu gak bener!!")`` gives ``['usir', 'datang',
'itu', 'tidak', 'benar']``: the slang dictionary (``data/slang.tsv``) maps informal spellings
to standard words, colloquial verb prefixes (ng-, nge-, ny-) and the suffix -in are undone
where that yields a dictionary root, and Sastrawi stems the rest (membakar, dibakar,
pembakaran -> bakar). Watchlist terms go through the same function, so a term matches every
form of its words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_STRETCHED = re.compile(r"(\D)\1{2,}")  # three or more of one letter: "bangsaaat"
_LEET = str.maketrans({"4": "a", "3": "e", "1": "i", "0": "o", "5": "s", "7": "t", "8": "b"})
_VOWELS = "aeiou"
STEM_CACHE_SIZE = 200_000


@lru_cache(maxsize=1)
def slang_dictionary() -> dict[str, tuple[str, ...]]:
    """Informal spelling -> standard word(s), from the shipped ``data/slang.tsv``."""
    text = resources.files("crawler.enrich").joinpath("data/slang.tsv").read_text("utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        informal, sep, standard = line.partition("\t")
        if not sep or not standard.strip():
            raise ValueError(f"slang.tsv line {number}: expected 'informal<TAB>standard'")
        table[informal.strip().lower()] = tuple(standard.lower().split())
    return table


@lru_cache(maxsize=1)
def _sastrawi() -> tuple[Any, Any]:
    """Sastrawi's stemmer (uncached: we bound the cache ourselves) and its root dictionary."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    dictionary = ArrayDictionary(StemmerFactory().get_words())
    return Stemmer(dictionary), dictionary


def is_root(word: str) -> bool:
    """Whether ``word`` is in Sastrawi's dictionary of Indonesian root words."""
    return bool(_sastrawi()[1].contains(word))


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(word: str) -> str:
    """The root of one lowercase word; colloquial forms first (ngusir -> usir, bakarin ->
    bakar), then Sastrawi (pembakaran -> bakar). Words it cannot reduce stay as they are."""
    stemmer, _dictionary = _sastrawi()
    if not word.isalpha() or len(word) < 4:
        return word
    if is_root(word):
        return word
    for candidate in _colloquial(word):
        if is_root(candidate):
            return candidate
    stemmed = str(stemmer.stem(word))
    return stemmed or word


def _colloquial(word: str) -> list[str]:
    """Roots a Jakarta-style colloquial verb may come from (checked against the dictionary)."""
    bases = [word]
    if word.endswith("in") and len(word) > 5:
        bases.append(word[:-2])  # bakarin -> bakar, usirin -> usir
    out: list[str] = []
    for base in bases:
        out.append(base)
        if base.startswith("nge") and len(base) > 5:
            out.append(base[3:])  # ngebakar -> bakar
        if base.startswith("ng") and len(base) > 4 and base[2] in _VOWELS:
            out.extend((base[2:], "k" + base[2:]))  # ngusir -> usir, ngritik -> kritik
        if base.startswith("ny") and len(base) > 4 and base[2] in _VOWELS:
            out.extend(("s" + base[2:], "c" + base[2:]))  # nyerang -> serang, nyuri -> curi
        if base.startswith("n") and len(base) > 3 and base[1] in _VOWELS:
            out.append("t" + base[1:])  # nembak -> tembak
        if base.startswith("m") and len(base) > 3 and base[1] in _VOWELS:
            out.append("p" + base[1:])  # mukul -> pukul
    return out[1:] if len(out) > 1 else []


def words(text: str) -> list[str]:
    """Lowercase word tokens of ``text`` (NFKC, URLs removed, hyphenated words split)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" ", text)
    out: list[str] = []
    for match in _WORD.finditer(text):
        for part in match.group().split("-"):
            out.append(part)
    return out


def normalize_word(token: str) -> tuple[str, ...]:
    """One token as the standard word(s) it stands for, stemmed."""
    if token.isdigit():
        return (token,)
    if token[-1] == "2" and token[:-1].isalpha():
        token = token[:-1]  # reduplication written anak2
    if not token.isalpha() and any(ch.isalpha() for ch in token):
        token = token.translate(_LEET)  # k4f1r -> kafir
    token = _STRETCHED.sub(r"\1", token)
    slang = slang_dictionary()
    standard = slang.get(token)
    if standard is None:
        return (stem(token),)
    return tuple(stem(word) for word in standard)


def normalize_tokens(text: str | None) -> list[str]:
    """The normalized tokens of a text, in order (see the module docstring)."""
    if not text:
        return []
    out: list[str] = []
    for token in words(text):
        out.extend(normalize_word(token))
    return out
