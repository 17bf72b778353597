"""`pantau report` and `pantau export` mistakes: one line and a hint, in Indonesian or English,
before anything is written; an old schema or an unknown source is named."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

NOWHERE = "postgresql://x@127.0.0.1:1/x"  # mistakes must be caught before connecting


def in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
               *args: str, **env: str) -> tuple[int, list[str]]:
    """The CLI's entry point in this process (mistakes stop before any connection)."""
    from crawler.cli.errors import run_guarded
    from crawler.cli.main import app
    from crawler.config.settings import get_settings

    for name in [k for k in os.environ if k.startswith("PANTAU_")]:
        monkeypatch.delenv(name)
    for name, value in {"PANTAU_DATABASE_URL": NOWHERE, **env}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exited:
            run_guarded(lambda: app(args=list(args), prog_name="pantau"))
    finally:
        get_settings.cache_clear()
    return int(exited.value.code or 0), capsys.readouterr().err.strip().splitlines()


def pantau(*args: str, database: str = NOWHERE, **env: str) -> tuple[int, list[str]]:
    """The installed command in a process of its own."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    result = subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True,
                            text=True, env={**base, "PANTAU_DATABASE_URL": database, **env},
                            timeout=120, check=False)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.strip().splitlines()


REPORT = ("report", "--region", "62", "--event", "2019-04-17")


@pytest.mark.parametrize(("args", "env", "lines"), [
    (("report", "--region", "6.2", "--event", "2019-04-17"), {},
     ["galat: --region '6.2' bukan kode Kemendagri",
      "saran: contoh: --region 62 atau --region 62.71"]),
    ((*REPORT[:3], "--event", "17-04-2019", "--lang", "en"), {},
     ["error: --event '17-04-2019' is not a date", "hint: use e.g. --event 2019-04-17"]),
    ((*REPORT, "--before", "0d"), {"PANTAU_LANG": "en"},
     ["error: --before '0d' is not a duration between 1h and 366d",
      "hint: use e.g. --before 14d, 2w or 36h"]),
    ((*REPORT, "--after", "2y"), {},
     ["galat: --after '2y' bukan lama waktu antara 1h dan 366d",
      "saran: contoh: --after 14d, 2w atau 36h"]),
    (("export", "--format", "parquet"), {"PANTAU_LANG": "en"},
     ["error: Parquet cannot be written to standard output", "hint: give -o FILE.parquet"]),
    (("export", "--format", "jsonl", "--bom"), {},
     ["galat: --bom hanya untuk --format csv", "saran: hapus --bom, atau pakai --format csv"]),
    (("export", "--since", "2019-05-01", "--until", "2019-04-01", "--lang", "en"), {},
     ["error: --since 2019-05-01 is not before --until 2019-04-01", "hint: swap them"]),
    (("export", "--since", "kemarin"), {},
     ["galat: --since 'kemarin' bukan tanggal maupun umur",
      "saran: contoh: --since 2019-04-01, '2019-04-01 08:00+07:00' atau 7d"]),
    (("export", "--timezone", "WITA", "--lang", "en"), {},
     ["error: --timezone 'WITA' is not an IANA time zone name",
      "hint: e.g. --timezone Asia/Makassar (WITA)"]),
], ids=["region", "event-en", "duration-env-en", "duration-id", "parquet-stdout", "bom-jsonl",
        "range", "since", "timezone"])
def test_mistakes_are_one_line_and_a_hint(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: tuple[str, ...], env: dict[str, str], lines: list[str]) -> None:
    code, stderr = in_process(capsys, monkeypatch, *args, **env)
    assert (code, stderr) == (2, lines)


def test_missing_folder_and_existing_file(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    code, stderr = in_process(capsys, monkeypatch, *REPORT, "-o",
                              str(tmp_path / "no" / "r.html"))
    assert (code, stderr[0]) == (2, f"galat: folder {tmp_path / 'no'} tidak ada")
    existing = tmp_path / "r.html"
    existing.write_text("keep")
    code, stderr = pantau(*REPORT, "-o", str(existing), "--lang", "en")
    assert (code, stderr[0]) == (2, f"error: {existing} already exists")
    assert existing.read_text() == "keep"


def test_old_schema_and_unknown_source(make_database: Callable[[], str],
                                       migrated_database: str) -> None:
    from crawler.storage.migrate import upgrade

    old = make_database()
    upgrade(old, "0005")
    code, stderr = pantau(*REPORT, "--format", "json", database=old)
    assert (code, stderr) == (2, ["galat: database belum punya view laporan (migrasi 0006)",
                                  "saran: jalankan `pantau db migrate`"])
    code, stderr = pantau("export", "--source", "forum-tidak-ada", "--lang", "en",
                          database=migrated_database)
    assert (code, stderr) == (2, ["error: unknown source: forum-tidak-ada",
                                  "hint: `pantau status` lists the sources"])


def test_an_empty_window_still_reports(migrated_database: str, tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    code, stderr = pantau("report", "--region", "91", "--event", "2001-01-01", "-o", str(out),
                          "--lang", "en", database=migrated_database)
    assert (code, stderr) == (0, [f"report written to {out} (0 posts)"])
    page = out.read_text(encoding="utf-8")
    assert "No posts in this window." in page and "1 Jan 2001 00:00 WIT" in page
