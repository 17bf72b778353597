"""`pantau access`: which regions office logins may read, and the export audit.

``grant``/``revoke``/``list`` manage ``analyst_regions`` (migration 0007, row-level
security; crawler/storage/access.py); ``audit`` lists ``export_audit``
(crawler/storage/audit.py). docs/operations.md, "Office logins".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.errors import UserError
from crawler.i18n import say

if TYPE_CHECKING:
    from crawler.storage.access import AccessError

console = Console(highlight=False)
access_app = typer.Typer(help="Region access of office logins; the export audit.",
                         no_args_is_help=True)

RoleOption = Annotated[str, typer.Option("--role", help="The login (or group) role, e.g. "
                                         "kalteng_office.")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]


@contextmanager
def _connection() -> Iterator[Any]:
    """pantau's database (PANTAU_DATABASE_URL, else the embedded one) at migration 0007."""
    from crawler.cli.services import connected_settings, require_schema
    from crawler.config.settings import get_settings
    from crawler.storage.db import connect

    url = get_settings().database_url or connected_settings().database_url
    assert url is not None
    with connect(url) as conn:
        require_schema(conn)
        row = conn.execute("SELECT to_regclass('analyst_regions') IS NOT NULL").fetchone()
        conn.rollback()
        if not row or not row[0]:
            raise UserError(say("access_no_tables"), say("migrate_hint"))
        yield conn


def _regions(values: list[str] | None) -> list[str]:
    from crawler.config.sources import REGION_CODE

    for value in values or []:
        if not REGION_CODE.match(value):
            raise UserError(say("bad_region", value=value), say("bad_region_hint"))
    return list(dict.fromkeys(values or []))


@access_app.command("grant")
def grant(role: RoleOption,
          region: Annotated[list[str], typer.Option(
              "--region", help="Region it may read, with the regions inside it (repeatable).")],
          ) -> None:
    """Let an office login read one region's rows only (row-level security)."""
    from crawler.storage.access import AccessError, grant_region, role_state

    codes = _regions(region)
    with _connection() as conn:
        try:
            added = [code for code in codes if grant_region(conn, role, code)]
        except AccessError as err:
            raise _refusal(err) from None
        state = role_state(conn, role)
        conn.rollback()
    for code in codes:
        console.print(say("access_granted", role=role, region=code) if code in added
                      else say("access_already_granted", role=role, region=code))
    if state is not None and not state.can_login:
        console.print(say("access_group_role", role=role))


def _refusal(err: AccessError) -> UserError:
    """The refusal of crawler/storage/access.py in the user's language."""
    v = err.values
    if err.reason == "no_role":
        return UserError(say("access_no_role", role=v["role"]),
                         say("access_no_role_hint", role=v["role"]))
    if err.reason == "bypass":
        message = (say("access_superuser", role=v["role"]) if v["bypass"] == "superuser" else
                   say("access_bypassrls", role=v["role"]) if v["bypass"] == "bypassrls" else
                   say("access_owner", role=v["role"]))
        return UserError(message, say("access_bypass_hint"))
    if err.reason == "no_office":
        return UserError(say("access_no_office", office=v["office"]),
                         say("access_no_office_hint", office=v["office"]))
    if err.reason == "may_not_grant":
        return UserError(say("access_may_not_grant", user=v["user"], office=v["office"]),
                         say("access_may_not_grant_hint", office=v["office"], role=v["role"]))
    return UserError(str(err), err.hint)


@access_app.command("revoke")
def revoke(role: RoleOption,
           region: Annotated[list[str] | None, typer.Option(
               "--region", help="Region to take away (repeatable).")] = None,
           everything: Annotated[bool, typer.Option(
               "--all", help="Take every region away (the role then reads nothing).")] = False,
           ) -> None:
    """Take regions away from an office login; with none left it reads nothing."""
    from crawler.storage.access import OFFICE_ROLE, revoke_regions

    if everything == bool(region):
        raise UserError(say("access_revoke_what"), None)
    with _connection() as conn:
        removed = revoke_regions(conn, role, None if everything else _regions(region))
    if not removed:
        console.print(say("access_nothing_to_revoke", role=role))
        return
    console.print(say("access_revoked", role=role, regions=", ".join(removed)))
    console.print(say("access_stays", role=role, office=OFFICE_ROLE))


@access_app.command("list")
def list_access(as_json: JsonOption = False) -> None:
    """Office roles and the regions they may read."""
    from crawler.storage.access import OFFICE_ROLE, list_grants

    with _connection() as conn:
        grants = list_grants(conn)
    if as_json:
        typer.echo(json.dumps([{
            "role": g.role, "region": g.region, "granted_by": g.granted_by,
            "granted_at": g.granted_at.isoformat() if g.granted_at else None,
            "role_exists": g.role_exists, "can_login": g.can_login,
            "office_member": g.office_member} for g in grants], indent=2))
        return
    table = Table(say("col_role"), say("col_region"), say("col_granted_by"),
                  say("col_granted_at"), say("col_note"))
    for g in grants:
        note = (say("access_note_no_role") if not g.role_exists else
                say("access_note_not_office", office=OFFICE_ROLE) if not g.office_member else
                say("access_note_no_region") if g.region is None else "")
        table.add_row(g.role, g.region or "-", g.granted_by or "-",
                      f"{g.granted_at:%Y-%m-%d %H:%M}" if g.granted_at else "-", note)
    console.print(table)
    if not grants:
        console.print(say("access_no_offices"))


@access_app.command("audit")
def audit(as_json: JsonOption = False,
          limit: Annotated[int, typer.Option(help="How many rows, newest first.", min=1)] = 50,
          ) -> None:
    """Who exported or reported what, when (the append-only export audit)."""
    from psycopg import errors

    from crawler.storage.audit import recent

    with _connection() as conn:
        try:
            rows = recent(conn, limit)
        except errors.InsufficientPrivilege:
            raise UserError(say("audit_refused"), say("audit_refused_hint")) from None
    if as_json:
        typer.echo(json.dumps(rows, default=_json_value, ensure_ascii=False, indent=2))
        return
    table = Table(say("col_started_utc"), say("col_command"), say("col_status"),
                  say("col_user"), say("col_region"), say("col_period"), say("col_format"),
                  say("col_rows"), say("col_output"))
    for row in rows:
        since, until = (f"{t:%Y-%m-%d %H:%M}" if t else "…" for t in (row["since"], row["until"]))
        period = say("audit_period", since=since, until=until)
        who = f"{row['os_user'] or '?'} / {row['db_user']}"
        table.add_row(f"{row['started_at']:%Y-%m-%d %H:%M:%S}", row["command"],
                      row["status"] + (f": {row['error']}" if row["error"] else ""), who,
                      row["region"] or "-", period, row["format"] or "-",
                      str(row["rows"] if row["rows"] is not None else "-"), row["output"] or "-")
    console.print(table)


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
