"""The HTML report in headless Chromium: it loads nothing from anywhere, every chart renders
with visible marks, and the marks carry exactly the numbers of the JSON figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import chromium_path
from tests.reportdata import seed_database

pytestmark = pytest.mark.browser
ARGS = ("report", "--region", "62", "--event", "2019-04-17", "--before", "14d", "--after",
        "14d", "--lang", "en")
CHARTS = {"comparison", "daily-platform", "daily-source", "watchlist-daily", "top-terms",
          "areas"}

# Per chart: its size, and each mark's series, x, value and rendered size.
MEASURE = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  return {chart: svg.dataset.chart, width: box.width, height: box.height,
          marks: [...svg.querySelectorAll('.mark')].map(m => {
            const r = m.getBoundingClientRect();
            return {series: m.dataset.series, x: m.dataset.x, value: +m.dataset.value,
                    width: r.width, height: r.height};
          })};
})"""


def run(*args: str, database: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    result = subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True,
                            text=True, env={**env, "PANTAU_DATABASE_URL": database},
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def rendered(database: str, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The JSON figures, the charts as Chromium measured them, and every request it made."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    seed_database(database)
    folder = tmp_path_factory.mktemp("html")
    run(*ARGS, "-o", str(folder / "report.html"), database=database)
    run(*ARGS, "--format", "json", "-o", str(folder / "report.json"), database=database)
    figures = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto((folder / "report.html").as_uri(), wait_until="load")
            charts = page.evaluate(MEASURE)
            assert page.evaluate("document.documentElement.lang") == "en"
        finally:
            browser.close()
    return figures, charts, requests


def test_nothing_is_fetched(rendered: tuple[dict[str, Any], list[dict[str, Any]], list[str]]
                            ) -> None:
    _, _, requests = rendered
    assert len(requests) == 1 and requests[0].startswith("file://")


def test_every_chart_renders_visible_marks(
        rendered: tuple[dict[str, Any], list[dict[str, Any]], list[str]]) -> None:
    _, charts, _ = rendered
    assert {c["chart"] for c in charts} == CHARTS
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 40, chart["chart"]
        assert chart["marks"], chart["chart"]
        for mark in chart["marks"]:
            assert mark["width"] > 0 and mark["height"] > 0, (chart["chart"], mark)


def _marks(charts: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    marks: list[dict[str, Any]] = next(c["marks"] for c in charts if c["chart"] == name)
    return marks


def test_marks_carry_the_figures(
        rendered: tuple[dict[str, Any], list[dict[str, Any]], list[str]]) -> None:
    figures, charts, _ = rendered
    platform = {(d["day"], d["platform"]): d["posts"]
                for d in figures["daily_volume"]["by_platform"]}
    assert {(m["x"], m["series"]): m["value"] for m in _marks(charts, "daily-platform")} \
        == platform
    sources: dict[tuple[str, str], int] = defaultdict(int)
    for d in figures["daily_volume"]["by_source"]:
        sources[(d["day"], d["source"])] += d["posts"]
    drawn = {(m["x"], m["series"]): m["value"] for m in _marks(charts, "daily-source")}
    assert len(drawn) == 28 * len({s for _, s in sources})  # a dot per day and source
    assert {k: v for k, v in drawn.items() if v} == dict(sources)
    flags = {(d["day"], d["flag"]): d["posts"] for d in figures["watchlist"]["daily"]}
    drawn = {(m["x"], m["series"]): m["value"] for m in _marks(charts, "watchlist-daily")}
    assert {k: v for k, v in drawn.items() if v} == flags
    comparison = {(m["x"], m["series"]): m["value"] for m in _marks(charts, "comparison")}
    assert comparison == {(metric, period): values[period]
                          for metric, values in figures["comparison"].items()
                          for period in ("before", "after") if values[period]}
    terms = {(m["x"], m["series"]): m["value"] for m in _marks(charts, "top-terms")}
    assert terms == {(t["term"], p): t[f"posts_{p}"] for t in figures["top_terms"]
                     for p in ("before", "after") if t[f"posts_{p}"]}
    areas = {(m["x"], m["series"]): m["value"] for m in _marks(charts, "areas")}
    assert areas == {(a["code"], p): a[f"posts_{p}"] for a in figures["areas"]
                     for p in ("before", "after") if a[f"posts_{p}"]}


def test_the_indonesian_report_names_times_in_wib(database: str, tmp_path: Path) -> None:
    out = tmp_path / "laporan.html"
    run(*ARGS[:-2], "-o", str(out), database=database)
    page = out.read_text(encoding="utf-8")
    assert '<html lang="id">' in page and "Unggahan per hari menurut platform" in page
    assert "3 Apr 2019 00:00 WIB" in page and "1 Mei 2019 00:00 WIB" in page
