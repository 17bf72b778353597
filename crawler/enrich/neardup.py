"""Near-duplicate texts: MinHash signatures over word shingles, LSH bands, union of matches.

A post's body is cut into shingles of ``SHINGLE`` consecutive words (lowercase, URLs and
punctuation removed); its MinHash signature (datasketch, ``NUM_PERM`` permutations, fixed
seed, so the same text gives the same signature in every process) estimates the Jaccard
similarity of two posts' shingle sets. The signature is split into LSH bands (the number and
width chosen by datasketch for the threshold); posts sharing a band's bucket are candidates,
and a candidate counts as a near-duplicate when the signatures agree on at least
``threshold`` of their positions. Bands and signatures are stored (crawler.storage.
enrichment), so a new post is compared with every stored one through an index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from crawler.enrich.normalize import words

NUM_PERM = 128
SHINGLE = 3
SEED = 62


@dataclass(frozen=True, slots=True)
class LshShape:
    """How a signature is cut into bands: ``bands`` bands of ``rows`` positions."""

    threshold: float
    bands: int
    rows: int


@lru_cache(maxsize=8)
def lsh_shape(threshold: float) -> LshShape:
    """Bands and rows for ``threshold`` (datasketch's optimum, equal weight to misses and
    false candidates; false candidates are removed by comparing signatures anyway)."""
    from datasketch.lsh import _optimal_param

    if not 0.0 < threshold < 1.0:
        raise ValueError("a near-duplicate threshold is between 0 and 1, e.g. 0.6")
    bands, rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
    return LshShape(threshold, int(bands), int(rows))


@lru_cache(maxsize=1)
def _template() -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def shingles(text: str | None, size: int = SHINGLE) -> set[bytes]:
    """The word shingles of a text; a text shorter than ``size`` words is one shingle."""
    tokens = words(text or "")
    if not tokens:
        return set()
    if len(tokens) < size:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i:i + size]).encode() for i in range(len(tokens) - size + 1)}


def signature(text: str | None, min_words: int) -> bytes | None:
    """The MinHash signature (NUM_PERM little-endian uint32) of a text, or None when the text
    has fewer than ``min_words`` words (short replies are alike by chance, not by copying)."""
    if len(words(text or "")) < min_words:
        return None
    from datasketch import MinHash

    template = _template()
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=template.permutations,
                      scheme=template.scheme)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype("<u4").tobytes()


def band_buckets(sig: bytes, shape: LshShape) -> list[tuple[int, int]]:
    """(band number, bucket) pairs of a signature: the bucket is a signed 64-bit hash of the
    band's positions, as PostgreSQL's bigint stores it."""
    width = 4 * shape.rows
    out = []
    for band in range(shape.bands):
        chunk = sig[band * width:(band + 1) * width]
        digest = hashlib.blake2b(chunk, digest_size=8, person=b"pantau-lsh").digest()
        out.append((band, int.from_bytes(digest, "little", signed=True)))
    return out


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal positions)."""
    left = np.frombuffer(a, dtype="<u4")
    right = np.frombuffer(b, dtype="<u4")
    if left.shape != right.shape:
        return 0.0
    return float(np.count_nonzero(left == right)) / len(left)


class UnionFind:
    """Disjoint sets of post uids (path compression, union by size)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def find(self, item: str) -> str:
        if item not in self.parent:
            self.parent[item] = item
            self.size[item] = 1
            return item
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # compress the path walked
            following = self.parent[item]
            self.parent[item] = root
            item = following
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]

    def groups(self) -> list[list[str]]:
        """Every set of two or more items."""
        by_root: dict[str, list[str]] = {}
        for item in self.parent:
            by_root.setdefault(self.find(item), []).append(item)
        return [sorted(members) for members in by_root.values() if len(members) > 1]


def matching_pairs(pairs: Iterable[tuple[str, str]], signatures: dict[str, bytes],
                   threshold: float) -> list[tuple[str, str]]:
    """The candidate pairs whose signatures agree on at least ``threshold`` positions."""
    out = []
    for a, b in pairs:
        left, right = signatures.get(a), signatures.get(b)
        if left is not None and right is not None and similarity(left, right) >= threshold:
            out.append((a, b))
    return out


def groups_of(pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of matched pairs."""
    sets = UnionFind()
    for a, b in pairs:
        sets.union(a, b)
    return sets.groups()
