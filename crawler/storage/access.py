"""Per-region access of office logins (migration 0007): grant, revoke and list regions.

A role granted a region becomes a member of the group ``pantau_office``; row-level security
then shows it the rows of its granted regions only (and nothing once none is left). Other
readers (``pantau_analyst`` members outside ``pantau_office``) are not filtered.
Granting needs the right to grant ``pantau_office`` (superuser, or ``CREATEROLE`` with
admin option on it); the mapping table is written by its owner, pantau's own user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg import errors, sql
from psycopg.rows import dict_row

OFFICE_ROLE = "pantau_office"
Bypass = Literal["superuser", "bypassrls", "owner"]
_BYPASS_TEXT: dict[Bypass, str] = {"superuser": "is a superuser", "bypassrls": "has BYPASSRLS",
                                   "owner": "owns pantau's tables"}


class AccessError(Exception):
    """A grant that cannot be done; ``hint`` says what would make it work.

    ``reason`` names the case (``no_role``, ``bypass``, ``no_office``, ``may_not_grant``)
    and ``values`` its details, so `pantau access` words it in the user's language
    (crawler/cli/access.py); the message and hint here are English.
    """

    def __init__(self, reason: str, message: str, hint: str, **values: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.hint = hint
        self.values = values


@dataclass(frozen=True)
class RoleState:
    """What the server says about a role, as far as region filtering goes."""

    name: str
    can_login: bool
    office_member: bool
    bypass: Bypass | None  # why row-level security does not apply to it, or None


@dataclass(frozen=True)
class RegionGrant:
    """One row of ``pantau access list``: a role and a region it may read (None: none)."""

    role: str
    region: str | None
    granted_by: str | None
    granted_at: datetime | None
    role_exists: bool
    can_login: bool
    office_member: bool


def role_state(conn: psycopg.Connection[Any], role: str) -> RoleState | None:
    """The role called ``role``, or None when the server has none."""
    row = conn.execute(
        "SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolbypassrls,"
        " EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = %(office)s"
        "         AND pg_has_role(r.oid, o.oid, 'MEMBER')) AS office_member,"
        " pg_has_role(r.oid, (SELECT relowner FROM pg_class WHERE oid = 'posts'::regclass),"
        "             'USAGE') AS owner"
        " FROM pg_roles r WHERE r.rolname = %(role)s",
        {"role": role, "office": OFFICE_ROLE}).fetchone()
    if row is None:
        return None
    name, login, superuser, bypassrls, member, owner = row
    bypass: Bypass | None = ("superuser" if superuser else "bypassrls" if bypassrls
                             else "owner" if owner else None)
    return RoleState(name, bool(login), bool(member), bypass)


def _office_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [OFFICE_ROLE]).fetchone()
    return row is not None


def grant_region(conn: psycopg.Connection[Any], role: str, region: str) -> bool:
    """Let ``role`` read ``region`` (and the regions inside it); True if newly granted.

    Makes the role a member of ``pantau_office`` when it is not one yet, in the same
    transaction as the mapping row, so a role is never half set up.
    """
    with conn.transaction():
        state = role_state(conn, role)
        if state is None:
            raise AccessError("no_role", f"no role named {role!r} on this server",
                              f"a DBA creates it first: CREATE ROLE {role} LOGIN PASSWORD "
                              "'...'; (docs/operations.md, 'Office logins')", role=role)
        if state.bypass is not None:
            raise AccessError("bypass", f"role {role!r} {_BYPASS_TEXT[state.bypass]}: "
                              "row-level security does not apply to it, it would read every "
                              "region", "give the office a login of its own without those "
                              "rights", role=role, bypass=state.bypass)
        if not _office_exists(conn):
            raise AccessError("no_office", f"the group role {OFFICE_ROLE} does not exist",
                              f"a DBA runs: CREATE ROLE {OFFICE_ROLE} NOLOGIN; GRANT "
                              f"pantau_analyst TO {OFFICE_ROLE}; (docs/operations.md)",
                              office=OFFICE_ROLE)
        if not state.office_member:
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("GRANT {} TO {}").format(
                        sql.Identifier(OFFICE_ROLE), sql.Identifier(role)))
            except errors.InsufficientPrivilege:
                user = _current_user(conn)
                raise AccessError(
                    "may_not_grant", f"{user} may not grant {OFFICE_ROLE}",
                    f"a DBA runs: GRANT {OFFICE_ROLE} TO {role}; then repeat this command",
                    user=user, office=OFFICE_ROLE, role=role) from None
        inserted = conn.execute(
            "INSERT INTO analyst_regions (role_name, region) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING", (role, region)).rowcount
    return inserted == 1


def revoke_regions(conn: psycopg.Connection[Any], role: str,
                   regions: list[str] | None) -> list[str]:
    """Take ``regions`` (None: all) from ``role``; the regions it lost, sorted.

    The role stays in ``pantau_office``: with no region left it reads nothing, never
    everything.
    """
    with conn.transaction():
        rows = conn.execute(
            "DELETE FROM analyst_regions WHERE role_name = %(role)s"
            " AND (%(all)s OR region = ANY(%(regions)s::text[])) RETURNING region",
            {"role": role, "all": regions is None, "regions": regions or []}).fetchall()
    return sorted(str(row[0]) for row in rows)


def list_grants(conn: psycopg.Connection[Any]) -> list[RegionGrant]:
    """Every mapping row, and every ``pantau_office`` member that no mapping row covers
    (directly or through a group it belongs to): such a role reads nothing."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            """
            SELECT a.role_name AS role, a.region, a.granted_by, a.granted_at,
                   r.oid IS NOT NULL AS role_exists,
                   coalesce(r.rolcanlogin, false) AS can_login,
                   EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = %(office)s
                           AND NOT r.rolsuper AND pg_has_role(r.oid, o.oid, 'MEMBER'))
                       AS office_member
            FROM analyst_regions a LEFT JOIN pg_roles r ON r.rolname = a.role_name
            UNION ALL
            SELECT r.rolname, NULL, NULL, NULL, true, r.rolcanlogin, true
            FROM pg_roles r, pg_roles o
            WHERE o.rolname = %(office)s AND r.oid <> o.oid AND NOT r.rolsuper
              AND pg_has_role(r.oid, o.oid, 'MEMBER')
              AND NOT EXISTS (SELECT 1 FROM analyst_regions x JOIN pg_roles xr
                              ON xr.rolname = x.role_name
                              WHERE pg_has_role(r.oid, xr.oid, 'MEMBER'))
            ORDER BY 1, 2 NULLS FIRST
            """, {"office": OFFICE_ROLE}).fetchall()
    return [RegionGrant(**row) for row in rows]


def _current_user(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT current_user").fetchone()
    return str(row[0]) if row else "this user"
