"""Fire times: rhythms in the region's zone, event windows and their edges, the beat's view."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crawler.schedule.model import Schedule
from crawler.schedule.timetable import Timetable
from tasks.beat_entries import PantauJSONDecoder, PantauJSONEncoder, WindowedSchedule

WIB = ZoneInfo("Asia/Jakarta")
PILKADA = {"name": "pilkada", "around": "2024-11-27", "before": "3d", "after": "7d",
           "every": "15m"}


def table(zone: str = "Asia/Jakarta", **spec: Any) -> Timetable:
    return Timetable(Schedule.model_validate(spec), zone)


def at(text: str, zone: ZoneInfo = WIB) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def local(times: list[datetime], zone: ZoneInfo = WIB) -> list[str]:
    return [t.astimezone(zone).strftime("%Y-%m-%d %H:%M") for t in times]


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_every_is_counted_from_local_midnight(zone: str) -> None:
    tz = ZoneInfo(zone)
    times = table(zone, every="6h").upcoming(at("2024-11-20 05:00", tz), 4)
    assert local(times, tz) == ["2024-11-20 06:00", "2024-11-20 12:00", "2024-11-20 18:00",
                                "2024-11-21 00:00"]
    assert all(t.tzinfo == UTC for t in times)


def test_an_interval_not_dividing_a_day_keeps_equal_steps() -> None:
    times = table(every="5h").upcoming(at("2024-11-20 22:30"), 3)
    anchor = at("2000-01-01 00:00")
    assert all((t - anchor) % timedelta(hours=5) == timedelta(0) for t in times)
    assert [b - a for a, b in pairwise(times)] == [timedelta(hours=5)] * 2


def test_next_after_is_strictly_after_a_slot() -> None:
    tt = table(every="6h")
    assert local([tt.next_after(at("2024-11-20 06:00"))]) == ["2024-11-20 12:00"]  # type: ignore[list-item]
    cron = table(cron="0 */2 * * *")
    assert local(cron.upcoming(at("2024-11-20 06:00"), 2)) == ["2024-11-20 08:00",
                                                               "2024-11-20 10:00"]
    just_before = at("2024-11-20 07:59:59.999999")
    assert local([cron.next_after(just_before)]) == ["2024-11-20 08:00"]  # type: ignore[list-item]


def test_cron_is_read_in_the_region_zone() -> None:
    wib = table("Asia/Jakarta", cron="0 8 * * *").next_after(at("2024-11-20 00:00", UTC))
    wit = table("Asia/Jayapura", cron="0 8 * * *").next_after(at("2024-11-20 00:00", UTC))
    assert wib == at("2024-11-20 01:00", UTC)  # 08:00 WIB
    assert wit == at("2024-11-20 23:00", UTC)  # 08:00 WIT (UTC+9) the next day


def test_window_opens_at_midnight_before_and_closes_after_the_last_day() -> None:
    tt = table(every="6h", windows=[PILKADA])
    (window,) = tt.windows
    assert window.start == at("2024-11-24 00:00") and window.end == at("2024-12-05 00:00")
    # before the window: normal rhythm up to the edge, then every 15 minutes from 00:00
    assert local(tt.upcoming(at("2024-11-23 11:00"), 4)) == [
        "2024-11-23 12:00", "2024-11-23 18:00", "2024-11-24 00:00", "2024-11-24 00:15"]
    # the end is open: the normal slot at 00:00 of D+8 fires, then the rhythm goes on
    assert local(tt.upcoming(at("2024-12-04 23:30"), 4)) == [
        "2024-12-04 23:45", "2024-12-05 00:00", "2024-12-05 06:00", "2024-12-05 12:00"]
    assert tt.window_at(at("2024-11-23 23:59:59")) is None
    assert tt.window_at(at("2024-11-24 00:00")) == window
    assert tt.window_at(at("2024-12-04 23:59:59")) == window
    assert tt.window_at(at("2024-12-05 00:00")) is None
    inside = tt.upcoming(at("2024-11-27 09:07"), 96)
    assert {b - a for a, b in pairwise(inside)} == {timedelta(minutes=15)}


def test_window_off_the_normal_grid_and_normal_slots_inside_it_are_not_doubled() -> None:
    spec = {"name": "debat", "around": "2024-11-10", "before": "12h", "every": "4h"}
    tt = table(every="5h", windows=[spec])
    start, end = at("2024-11-09 12:00"), at("2024-11-11 00:00")
    times = tt.upcoming(at("2024-11-09 00:00"), 12)
    inside = [t for t in times if start <= t < end]
    assert inside == [start + timedelta(hours=4 * k) for k in range(len(inside))]
    outside = [t for t in times if not start <= t < end]
    anchor = at("2000-01-01 00:00")
    assert all((t - anchor) % timedelta(hours=5) == timedelta(0) for t in outside)
    assert len(times) == len(set(times)) and times == sorted(times)


def test_cron_rhythm_with_window() -> None:
    tt = table(cron="0 */2 * * *", windows=[{**PILKADA, "before": "0s", "after": "0s"}])
    assert local(tt.upcoming(at("2024-11-26 21:00"), 3)) == [
        "2024-11-26 22:00", "2024-11-27 00:00", "2024-11-27 00:15"]
    assert local(tt.upcoming(at("2024-11-27 23:50"), 3)) == [
        "2024-11-28 00:00", "2024-11-28 02:00", "2024-11-28 04:00"]


def test_overlapping_windows_fire_at_the_union() -> None:
    tt = table(every="1d", windows=[
        {"name": "a", "around": "2024-11-27", "every": "15m"},
        {"name": "b", "around": "2024-11-27", "cron": "*/10 * * * *"}])
    assert local(tt.upcoming(at("2024-11-26 23:00"), 6)) == [
        "2024-11-27 00:00", "2024-11-27 00:10", "2024-11-27 00:15", "2024-11-27 00:20",
        "2024-11-27 00:30", "2024-11-27 00:40"]
    assert tt.window_at(at("2024-11-27 12:00")).name == "a"  # type: ignore[union-attr]


def test_windows_only_schedule_ends() -> None:
    tt = table(windows=[{"name": "w", "around": "2024-11-27", "every": "6h"}])
    assert tt.describe() == "only in windows"
    assert local(tt.upcoming(at("2024-01-01 00:00"), 10)) == [
        "2024-11-27 00:00", "2024-11-27 06:00", "2024-11-27 12:00", "2024-11-27 18:00"]
    assert tt.next_after(at("2024-11-27 18:00")) is None


def test_daylight_saving_zone_cron_follows_the_wall_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    times = table("Europe/Berlin", cron="0 12 * * *").upcoming(at("2024-03-30 00:00", berlin), 2)
    assert local(times, berlin) == ["2024-03-30 12:00", "2024-03-31 12:00"]
    assert times[1] - times[0] == timedelta(hours=23)  # the night of the clock change


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        table(every="1h").next_after(datetime(2024, 1, 1))


def test_descriptions() -> None:
    tt = table(every="6h", windows=[PILKADA])
    assert tt.describe() == "every 6h"
    assert tt.describe_window(tt.windows[0]) == (
        "pilkada: every 15m, 2024-11-24 00:00 - 2024-12-05 00:00 WIB")
    assert table(cron="0 */2 * * *").describe() == "cron 0 */2 * * *"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_windowed_schedule_is_due_at_the_window_edge() -> None:
    clock = Clock(at("2024-11-23 23:59:59"))
    sched = WindowedSchedule({"every": "6h", "windows": [PILKADA]}, "Asia/Jakarta",
                             nowfun=clock)
    last = at("2024-11-23 18:00:00.2")
    due, wait = sched.is_due(last)
    assert not due and wait == pytest.approx(1.0)
    # redbeat's due time is last_run_at + remaining_estimate(last_run_at): the next slot
    assert last + sched.remaining_estimate(last) == at("2024-11-24 00:00")  # type: ignore[operator]
    clock.now = at("2024-11-24 00:00:00.5")
    due, wait = sched.is_due(last)
    assert due and wait == pytest.approx(15 * 60 - 0.5)
    # missed slots while the beat was down: one catch-up run now, then the rhythm
    clock.now = at("2024-11-24 03:07")
    assert sched.is_due(at("2024-11-24 00:00:00.1")) == (True, pytest.approx(8 * 60))


def test_windowed_schedule_never_ran_and_finished() -> None:
    clock = Clock(at("2024-11-29 10:00"))
    only = WindowedSchedule({"windows": [{"name": "w", "around": "2024-11-28", "every": "1h"}]},
                            "Asia/Jakarta", nowfun=clock)
    assert only.is_due(datetime(1, 1, 2, tzinfo=UTC))[0] is True  # never ran: due at once
    assert only.remaining_estimate(at("2024-11-28 23:00")) is None  # no slot left
    assert only.is_due(at("2024-11-28 23:00")) == (False, 3600.0)


def test_windowed_schedule_json_round_trip() -> None:
    sched = WindowedSchedule({"cron": "0 */2 * * *", "windows": [PILKADA]}, "Asia/Makassar")
    text = json.dumps({"schedule": sched}, cls=PantauJSONEncoder)
    again = json.loads(text, cls=PantauJSONDecoder)["schedule"]
    assert isinstance(again, WindowedSchedule) and again == sched
    assert again.timetable.zone == ZoneInfo("Asia/Makassar")
    assert again.spec.windows[0].every == timedelta(minutes=15)
