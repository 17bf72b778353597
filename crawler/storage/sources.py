"""The ``sources`` table: one row per configured source, refreshed from the YAML config."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def upsert_source(
    conn: psycopg.Connection[Any],
    name: str,
    kind: str,
    engine: str | None,
    url: str | None,
    site: str | None,
    region: str | None,
    config: dict[str, Any] | None,
) -> None:
    """Insert or refresh a source row (``created_at`` kept, ``updated_at`` bumped on change)."""
    with conn.transaction():
        conn.execute(
            """
            INSERT INTO sources (name, kind, engine, url, site, region, config)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (name) DO UPDATE SET
                kind = EXCLUDED.kind, engine = EXCLUDED.engine, url = EXCLUDED.url,
                site = EXCLUDED.site, region = EXCLUDED.region, config = EXCLUDED.config,
                updated_at = now()
            WHERE (sources.kind, sources.engine, sources.url, sources.site, sources.region,
                   sources.config)
                IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.engine, EXCLUDED.url, EXCLUDED.site,
                                  EXCLUDED.region, EXCLUDED.config)
            """,
            (name, kind, engine, url, site, region, Jsonb(config or {})),
        )
