"""The `schedule` block of the sources file: parsing, merging, and one-line mistakes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from crawler.config.sources import ConfigError, Source, load_sources
from crawler.schedule.durations import format_duration, parse_duration, strict_duration
from crawler.schedule.model import EventWindow, Schedule, effective_schedule
from crawler.schedule.plans import scheduled_plans, source_plans

ROOT = Path(__file__).resolve().parents[1]
HEAD = "regions:\n  - code: '62'\n    name: Kalimantan Tengah\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def source_line(name: str = "f", extra: str = "") -> str:
    return (f"      - {{name: {name}, engine: phpbb, url: 'http://127.0.0.1:8765/'"
            f"{', ' + extra if extra else ''}}}\n")


def test_region_schedule_with_a_window_parses(tmp_path: Path) -> None:
    path = write(tmp_path, "    schedule:\n      every: 6h\n      windows:\n"
                 "        - {name: pilkada, around: 2024-11-27, before: 3d, after: 7d, "
                 "every: 15m}\n    sources:\n" + source_line())
    parsed = load_sources(path)
    schedule = parsed.regions[0].schedule
    assert schedule is not None and schedule.every == timedelta(hours=6)
    window = schedule.windows[0]
    assert (window.name, window.around, window.before, window.after, window.every) == (
        "pilkada", date(2024, 11, 27), timedelta(days=3), timedelta(days=7),
        timedelta(minutes=15))
    (plan,) = scheduled_plans(parsed)
    assert plan.zone == "Asia/Jakarta" and plan.schedule == schedule


def test_source_overrides_field_by_field(tmp_path: Path) -> None:
    path = write(tmp_path, "    timezone: Asia/Jakarta\n    schedule:\n      every: 6h\n"
                 "      windows: [{name: pilkada, around: 2024-11-27, every: 15m}]\n"
                 "    sources:\n"
                 + source_line("inherits")
                 + source_line("own-rule", "schedule: {cron: '0 */2 * * *'}")
                 + source_line("no-windows", "schedule: {windows: []}")
                 + source_line("manual", "schedule: {manual: true}")
                 + source_line("switched-off", "enabled: false")
                 + source_line("site-zone", "timezone: Asia/Makassar"))
    plans = {p.source.name: p for p in source_plans(load_sources(path))}
    inherits, own = plans["inherits"].schedule, plans["own-rule"].schedule
    assert inherits is not None and inherits.every == timedelta(hours=6)
    assert [w.name for w in inherits.windows] == ["pilkada"]
    assert own is not None and own.cron == "0 */2 * * *" and own.every is None
    assert [w.name for w in own.windows] == ["pilkada"], "a source's rule keeps the windows"
    no_windows = plans["no-windows"].schedule
    assert no_windows is not None and no_windows.every == timedelta(hours=6)
    assert no_windows.windows == []
    assert plans["manual"].schedule is None and not plans["manual"].scheduled
    assert plans["switched-off"].schedule is not None and not plans["switched-off"].scheduled
    # the schedule follows the region's clock, not the site's date zone
    assert plans["site-zone"].zone == "Asia/Jakarta"
    assert plans["site-zone"].source.timezone == "Asia/Makassar"


def test_effective_schedule_without_region() -> None:
    own = Schedule.model_validate({"every": "1h"})
    assert effective_schedule(None, own) == own
    assert effective_schedule(None, None) is None
    manual = Schedule.model_validate({"manual": True})
    assert effective_schedule(manual, None) is None
    only_windows = Schedule.model_validate({"windows": []})
    assert effective_schedule(None, only_windows) is None


def test_source_definition_round_trips_through_json() -> None:
    """Task messages carry the source as JSON; a schedule must validate again there."""
    source = Source.model_validate({
        "name": "f", "engine": "phpbb", "url": "http://127.0.0.1:8765/",
        "schedule": {"every": "2s", "windows": [
            {"name": "w", "around": "2024-11-27", "before": "1d", "cron": "*/5 * * * *"}]}})
    again = Source.model_validate(source.model_dump(mode="json"))
    assert again == source


@pytest.mark.parametrize(("block", "message"), [
    ("schedule: {every: 15 min}",
     "region 62: field 'schedule.every': not a duration '15 min' (use a number and a unit, "
     "e.g. 90s, 15m, 6h, 3d, 2w)"),
    ("schedule: {every: 0s}", "region 62: field 'schedule.every': must be at least 1s"),
    ("schedule: {every: 6h, cron: '0 * * * *'}",
     "region 62: field 'schedule': give either every or cron, not both"),
    ("schedule: {cron: '0 */2 * *'}",
     "region 62: field 'schedule.cron': not a cron expression '0 */2 * *' (five fields: "
     "minute hour day-of-month month day-of-week, e.g. '0 */2 * * *')"),
    ("schedule: {cron: '0 0 * * * *'}",
     "region 62: field 'schedule.cron': not a cron expression '0 0 * * * *'"),
    ("schedule: {cron: '0 0 31 2 *'}",
     "region 62: field 'schedule.cron': cron expression '0 0 31 2 *' never fires"),
    ("schedule: {cron: '61 * * * *'}",
     "region 62: field 'schedule.cron': not a cron expression '61 * * * *'"),
    ("schedule: {}",
     "region 62: field 'schedule': give every or cron (and optionally windows), or manual: true"),
    ("schedule: {manual: true, every: 1h}",
     "region 62: field 'schedule': manual: true takes no every, cron or windows"),
    ("schedule: {evry: 1h}",
     "region 62: field 'schedule.evry': unknown field (did you mean 'every'?)"),
    ("schedule: {every: 1h, windows: [{name: pilkada, around: 2024-11-27}]}",
     "region 62, window pilkada: field 'schedule.windows': give every or cron (how often to "
     "crawl inside the window)"),
    ("schedule: {every: 1h, windows: [{name: pilkada, around: 2024-11-27, every: 15m, "
     "befor: 3d}]}",
     "region 62, window pilkada: field 'schedule.windows.befor': unknown field (did you mean "
     "'before'?)"),
    ("schedule: {every: 1h, windows: [{name: pilkada, around: 27-11-2024, every: 15m}]}",
     "region 62, window pilkada: field 'schedule.windows.around': Input should be a valid "
     "date"),
    ("schedule: {every: 1h, windows: [{name: pilkada, around: 2024-11-27, every: 15m, "
     "after: soon}]}",
     "region 62, window pilkada: field 'schedule.windows.after': not a duration 'soon'"),
    ("schedule: {every: 1h, windows: [{name: Pilkada 2024, around: 2024-11-27, every: 15m}]}",
     "region 62, window Pilkada 2024: field 'schedule.windows.name': use lowercase letters"),
    ("schedule: {every: 1h, windows: [{name: a, around: 2024-11-27, every: 15m}, "
     "{name: a, around: 2024-12-27, every: 15m}]}",
     "region 62: field 'schedule': window name 'a' used twice"),
])
def test_region_schedule_mistakes_are_one_line(tmp_path: Path, block: str, message: str) -> None:
    path = write(tmp_path, f"    {block}\n    sources:\n" + source_line())
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: {message}"), text


def test_source_schedule_mistake_names_the_source(tmp_path: Path) -> None:
    path = write(tmp_path, "    sources:\n" + source_line("forum-a", "schedule: {every: 6x}"))
    with pytest.raises(ConfigError, match=r"region 62, source forum-a: field 'schedule\.every': "
                       r"not a duration '6x'"):
        load_sources(path)


def test_durations() -> None:
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("15 min") == "15 min"  # left to pydantic by the lenient parser
    assert strict_duration(" 2w ") == timedelta(weeks=2)
    assert strict_duration("PT15M") == "PT15M"  # ISO 8601 (a dumped model) goes to pydantic
    assert strict_duration(90) == 90
    for bad in ("15 min", "1.5h", True, 1.5):
        with pytest.raises(ValueError, match="not a duration"):
            strict_duration(bad)
    assert [format_duration(timedelta(seconds=s)) for s in (2, 900, 21600, 86400 * 14, 90)] \
        == ["2s", "15m", "6h", "2w", "90s"]


def test_schedule_fields_are_documented() -> None:
    reference = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    missing = [f"{model.__name__}.{name}" for model in (Schedule, EventWindow)
               for name in model.model_fields if f"`{name}`" not in reference]
    assert missing == [], f"not in docs/sources.md: {missing}"
