"""Metrics and alerts: per-source totals kept by a trigger, alerts_sent, indexes for scrapes.

``crawl_totals`` holds one row per (source, region) with counters that only grow: a trigger
on ``crawl_runs`` adds a run's counts when it reaches a final status (and any later increase
of them), so a Prometheus scrape reads a few rows instead of summing the whole run history,
and pruning old runs never makes a counter go down. ``alerts_sent`` records every alert
delivery (or failed attempt) and rate-limits alerts per (rule, subject).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Upper bounds (seconds) of the run duration histogram; the last bucket is +Inf.
# crawler.metrics.collector.DURATION_BUCKETS must list the same numbers.
DURATION_BUCKETS = (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)
FINAL = "('succeeded', 'failed', 'revoked', 'timeout')"

# One update per run end: free room on each page (fillfactor) keeps those updates HOT.
CRAWL_TOTALS = f"""
CREATE TABLE crawl_totals (
    source                text NOT NULL,
    region                text NOT NULL DEFAULT '',
    pages                 bigint NOT NULL DEFAULT 0,
    items                 bigint NOT NULL DEFAULT 0,
    posts_new             bigint NOT NULL DEFAULT 0,
    posts_edited          bigint NOT NULL DEFAULT 0,
    posts_unchanged       bigint NOT NULL DEFAULT 0,
    posts_deleted         bigint NOT NULL DEFAULT 0,
    errors_by_kind        jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    runs_by_status        jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    duration_buckets      bigint[] NOT NULL
                              DEFAULT array_fill(0::bigint, ARRAY[{len(DURATION_BUCKETS) + 1}]),
    duration_sum          double precision NOT NULL DEFAULT 0,
    last_finished_at      timestamptz,
    last_status           text,
    last_success_at       timestamptz,
    consecutive_failures  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (source, region)
) WITH (fillfactor = 50)
"""

# Errors of a run by kind: the spider's own breakdown (stats.errors_by_kind) when recorded,
# else the kinds of its kept reasons; errors the breakdown does not explain are 'other'.
ERROR_KINDS = r"""
CREATE FUNCTION pantau_error_kinds(stats jsonb, reasons jsonb, errors integer)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result jsonb := '{}'::jsonb;
    explained bigint := 0;
    k text;
    v text;
BEGIN
    IF jsonb_typeof(stats -> 'errors_by_kind') = 'object'
       AND stats -> 'errors_by_kind' <> '{}'::jsonb THEN
        FOR k, v IN SELECT key, value FROM jsonb_each_text(stats -> 'errors_by_kind') LOOP
            IF v ~ '^\d{1,15}$' AND v::bigint > 0 THEN
                result := result || jsonb_build_object(k, v::bigint);
                explained := explained + v::bigint;
            END IF;
        END LOOP;
    ELSIF jsonb_typeof(reasons) = 'array' THEN
        FOR k, v IN SELECT r ->> 'kind', count(*)::text FROM jsonb_array_elements(reasons) r
                    WHERE jsonb_typeof(r) = 'object' AND r ->> 'kind' IS NOT NULL
                    GROUP BY 1 LOOP
            result := result || jsonb_build_object(k, v::bigint);
            explained := explained + v::bigint;
        END LOOP;
    END IF;
    IF coalesce(errors, 0) > explained THEN
        result := result || jsonb_build_object(
            'other', coalesce((result ->> 'other')::bigint, 0) + errors - explained);
    END IF;
    RETURN result;
END $$
"""

# Fold one run into its totals row. ``prior`` is the row before an update (NULL for an insert
# or the back-fill): a run that was already final adds only the increases of its counts.
APPLY = f"""
CREATE FUNCTION pantau_totals_apply(run crawl_runs, prior crawl_runs)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    was_final boolean := prior.id IS NOT NULL AND prior.status IN {FINAL};
    new_kinds jsonb := pantau_error_kinds(run.stats, run.error_reasons, run.errors);
    old_kinds jsonb := CASE WHEN was_final
        THEN pantau_error_kinds(prior.stats, prior.error_reasons, prior.errors)
        ELSE '{{}}'::jsonb END;
    seconds double precision := extract(epoch FROM run.finished_at - run.started_at);
    tot crawl_totals%ROWTYPE;
    kinds jsonb;
    slot integer;
    k text;
    n bigint;
