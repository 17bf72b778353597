"""Bloom filter arithmetic for the cluster request filter: size, hash count, bit positions.

Pure functions, no Redis: :mod:`crawler.dedup.claims` keeps the bits in a Redis string
(``SETBIT``/``GETBIT`` inside one Lua script). Every URL in Bloom mode sets two entries:
the request's own digest ("someone claimed it") and the digest of (attempt token, request)
("this attempt claimed it"), so the filter is sized for ``2 * capacity`` entries.

A false positive on the first entry answers "seen" for a page nobody fetched: that page is
skipped in this run. The size is therefore chosen for a tiny error rate (default 1e-6, one
lost page per million new URLs at full capacity), and the rate only grows past the capacity.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

ENTRIES_PER_URL = 2  # the request's digest and (attempt token, request)
MAX_BITS = 2**32  # a Redis string holds at most 512 MiB


@dataclass(frozen=True)
class BloomShape:
    """``bits`` in the array and ``hashes`` positions set per entry."""

    bits: int
    hashes: int

    @property
    def bytes(self) -> int:
        """Bytes of the Redis string once the filter is in use (it is filled at random)."""
        return (self.bits + 7) // 8

    def error_rate(self, urls: int) -> float:
        """The chance that a new URL is taken for seen, after ``urls`` URLs were claimed."""
        entries = ENTRIES_PER_URL * urls
        return float((1 - math.exp(-self.hashes * entries / self.bits)) ** self.hashes)


def shape_for(capacity: int, error_rate: float) -> BloomShape:
    """The smallest filter for ``capacity`` URLs at ``error_rate`` (the optimal hash count).

    ``m = -n ln p / (ln 2)^2`` bits for ``n = 2 * capacity`` entries, ``k = log2(1/p)``:
    about 28.8 bits per entry, 7.2 bytes per URL at p = 1e-6.
    """
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, not {capacity}")
    if not 0 < error_rate < 1:
        raise ValueError(f"error rate must be between 0 and 1, not {error_rate}")
    entries = ENTRIES_PER_URL * capacity
    bits = math.ceil(-entries * math.log(error_rate) / math.log(2) ** 2)
    if bits > MAX_BITS:
        raise ValueError(f"a filter of {bits} bits exceeds Redis's 512 MiB string; "
                         "lower the capacity or raise the error rate")
    hashes = max(1, round(bits / entries * math.log(2)))
    return BloomShape(bits=bits, hashes=hashes)


def digest(fingerprint: bytes, salt: bytes = b"") -> bytes:
    """A 16-byte digest of a request fingerprint, optionally salted with an attempt token."""
    return hashlib.blake2b(salt + fingerprint, digest_size=16).digest()


def positions(key: bytes, shape: BloomShape) -> list[int]:
    """The ``shape.hashes`` bit positions of a 16-byte digest (Kirsch-Mitzenmacher).

    Two 64-bit halves ``h1``, ``h2`` give positions ``(h1 + i * h2) mod m``; ``h2`` is made
    odd so that it never collapses the sequence onto one bit.
    """
    h1 = int.from_bytes(key[:8], "big")
    h2 = int.from_bytes(key[8:16], "big") | 1
    return [(h1 + i * h2) % shape.bits for i in range(shape.hashes)]
