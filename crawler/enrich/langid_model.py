"""py3langid's model narrowed to pantau's languages, kept uncompressed in the user cache.

py3langid ships its model LZMA-compressed (4.5 MB, 68 MB unpacked); unpacking it costs every
spider process 0.4-0.7 CPU-seconds before its first post is enriched. The first process on a
machine stores the model narrowed to the candidate languages as a plain ``.npz`` (~42 MB) in
the user cache directory (``platformdirs``; ``~/.cache/pantau`` on Linux), keyed by the
py3langid version and the languages; later processes load that in ~0.05 s. The narrowed
arrays are the very ones ``set_languages`` would select, so answers are identical
(tests/test_langid_model.py). A cache that cannot be written or read is skipped: the model
is then loaded from py3langid as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs

logger = logging.getLogger(__name__)
_FIELDS = ("ptc", "pc", "classes", "nextmove", "row", "output")


def cache_file(languages: Sequence[str], directory: Path | None = None) -> Path:
    """Where the model narrowed to ``languages`` is cached."""
    key = hashlib.sha256(",".join(languages).encode()).hexdigest()[:12]
    base = directory or Path(platformdirs.user_cache_dir("pantau"))
    return base / f"langid-{metadata.version('py3langid')}-{key}.npz"


def load_identifier(languages: Sequence[str], directory: Path | None = None) -> Any:
    """A py3langid ``LanguageIdentifier`` (normalized probabilities) for ``languages``."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import _to_array, load_model

    path = cache_file(languages, directory)
    arrays = _read(path)
    if arrays is None:
        ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
        wanted = set(languages)
        keep = [i for i, code in enumerate(classes) if code in wanted]
        arrays = {"ptc": ptc[:, keep], "pc": pc[keep],
                  "classes": np.array([classes[i] for i in keep]),
                  "nextmove": np.frombuffer(nextmove, dtype=_dtype(nextmove)),
                  "row": np.frombuffer(row, dtype=_dtype(row)),
                  "output": np.asarray(output, dtype=np.int32)}
        _write(path, arrays)
    identifier = LanguageIdentifier(
        np.asarray(arrays["ptc"]), np.asarray(arrays["pc"]), arrays["classes"].tolist(),
        _to_array(arrays["nextmove"]), arrays["output"].tolist(), norm_probs=True,
        tk_row=_to_array(arrays["row"]))
    identifier.set_languages([code for code in languages if code in identifier.nb_classes])
    return identifier


def _dtype(values: Any) -> Any:
    return {2: np.uint16, 4: np.uint32, 8: np.uint64}[values.itemsize]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
            return {name: data[name] for name in _FIELDS}
    except FileNotFoundError:
        return None
    except Exception as err:  # truncated or foreign file: rebuilt below
        logger.warning("language model cache %s unreadable (%s); rebuilding it", path, err)
        return None


def _write(path: Path, arrays: dict[str, Any]) -> None:
    """Write atomically (a concurrent reader sees the old file or the whole new one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as err:
        logger.info("language model cache %s not written (%s)", path, err)
