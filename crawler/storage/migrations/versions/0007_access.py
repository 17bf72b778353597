"""Access: per-region row-level security for office logins, the export audit, terms overrides.

**Regions.** ``analyst_regions (role_name, region)`` says which regions an office login (or
an office group role) may read. Members of the NOLOGIN group ``pantau_office`` (itself a
member of ``pantau_analyst``, so it inherits its SELECT grants) are filtered: they see the
rows of their granted regions only, and nothing without a grant. Everyone else who is
subject to row-level security sees every row as before, through the ``pantau_unrestricted``
policy; the tables' owner (the crawler, which ran this migration) and superusers are not
subject to it at all. A region's rows are those ``pantau export --region`` selects
(crawler/storage/selection.py): posts whose ``region_codes`` contain it or whose source's
region is it or inside it; sources, crawl runs and threads of such sources; versions and
threads of visible posts. The analyst views are switched to ``security_invoker``
(PostgreSQL 15) so the policies apply through them.

**Near-duplicate clusters.** A cluster's stored figures (size, authors, sources, first and
last time, sample post) count every region's copies, so office members see no row of
``near_duplicate_clusters``. ``v_near_duplicate_clusters`` gives them instead each cluster
of the posts they see, with the figures computed from those posts only (the rule of
``crawler.storage.clusters.refresh_clusters``); everyone else reads the stored figures
there, as before. ``v_flagged_posts.cluster_size`` and the report take the size from that
view.

**Export audit.** ``export_audit`` is append-only (a trigger refuses UPDATE, DELETE and
TRUNCATE, also for the owner); ``pantau_analyst`` may INSERT only, and ``db_user`` is set by
the server (``current_user``), not by the client.

**Terms.** ``crawl_runs.terms_override`` records the operator's override of a source's
terms note (who, why, when) on each run that crawled under it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ANALYST = "pantau_analyst"
OFFICE = "pantau_office"
VIEWS = ("v_daily_volume", "v_flagged_posts", "v_thread_activity",
         "v_near_duplicate_clusters", "v_post_search", "near_duplicate_spread")
RLS_TABLES = ("posts", "sources", "crawl_runs", "threads", "post_versions",
              "near_duplicate_clusters")

ANALYST_REGIONS = """
CREATE TABLE analyst_regions (
    role_name   text NOT NULL,
    region      text NOT NULL,
    granted_by  text NOT NULL DEFAULT current_user,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, region)
)
"""

# The roles current_user is a member of (itself included), by name; no error for names of
# roles that do not exist (pg_has_role on a missing name would raise).
MY_ROLES = "SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER')"

FUNCTIONS = (  # only this module's constants are interpolated
    f"""
CREATE FUNCTION pantau_access_unrestricted() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT NOT EXISTS (SELECT 1 FROM pg_roles
                   WHERE rolname = '{OFFICE}' AND pg_has_role(current_user, oid, 'MEMBER'))
    OR EXISTS (SELECT 1 FROM pg_roles
               WHERE rolname = current_user AND (rolsuper OR rolbypassrls))
$$""",  # noqa: S608 - superusers (members of every role) and BYPASSRLS read every row
    f"""
CREATE FUNCTION pantau_access_regions() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT coalesce(array_agg(DISTINCT region ORDER BY region), '{{}}') FROM analyst_regions
WHERE role_name IN ({MY_ROLES})
$$""",  # noqa: S608
    """
