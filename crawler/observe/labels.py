"""Readable one-line labels of crawl tasks and of their progress, for Flower and the logs.

A crawl task's arguments are ``[source definition, run id, deep | shard number]``; Flower
would print the whole source definition. :func:`crawl_context` picks what identifies the
crawl, :func:`task_label` writes it as ``source=forum-kalteng region=62 run=17`` (Celery's
``argsrepr``), and :func:`progress_line` writes a progress report as
``run=17 pages=120 posts=340 new=300 edited=2 deleted=0 errors=1 elapsed=12s``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CRAWL_SOURCE = "pantau.crawl_source"
CRAWL_SHARD = "pantau.crawl_shard"
# (label key, progress key) in the order a progress line shows them
PROGRESS_FIELDS = (
    ("pages", "pages"),
    ("posts", "items"),
    ("new", "posts_new"),
    ("edited", "posts_edited"),
    ("deleted", "posts_deleted"),
    ("errors", "errors"),
)


def crawl_context(task_name: str, args: Sequence[Any] | None,
                  kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """``source``, ``region``, ``run_id`` and ``shard`` (or ``deep``) of a crawl task's call.

    Keys whose value is unknown are left out; a call that is not a crawl, or whose source is
    not a mapping, gives ``{}``.
    """
    if task_name not in (CRAWL_SOURCE, CRAWL_SHARD):
        return {}
    args, kwargs = list(args or ()), dict(kwargs or {})
    names = ("source", "run_id", "shard_no" if task_name == CRAWL_SHARD else "deep")
    call = {name: args[i] if i < len(args) else kwargs.get(name) for i, name in enumerate(names)}
    source = call["source"]
    if not isinstance(source, Mapping):
        return {}
    found: dict[str, Any] = {"source": str(source.get("name") or "?"),
                             "region": str(source.get("region") or "") or None,
                             "run_id": call["run_id"]}
    if task_name == CRAWL_SHARD:
        found["shard"] = call["shard_no"]
    else:
        found["deep"] = call["deep"]
    return {k: v for k, v in found.items() if v is not None}


def task_label(task_name: str, args: Sequence[Any] | None,
               kwargs: Mapping[str, Any] | None) -> str | None:
    """``source=NAME region=CODE run=ID [shard=N | deep=yes|no]``, or None for other tasks."""
    found = crawl_context(task_name, args, kwargs)
    if not found:
        return None
    parts = [f"source={found['source']}", f"region={found.get('region', '-')}",
             f"run={found.get('run_id', 'new')}"]
    if "shard" in found:
        parts.append(f"shard={found['shard']}")
    elif "deep" in found:
        parts.append(f"deep={'yes' if found['deep'] else 'no'}")
    return " ".join(parts)


def progress_line(progress: Mapping[str, Any]) -> str:
    """One line of a running crawl's counters, e.g. ``run=17 pages=12 posts=30 ... elapsed=4s``.

    ``run=`` leads when ``progress`` names its run (``run_id``): a crawl sent without one (by
    the beat) shows ``run=new`` in its arguments and its run here.
    """
    parts = [f"run={progress['run_id']}"] if progress.get("run_id") is not None else []
    parts += [f"{label}={int(progress.get(key) or 0)}" for label, key in PROGRESS_FIELDS]
    elapsed = progress.get("elapsed")
    if elapsed is not None:
        parts.append(f"elapsed={float(elapsed):.0f}s")
    return " ".join(parts)
