"""Running PostgreSQL as an unprivileged system user when pantau itself runs as root."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.embedded._common import EmbeddedServiceError, log

SERVICE_USER_ENV = "PANTAU_EMBEDDED_USER"
DEFAULT_SERVICE_USER = "pantau"


@dataclass(frozen=True)
class ServiceUser:
    """The system account a server runs as."""

    name: str
    uid: int
    gid: int


def is_root() -> bool:
    """Whether this process runs with effective uid 0."""
    return os.geteuid() == 0


def service_user() -> ServiceUser | None:
    """None when not root (servers run as the caller); as root the dedicated user, made if missing.

    The user is $PANTAU_EMBEDDED_USER or "pantau": a system account with no home and no login
    shell, created with `useradd --system` on first use.
    """
    if not is_root():
        return None
    name = os.environ.get(SERVICE_USER_ENV) or DEFAULT_SERVICE_USER
    entry = _lookup(name) or _create(name)
    return ServiceUser(name=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid)


def _lookup(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _create(name: str) -> pwd.struct_passwd:
    command = [
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)
        log.info("created system user %r to run the embedded PostgreSQL", name)
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", None) or err
        entry = _lookup(name)  # another process may have created it meanwhile
        if entry is not None:
            return entry
        raise EmbeddedServiceError(
            f"PostgreSQL refuses to run as root and the system user {name!r} could not be "
            f"created ({detail}); create it or set {SERVICE_USER_ENV} to an existing "
            "unprivileged user"
        ) from err
    entry = _lookup(name)
    if entry is None:
        raise EmbeddedServiceError(f"useradd reported success but user {name!r} is unknown")
    return entry


def make_traversable(path: Path, *, include_self: bool = False) -> None:
    """Add the others-execute bit (traverse, not list) to every parent of `path` that lacks it."""
    resolved = path.resolve()
    folders = [resolved, *resolved.parents] if include_self else list(resolved.parents)
    for parent in folders:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)
            log.info("made %s traversable for the embedded PostgreSQL user (o+x)", parent)


def give_to(path: Path, user: ServiceUser | None) -> None:
    """Hand `path` to the service user (no-op when not root)."""
    if user is not None:
        os.chown(path, user.uid, user.gid)


def run_as(user: ServiceUser | None) -> dict[str, Any]:
    """Keyword arguments for `subprocess.run` that drop root to the service user."""
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": []}
