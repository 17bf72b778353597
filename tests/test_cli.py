"""The CLI: user mistakes and dead services give one clear line and a hint, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def pantau(*args: str, env: dict[str, str] | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    base["PANTAU_ALLOWED_NETWORKS"] = "127.0.0.0/8,::1"  # the tests' sites are on loopback
    base["PANTAU_LANG"] = "en"  # the messages asserted are the English ones (default: id)
    return subprocess.run([sys.executable, "-m", "crawler", *args], env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)


def unreachable(state: Path) -> dict[str, str]:
    """Services nobody listens on: for mistakes that must be caught before any connection."""
    return {"PANTAU_DATABASE_URL": "postgresql://x@127.0.0.1:1/x",
            "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0", "PANTAU_STATE_DIR": str(state)}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_the_commands() -> None:
    result = pantau("--help")
    assert result.returncode == 0
    for command in ("crawl", "worker", "status", "db", "sources"):
        assert command in result.stdout


def test_sources_validate_ok(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: Kalimantan Tengah\n    sources:\n"
                    "      - {name: forum-a, engine: phpbb, url: 'http://127.0.0.1:8765/'}\n")
    result = pantau("sources", "validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "forum-a" in result.stdout and "1 regions, 1 sources" in result.stdout


def test_sources_validate_typo_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: Kalimantan Tengah\n    sources:\n"
                    "      - {name: forum-a, engin: phpbb, url: 'http://127.0.0.1:8765/'}\n")
    result = pantau("sources", "validate", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (f"error: {path}: region 62, source forum-a: field 'engin': "
                        "unknown field (did you mean 'engine'?)")
    assert lines[1].startswith("hint:")


def test_database_down_is_one_line(tmp_path: Path) -> None:
    port = closed_port()
    result = pantau("crawl", "http://127.0.0.1:8765/", "--engine", "phpbb", env={
        "PANTAU_DATABASE_URL": f"postgresql://pantau:s3cret@127.0.0.1:{port}/pantau",
        "PANTAU_REDIS_URL": "redis://127.0.0.1:6379/0",
        "PANTAU_STATE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr
    assert "s3cret" not in result.stderr
    assert "hint: is PostgreSQL running?" in result.stderr


def test_unknown_source_name_suggests(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: Kalimantan Tengah\n    sources:\n"
                    "      - {name: forum-kalteng, engine: phpbb, url: 'http://127.0.0.1:1/'}\n")
    result = pantau("crawl", "forum-kaltneg", "--config", str(path), env=unreachable(tmp_path))
    assert result.returncode == 2
    assert "did you mean 'forum-kalteng'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    result = pantau("status", env={"PANTAU_DOWNLOAD_DELAY": "soon",
                                   "PANTAU_STATE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "PANTAU_DOWNLOAD_DELAY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http://"])
def test_bad_url_target(url: str, tmp_path: Path) -> None:
    result = pantau("crawl", url, env=unreachable(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_redis_down_is_one_line_and_leaves_no_run(migrated_database: str, tmp_path: Path) -> None:
    import psycopg

    with psycopg.connect(migrated_database) as conn:
        before = conn.execute("SELECT count(*) FROM crawl_runs").fetchone()
    result = pantau("crawl", "http://127.0.0.1:8765/", "--region", "62", "--engine", "phpbb",
                    env={
        "PANTAU_DATABASE_URL": migrated_database,
        "PANTAU_REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
        "PANTAU_STATE_DIR": str(tmp_path)})
    assert result.returncode == 1, result.stderr
    assert "cannot reach Redis" in result.stderr
    assert "Traceback" not in result.stderr
    with psycopg.connect(migrated_database) as conn:
        after = conn.execute("SELECT count(*) FROM crawl_runs").fetchone()
    assert before == after


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--engine", "vbuletin"],
         "error: --engine: unknown engine 'vbuletin' (did you mean 'vbulletin'?)"),
        (["--authors", "everyone"], "error: --authors: Input should be 'keep', 'pseudonymize'"),
        (["--region", "kalteng"], "error: --region: a Kemendagri code looks like 62"),
    ],
)
def test_bad_option_values_name_the_option(args: list[str], expected: str,
                                           tmp_path: Path) -> None:
    result = pantau("crawl", "http://127.0.0.1:8765/", *args, env=unreachable(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(expected), result.stderr


def test_disabled_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("regions:\n  - code: '62'\n    name: Kalimantan Tengah\n    sources:\n"
                    "      - {name: forum-off, engine: phpbb, url: 'http://127.0.0.1:1/',"
                    " enabled: false}\n")
    result = pantau("crawl", "forum-off", "--config", str(path), env=unreachable(tmp_path))
    assert result.returncode == 2
    assert "source 'forum-off' is disabled" in result.stderr


def test_status_before_migrate_says_so(make_database: Callable[[], str], tmp_path: Path) -> None:
    result = pantau("status", env={"PANTAU_DATABASE_URL": make_database(),
                                   "PANTAU_REDIS_URL": "redis://127.0.0.1:1/0",
                                   "PANTAU_STATE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "no pantau tables yet" in result.stderr
    assert "pantau db migrate" in result.stderr
