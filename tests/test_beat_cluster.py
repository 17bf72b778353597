"""Two real `pantau beat` processes on one Redis: every slot is sent once, the standby takes
over when the active beat dies, and a changed sources file changes what is sent."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis

from crawler.runner.process import kill_group

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REGION = "94.72"  # a queue no worker serves: the messages stay to be counted
QUEUE = f"crawl.{REGION}"
LOCK_TIMEOUT = 2
ANCHOR = datetime(2000, 1, 1, tzinfo=ZoneInfo("Asia/Jayapura"))  # `every` counts from here


def sources(*entries: tuple[str, str]) -> str:
    lines = "".join(f"      - {{name: {name}, engine: phpbb, url: 'http://127.0.0.1:9/{name}/', "
                    f"authors: keep, schedule: {schedule}}}\n" for name, schedule in entries)
    return (f"regions:\n  - code: '{REGION}'\n    name: Test\n    timezone: Asia/Jayapura\n"
            f"    sources:\n{lines}")


def beat_env(redis_url: str, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(PANTAU_REDIS_URL=redis_url, PANTAU_STATE_DIR=str(state),
               PANTAU_DATABASE_URL="postgresql://unused@127.0.0.1:1/x",
               PANTAU_BEAT_MAX_INTERVAL="0.5", PANTAU_BEAT_LOCK_TIMEOUT=str(LOCK_TIMEOUT),
               PANTAU_SCHEDULE_RELOAD="0.5")
    return env


class Beat:
    """A `pantau beat` process with its log file."""

    def __init__(self, config: Path, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "beat", "--config", str(config),
             "--loglevel", "INFO"],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        kill_group(self.proc, grace=10)
        self._log.close()


@pytest.fixture
def queue(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    for key in [*client.scan_iter(match="pantau:beat:*"), QUEUE,
                *client.scan_iter(match=f"_kombu.binding*{QUEUE}")]:
        client.delete(key)
    client.close()


def sent(client: redis.Redis) -> list[tuple[str, datetime]]:
    """(source, slot) of every message in the queue, oldest first."""
    out = []
    for raw in reversed(client.lrange(QUEUE, 0, -1)):  # kombu LPUSHes: newest first
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        out.append((args[0]["name"], datetime.fromisoformat(message["headers"]["pantau_slot"])))
    return out


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_beats_send_each_slot_once(tmp_path: Path, redis_url: str,
                                       queue: redis.Redis) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(sources(("forum-a", "{every: 2s}")), encoding="utf-8")
    env = beat_env(redis_url, tmp_path)
    beats = [Beat(config, env, tmp_path / f"beat-{n}.log") for n in (1, 2)]
    try:
        wait_for(lambda: len(sent(queue)) >= 4, 30, "four slots")
        (active,) = [b for b in beats if "Acquired lock" in b.log]
        (standby,) = [b for b in beats if b is not active]
        assert "Sending due task" not in standby.log
        os.killpg(active.proc.pid, signal.SIGKILL)  # dies holding the lock
        killed_at = len(sent(queue))
        wait_for(lambda: "Acquired lock" in standby.log, 15, "the standby to take over")
        wait_for(lambda: len(sent(queue)) >= killed_at + 3, 20, "slots from the standby")
        # the changed file: forum-a now manual, forum-b every 3 s
        config.write_text(sources(("forum-a", "{manual: true}"), ("forum-b", "{every: 3s}")),
                          encoding="utf-8")
        wait_for(lambda: "1 added, 0 changed, 1 removed" in standby.log, 15, "the reload")
        reloaded_at = time.time()
        wait_for(lambda: sum(n == "forum-b" for n, _ in sent(queue)) >= 2, 20, "forum-b slots")
    finally:
        for beat in beats:
            beat.stop()
    messages = sent(queue)
    slots_a = [slot for name, slot in messages if name == "forum-a"]
    slots_b = [slot for name, slot in messages if name == "forum-b"]
    assert len(slots_a) == len(set(slots_a)), f"a slot sent twice: {slots_a}"
    assert slots_a == sorted(slots_a)
    assert all((s - ANCHOR).total_seconds() % 2 == 0 for s in slots_a), "on the 2 s grid"
    # slots missed while no beat held the lock (or the machine was busy) are made up by one
    # catch-up run, so the gaps stay short
    assert max((b - a).total_seconds() for a, b in pairwise(slots_a)) <= LOCK_TIMEOUT + 8
    assert max(slots_a).timestamp() <= reloaded_at + 1, "forum-a kept being sent after reload"
    assert len(slots_b) == len(set(slots_b)) >= 2
    assert all((s - ANCHOR).total_seconds() % 3 == 0 for s in slots_b), "on the 3 s grid"
    assert "beat: schedule synced" in standby.log
