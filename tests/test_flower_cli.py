"""`pantau flower`: loopback by default, no open Flower beyond it, /metrics behind the password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from crawler.observe.flower import (
    TASK_COLUMNS,
    FlowerRefused,
    check_exposure,
    credentials_from,
    flower_argv,
    is_loopback,
    parse_basic_auth,
)
from tests.flowerproc import PASSWORD, USER, flower_env, get, running_flower


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("", False), ("::", False), ("10.1.2.3", False),
    ("flower.kantor.go.id", False),
])
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_exposure_rules() -> None:
    check_exposure("127.0.0.1", [], [])
    check_exposure("0.0.0.0", ["admin:x"], [])
    check_exposure("0.0.0.0", [], ["--auth=.*@kalteng\\.go\\.id"])  # Flower's own OAuth
    with pytest.raises(FlowerRefused, match=r"listen on 0\.0\.0\.0 without a password"):
        check_exposure("0.0.0.0", [], [])
    with pytest.raises(FlowerRefused, match="every interface"):
        check_exposure("", [], [])
    with pytest.raises(FlowerRefused, match="without a password"):
        check_exposure("127.0.0.1", [], ["--unix-socket=/tmp/flower.sock"])
    with pytest.raises(FlowerRefused, match="command line"):
        check_exposure("127.0.0.1", ["admin:x"], ["--basic_auth=a:b"])


def test_basic_auth_format_and_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_basic_auth("admin:pa:ss, ops:two") == ["admin:pa:ss", "ops:two"]
    for bad in ("admin", "admin:", ":secret", "admin:x,,ops:y"):
        with pytest.raises(FlowerRefused) as caught:
            parse_basic_auth(bad)
        assert "secret" not in str(caught.value) and "user:password" in str(caught.value)
    monkeypatch.setenv("FLOWER_BASIC_AUTH", "ops:from-flower-env")
    assert credentials_from(None) == ["ops:from-flower-env"]
    assert credentials_from("admin:mine") == ["admin:mine"]
    monkeypatch.delenv("FLOWER_BASIC_AUTH")
    assert credentials_from(None) == []


def test_flower_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWER_TASKS_COLUMNS", raising=False)
    assert flower_argv("127.0.0.1", 5555, ["--purge_offline_workers=600"]) == [
        "flower", "--address=127.0.0.1", "--port=5555", f"--tasks_columns={TASK_COLUMNS}",
        "--purge_offline_workers=600"]
    assert "--tasks_columns" not in " ".join(flower_argv("::1", 1, ["--tasks-columns=name"])
                                             [:-1])
    monkeypatch.setenv("FLOWER_TASKS_COLUMNS", "name,state")
    assert flower_argv("127.0.0.1", 1, []) == ["flower", "--address=127.0.0.1", "--port=1"]


def _pantau(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0",
            "PANTAU_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "PANTAU_LANG": "en"}  # the English lines are asserted
    return subprocess.run([sys.executable, "-m", "crawler", "flower", *args],
                          env={**base, **env}, capture_output=True, text=True, timeout=60,
                          check=False)


def test_open_address_without_password_is_refused_in_one_line() -> None:
    result = _pantau("--address", "0.0.0.0")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: Flower would listen on 0.0.0.0 without a password"
    assert lines[1].startswith("hint: set PANTAU_FLOWER_BASIC_AUTH=user:password")
    assert len(lines) == 2 and "Traceback" not in result.stderr


def test_bad_password_settings_are_refused_without_echo() -> None:
    result = _pantau("--address", "0.0.0.0", PANTAU_FLOWER_BASIC_AUTH="admin-top-secret")
    assert result.returncode == 2
    assert "PANTAU_FLOWER_BASIC_AUTH must be user:password" in result.stderr
    assert "top-secret" not in result.stderr + result.stdout
    on_argv = _pantau("--", "--basic_auth=admin:top-secret")
    assert on_argv.returncode == 2
    assert "readable by every user" in on_argv.stderr
    assert "top-secret" not in on_argv.stderr + on_argv.stdout


@pytest.mark.integration
def test_flower_needs_the_password_for_pages_api_and_metrics(redis_url: str,
                                                             tmp_path: Path) -> None:
    env = flower_env({"PANTAU_REDIS_URL": redis_url, "PANTAU_DATABASE_URL":
                      "postgresql://nobody@127.0.0.1:1/none", "PANTAU_STATE_DIR": str(tmp_path)})
    with running_flower(env, tmp_path / "flower.log") as (base, proc):
        for path in ("/metrics", "/tasks", "/api/workers"):
            assert get(base + path)[0] == 401, path
            assert get(base + path, (USER, "wrong"))[0] == 401, path
        status, metrics = get(base + "/metrics", (USER, PASSWORD))
        assert status == 200 and "flower_events_total" in metrics
        assert get(base + "/tasks", (USER, PASSWORD))[0] == 200
        assert get(base + "/healthcheck")[0] == 200  # says only "OK"
        cmdline = " ".join(psutil.Process(proc.pid).cmdline())
        assert PASSWORD not in cmdline  # handed to Flower through its own environment
    log = (tmp_path / "flower.log").read_text()
    assert f"Flower on {base}/ (basic auth required; /metrics too)" in log
    assert PASSWORD not in log