CREATE FUNCTION pantau_region_in(code text, granted text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT code IS NOT NULL AND EXISTS (
    SELECT 1 FROM unnest(granted) g WHERE code = g OR starts_with(code, g || '.'))
$$""",
    """
CREATE FUNCTION pantau_access_sources() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM sources
WHERE pantau_region_in(region, pantau_access_regions())
$$""",
)

# Scalar subqueries make each function an InitPlan: evaluated once per query, not per row.
UNRESTRICTED = "(SELECT pantau_access_unrestricted())"
REGIONS = "(SELECT pantau_access_regions())"
SOURCES = "(SELECT pantau_access_sources())"
OFFICE_POLICIES = {
    "sources": f"pantau_region_in(region, {REGIONS})",
    "posts": f"region_codes && {REGIONS} OR source = ANY ({SOURCES}::text[])",
    "crawl_runs": f"pantau_region_in(region, {REGIONS}) OR source = ANY ({SOURCES}::text[])",
    "threads": f"source = ANY ({SOURCES}::text[]) OR EXISTS (SELECT 1 FROM posts p"  # noqa: S608
               " WHERE p.site = threads.site AND p.thread_native_id = threads.native_id)",
    "post_versions": "EXISTS (SELECT 1 FROM posts p WHERE p.uid = post_versions.uid)",
    # Stored figures count every region's copies: offices read v_near_duplicate_clusters.
    "near_duplicate_clusters": "false",
}

# Each cluster with its figures: stored for readers who see every row, and for office
# members computed from the posts they see, by the rule of clusters.refresh_clusters
# (for them ``updated_at`` is when the newest of those posts was first stored).
CLUSTER_FIGURES = f"""
SELECT c.id AS cluster_id, c.size, c.authors, c.threads, c.sources, c.platforms,
       c.first_at, c.last_at, c.sample_uid, c.updated_at
FROM near_duplicate_clusters c
WHERE {UNRESTRICTED}
UNION ALL
SELECT p.cluster_id, count(*)::integer, count(DISTINCT p.author_key)::integer,
       count(DISTINCT (p.site, p.thread_native_id))::integer,
       array_agg(DISTINCT p.source ORDER BY p.source),
       array_agg(DISTINCT p.platform ORDER BY p.platform),
       min(coalesce(p.published_at, p.first_seen_at)),
       max(coalesce(p.published_at, p.first_seen_at)), min(p.uid), max(p.first_seen_at)
FROM posts p
WHERE p.cluster_id IS NOT NULL AND NOT {UNRESTRICTED}
GROUP BY p.cluster_id
"""  # noqa: S608 - only this module's constants are interpolated

# 0006's columns, in 0006's order (CREATE OR REPLACE VIEW keeps dependants working).
CLUSTERS_VIEW = f"""
CREATE OR REPLACE VIEW v_near_duplicate_clusters AS
SELECT c.cluster_id, c.size, c.authors, c.threads, c.sources, c.platforms,
       c.first_at, c.last_at, c.last_at - c.first_at AS span,
       (SELECT count(*) FROM posts f
        WHERE f.cluster_id = c.cluster_id AND f.watchlist_flags <> '{{}}') AS flagged_posts,
       c.sample_uid, s.url AS sample_url, s.title AS sample_title,
       s.body_text AS sample_text, c.updated_at
FROM ({CLUSTER_FIGURES}) c
LEFT JOIN posts s ON s.uid = c.sample_uid
"""  # noqa: S608 - only this module's constants are interpolated

FLAGGED_VIEW = """
CREATE OR REPLACE VIEW v_flagged_posts AS
SELECT p.uid, coalesce(p.published_at, p.first_seen_at) AS at, p.published_at,
       p.published_via, p.first_seen_at, p.platform, p.site, p.source, p.url,
       p.thread_native_id, p.thread_title, p.container, p.author_key, p.author_name,
       p.region_codes, p.watchlist_flags, cardinality(p.watchlist_flags) AS flag_count,
       p.cluster_id, c.size AS cluster_size, p.language, p.title, p.body_text, p.deleted_at
FROM posts p
LEFT JOIN v_near_duplicate_clusters c ON c.cluster_id = p.cluster_id
WHERE p.watchlist_flags <> '{}'
"""

EXPORT_AUDIT = """
CREATE TABLE export_audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command      text NOT NULL CHECK (command IN ('export', 'report')),
    status       text NOT NULL CHECK (status IN ('succeeded', 'failed', 'interrupted')),
    error        text,
    os_user      text,
    hostname     text,
    db_user      text NOT NULL DEFAULT current_user,
    region       text,
    sources      text[] NOT NULL DEFAULT '{}',
    since        timestamptz,
    until        timestamptz,
    format       text,
    output       text,
    rows         bigint,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
)
"""

AUDIT_TRIGGERS = (
    """
CREATE FUNCTION pantau_export_audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_user := current_user;  -- who the server says exported, whatever the client sent
    NEW.recorded_at := now();
    RETURN NEW;