BEGIN
    INSERT INTO crawl_totals (source, region) VALUES (run.source, coalesce(run.region, ''))
        ON CONFLICT DO NOTHING;
    SELECT * INTO tot FROM crawl_totals
        WHERE source = run.source AND region = coalesce(run.region, '') FOR UPDATE;
    kinds := tot.errors_by_kind;
    FOR k, n IN SELECT key, value::bigint FROM jsonb_each_text(new_kinds) LOOP
        n := n - coalesce((old_kinds ->> k)::bigint, 0);
        IF n > 0 THEN
            kinds := kinds || jsonb_build_object(k, coalesce((kinds ->> k)::bigint, 0) + n);
        END IF;
    END LOOP;
    IF NOT was_final THEN
        -- The run has just ended: its status, duration, success time and failure streak.
        tot.runs_by_status := tot.runs_by_status || jsonb_build_object(
            run.status, coalesce((tot.runs_by_status ->> run.status)::bigint, 0) + 1);
        IF seconds >= 0 THEN
            slot := 1 + (SELECT count(*) FROM unnest(
                ARRAY{list(DURATION_BUCKETS)}::double precision[]) AS b WHERE b < seconds);
            tot.duration_buckets[slot] := tot.duration_buckets[slot] + 1;
            tot.duration_sum := tot.duration_sum + seconds;
        END IF;
        tot.last_finished_at := greatest(tot.last_finished_at, run.finished_at);
        tot.last_status := run.status;
        IF run.status = 'succeeded' THEN
            tot.last_success_at := greatest(tot.last_success_at, run.finished_at);
            tot.consecutive_failures := 0;
        ELSIF run.status IN ('failed', 'timeout') THEN
            tot.consecutive_failures := tot.consecutive_failures + 1;
        END IF;
    END IF;
    UPDATE crawl_totals SET
        pages = tot.pages + greatest(
            run.pages - CASE WHEN was_final THEN prior.pages ELSE 0 END, 0),
        items = tot.items + greatest(
            run.items - CASE WHEN was_final THEN prior.items ELSE 0 END, 0),
        posts_new = tot.posts_new + greatest(
            run.posts_new - CASE WHEN was_final THEN prior.posts_new ELSE 0 END, 0),
        posts_edited = tot.posts_edited + greatest(
            run.posts_edited - CASE WHEN was_final THEN prior.posts_edited ELSE 0 END, 0),
        posts_unchanged = tot.posts_unchanged + greatest(
            run.posts_unchanged - CASE WHEN was_final THEN prior.posts_unchanged ELSE 0 END, 0),
        posts_deleted = tot.posts_deleted + greatest(
            run.posts_deleted - CASE WHEN was_final THEN prior.posts_deleted ELSE 0 END, 0),
        errors_by_kind = kinds,
        runs_by_status = tot.runs_by_status,
        duration_buckets = tot.duration_buckets,
        duration_sum = tot.duration_sum,
        last_finished_at = tot.last_finished_at,
        last_status = tot.last_status,
        last_success_at = tot.last_success_at,
        consecutive_failures = tot.consecutive_failures
    WHERE source = tot.source AND region = tot.region;
END $$
"""  # noqa: S608 - only this module's constants are interpolated

# Bookkeeping must never stop a run's end from being recorded: a failure here is a warning
# in the server log (and in the session's notices), and the run's update goes through.
TRIGGER_FUNCTION = """
CREATE FUNCTION pantau_crawl_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM pantau_totals_apply(NEW, NULL);
        ELSE
            PERFORM pantau_totals_apply(NEW, OLD);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'pantau: crawl_totals not updated for run %: %', NEW.id, SQLERRM;
    END;
    RETURN NULL;
END $$
"""

TRIGGERS = (
    f"CREATE TRIGGER crawl_runs_totals_insert AFTER INSERT ON crawl_runs FOR EACH ROW"
    f" WHEN (NEW.status IN {FINAL}) EXECUTE FUNCTION pantau_crawl_totals()",
    f"CREATE TRIGGER crawl_runs_totals_update AFTER UPDATE ON crawl_runs FOR EACH ROW"
    f" WHEN (NEW.status IN {FINAL} AND OLD.* IS DISTINCT FROM NEW.*)"
    f" EXECUTE FUNCTION pantau_crawl_totals()",
)

BACKFILL = f"""
DO $$
DECLARE
    r crawl_runs;
BEGIN
    FOR r IN SELECT * FROM crawl_runs WHERE status IN {FINAL} ORDER BY id LOOP
        PERFORM pantau_totals_apply(r, NULL);
    END LOOP;
END $$
"""  # noqa: S608 - only this module's constants are interpolated

ALERTS_SENT = """
CREATE TABLE alerts_sent (
    id          bigserial PRIMARY KEY,
    rule        text NOT NULL,
    subject     text NOT NULL,
    region      text,
    status      text NOT NULL CHECK (status IN ('sent', 'failed', 'logged')),
    message     text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    target      text,
    attempts    integer NOT NULL DEFAULT 0,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now()
)
"""

INDEXES = (
    # the alert rate limit: "was (rule, subject) sent within the window?"
    "CREATE INDEX alerts_sent_subject_idx ON alerts_sent (rule, subject, created_at DESC)",
    # scrapes: runs and shards still queued or running
    "CREATE INDEX crawl_runs_open_idx ON crawl_runs (source)"
    " WHERE status IN ('queued', 'running')",
    "CREATE INDEX crawl_shards_open_idx ON crawl_shards (run_id)"
    " WHERE status IN ('queued', 'running')",
    # the silent-break rule: a source's latest successful deep (or incremental) runs
    "CREATE INDEX crawl_runs_succeeded_idx ON crawl_runs (source, deep, id DESC)"
    " WHERE status = 'succeeded'",
    # the watchlist spike rule: flagged posts by hour
    "CREATE INDEX posts_watchlist_time_idx ON posts ((coalesce(published_at, first_seen_at)))"
    " WHERE watchlist_flags <> '{}'",
)


def upgrade() -> None:
    for statement in (CRAWL_TOTALS, ERROR_KINDS, APPLY, TRIGGER_FUNCTION, *TRIGGERS, BACKFILL,
                      ALERTS_SENT, *INDEXES):
        op.execute(statement)


def downgrade() -> None:
    for index in ("posts_watchlist_time_idx", "crawl_runs_succeeded_idx",
                  "crawl_shards_open_idx", "crawl_runs_open_idx"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("DROP TABLE IF EXISTS alerts_sent")
    op.execute("DROP TRIGGER IF EXISTS crawl_runs_totals_update ON crawl_runs")
    op.execute("DROP TRIGGER IF EXISTS crawl_runs_totals_insert ON crawl_runs")
    op.execute("DROP FUNCTION IF EXISTS pantau_crawl_totals()")
    op.execute("DROP FUNCTION IF EXISTS pantau_totals_apply(crawl_runs, crawl_runs)")
    op.execute("DROP FUNCTION IF EXISTS pantau_error_kinds(jsonb, jsonb, integer)")
    op.execute("DROP TABLE IF EXISTS crawl_totals")
