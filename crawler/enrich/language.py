"""Language of a post, detected offline with py3langid (its model ships in the package).

The detector ranks about 140 languages; pantau narrows it to the languages its sources are
written in (``CANDIDATES``: Indonesian, English, Malay, Javanese, Acehnese and a few foreign
languages seen on Indonesian sites) and answers None for texts too short to tell or when no
language is clearly ahead. Codes are ISO 639-1 where one exists (id, en, ms, jv), else
ISO 639-3 (ace), as py3langid names them. Sundanese, Banjar and other regional languages are
not in py3langid's model: their posts are usually tagged jv or id.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

# Languages a post may be tagged with. Malay and Indonesian are close: the detector decides
# between them by vocabulary (kerajaan, mangsa, kawasan... are Malay).
CANDIDATES = ("id", "en", "ms", "jv", "ace", "ar", "zh", "nl", "tl")
MIN_LETTERS = 12  # below this many letters, no guess
MIN_PROBABILITY = 0.5
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\d+", re.IGNORECASE)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The py3langid identifier with normalized probabilities, narrowed to CANDIDATES.

    Loaded from an uncompressed copy in the user cache when there is one (langid_model.py).
    """
    from crawler.enrich.langid_model import load_identifier

    return load_identifier(CANDIDATES)


def supported_languages() -> list[str]:
    """The codes :func:`detect_language` can answer."""
    return list(_identifier().nb_classes)


def detect_language(text: str | None) -> str | None:
    """The language code of ``text``, or None when it is too short or unclear."""
    if not text:
        return None
    cleaned = _NOISE.sub(" ", text)
    if not _has_letters(cleaned, MIN_LETTERS):
        return None
    with _lock:  # the identifier's set_languages state is shared; classify is cheap
        code, probability = _identifier().classify(cleaned)
    return str(code) if probability >= MIN_PROBABILITY else None


def _has_letters(text: str, wanted: int) -> bool:
    """Whether ``text`` holds at least ``wanted`` letters (stops counting there)."""
    for ch in text:
        if ch.isalpha():
            wanted -= 1
            if not wanted:
                return True
    return wanted <= 0