END
$$""",
    """
CREATE FUNCTION pantau_export_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'export_audit is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$""",
    "CREATE TRIGGER export_audit_stamp BEFORE INSERT ON export_audit"
    " FOR EACH ROW EXECUTE FUNCTION pantau_export_audit_stamp()",
    "CREATE TRIGGER export_audit_append_only BEFORE UPDATE OR DELETE ON export_audit"
    " FOR EACH ROW EXECUTE FUNCTION pantau_export_audit_append_only()",
    "CREATE TRIGGER export_audit_no_truncate BEFORE TRUNCATE ON export_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION pantau_export_audit_append_only()",
    "CREATE INDEX export_audit_started_idx ON export_audit (started_at DESC)",
)

TERMS_COLUMN = "ALTER TABLE crawl_runs ADD COLUMN terms_override jsonb"

# pantau_office: created when the migrating user may create roles (else a DBA does it,
# docs/operations.md); made a member of pantau_analyst when this user may grant that.
ROLES = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OFFICE}') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user
                       AND (rolsuper OR rolcreaterole)) THEN
            RAISE NOTICE 'role {OFFICE} not created: % may not create roles', current_user;
        ELSE
            BEGIN
                CREATE ROLE {OFFICE} NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by the migration of another database
            END;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OFFICE}')
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ANALYST}') THEN
        IF NOT pg_has_role('{OFFICE}', '{ANALYST}', 'MEMBER') THEN
            BEGIN
                GRANT {ANALYST} TO {OFFICE};
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE NOTICE '{OFFICE} not made a member of {ANALYST}: % may not grant it',
                    current_user;
            END;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ANALYST}') THEN
        GRANT SELECT ON analyst_regions TO {ANALYST};
        GRANT INSERT ON export_audit TO {ANALYST};
    END IF;
END
$$
"""  # noqa: S608 - only this module's constants are interpolated


def _views_of_0006() -> ModuleType:
    """Migration 0006, whose view definitions a downgrade puts back."""
    path = Path(__file__).with_name("0006_analyst_views.py")
    spec = importlib.util.spec_from_file_location("pantau_migration_0006", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    for statement in (ANALYST_REGIONS, *FUNCTIONS, EXPORT_AUDIT, *AUDIT_TRIGGERS, TERMS_COLUMN):
        op.execute(statement)
    op.execute(CLUSTERS_VIEW)
    op.execute(FLAGGED_VIEW)
    for view in VIEWS:
        op.execute(f"ALTER VIEW {view} SET (security_invoker = true)")
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY pantau_unrestricted ON {table} USING ({UNRESTRICTED})"
                   f" WITH CHECK ({UNRESTRICTED})")
        op.execute(f"CREATE POLICY pantau_office_regions ON {table} FOR SELECT"
                   f" USING ({OFFICE_POLICIES[table]})")
    # The mapping itself: a login reads the rows of the roles it belongs to.
    op.execute("ALTER TABLE analyst_regions ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY pantau_own_regions ON analyst_regions FOR SELECT"
               f" USING (role_name IN ({MY_ROLES}))")
    op.execute(ROLES)


def downgrade() -> None:
    for table in RLS_TABLES:
        op.execute(f"DROP POLICY IF EXISTS pantau_unrestricted ON {table}")
        op.execute(f"DROP POLICY IF EXISTS pantau_office_regions ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    views = _views_of_0006()  # v_flagged_posts first: it reads v_near_duplicate_clusters
    for statement in (views.FLAGGED_POSTS, views.CLUSTERS):
        op.execute(statement.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
    for view in VIEWS:
        op.execute(f"ALTER VIEW {view} RESET (security_invoker)")
    op.execute("ALTER TABLE crawl_runs DROP COLUMN IF EXISTS terms_override")
    op.execute("DROP TABLE IF EXISTS export_audit, analyst_regions")
    for function in ("pantau_export_audit_stamp()", "pantau_export_audit_append_only()",
                     "pantau_access_sources()", "pantau_region_in(text, text[])",
                     "pantau_access_regions()", "pantau_access_unrestricted()"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    # pantau_office is cluster-wide (other databases may use it): DROP ROLE is the DBA's.
