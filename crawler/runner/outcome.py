"""Judge how a crawl ended: the crawl_runs status and a reason a person can act on."""

from __future__ import annotations

from typing import Any

from crawler.runner.process import CrawlOutcome
from crawler.runner.spec import CrawlSpec

SUCCEEDED, FAILED, TIMEOUT, REVOKED = "succeeded", "failed", "timeout", "revoked"
# Not a crawl_runs status: stopped from outside before it finished, the task hands it back.
INTERRUPTED = "interrupted"
INTERRUPTED_REASON = ("interrupted: the spider was stopped from outside (SIGINT) before it "
                      "finished; handed back to the queue")


def judge(outcome: CrawlOutcome, spec: CrawlSpec) -> tuple[str, str | None]:
    """Return ``(status, reason)``; reason is None for a clean success."""
    stats = outcome.stats
    if outcome.stopped == "timeout":
        return TIMEOUT, f"stopped after {outcome.elapsed:.0f} s: time limit reached"
    if outcome.stopped == "cancelled":
        return REVOKED, "cancelled while running"
    if not outcome.final:
        return FAILED, _crash_reason(outcome)
    if stats.get("finish_reason") == "shutdown":  # a SIGINT the task did not send
        return INTERRUPTED, INTERRUPTED_REASON
    if spec.mode == "discover":
        return _judge_discovery(stats, spec)
    items, pages = stats.get("items", 0), stats.get("pages", 0)
    reasons = stats.get("error_reasons") or []
    unchanged = stats.get("threads_unchanged", 0)
    if items == 0 and unchanged and not reasons:
        return SUCCEEDED, f"nothing new: {unchanged} threads unchanged since the last crawl"
    if items == 0:
        if reasons:
            first = reasons[0]
            return FAILED, f"no posts: {first['message']} ({first['url']})"
        if pages == 0:
            return FAILED, f"no page fetched from {spec.start_url} (robots.txt or limits?)"
        return FAILED, (
            f"no posts found on {pages} pages of {spec.start_url}: "
            f"is it really a {spec.spider} site?"
        )
    if stats.get("errors_by_kind", {}).get("storage"):
        return FAILED, f"posts could not be stored: {_first(reasons, 'storage')}"
    finish = stats.get("finish_reason", "finished")
    if finish != "finished":
        return SUCCEEDED, f"stopped early by a limit ({finish})"
    return SUCCEEDED, None


def _first(reasons: list[dict[str, str]], kind: str) -> str:
    return next((r["message"] for r in reasons if r["kind"] == kind), "unknown")


def _crash_reason(outcome: CrawlOutcome) -> str:
    """The most telling line of a spider process that died before reporting its end."""
    lines = [line.strip() for line in outcome.stderr_tail.splitlines() if line.strip()]
    telling = [line for line in lines if "Error" in line or "error" in line]
    detail = (telling or lines or ["no output"])[-1]
    return f"spider process exited with code {outcome.returncode}: {detail[:300]}"


def _judge_discovery(stats: dict[str, Any], spec: CrawlSpec) -> tuple[str, str | None]:
    threads, shards = stats.get("threads_found", 0), stats.get("shards", 0)
    unchanged = stats.get("threads_unchanged", 0)
    if not shards and unchanged and not stats.get("error_reasons"):
        return SUCCEEDED, f"nothing new: {unchanged} threads unchanged since the last crawl"
    if not shards:
        reasons = stats.get("error_reasons") or []
        detail = f": {reasons[0]['message']} ({reasons[0]['url']})" if reasons else ""
        return FAILED, f"no threads found on {stats.get('pages', 0)} pages{detail}"
    return SUCCEEDED, f"{threads} threads planned in {shards} shards"
