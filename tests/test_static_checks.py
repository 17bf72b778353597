"""The house rules that tools check: ruff over the tree, mypy on crawler/, tasks/ and spiders/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return path


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True,
                            check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_is_documented() -> None:
    from crawler.config.settings import Settings

    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [f"PANTAU_{name.upper()}" for name in Settings.model_fields
               if f"PANTAU_{name.upper()}" not in operations]
    assert missing == [], f"not in docs/operations.md: {missing}"


def test_every_source_field_is_documented() -> None:
    from crawler.config.sources import Limits, Politeness, Region, Source

    reference = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    missing = [f"{model.__name__}.{name}" for model in (Region, Source, Limits, Politeness)
               for name in model.model_fields if f"`{name}`" not in reference]
    assert missing == [], f"not in docs/sources.md: {missing}"
