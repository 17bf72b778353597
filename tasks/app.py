"""The Celery app; its configuration is built from Settings in exactly one function."""

from __future__ import annotations

from typing import Any

from celery import Celery

from crawler.config.settings import Settings, get_settings
from crawler.observe.labels import task_label

DEFAULT_QUEUE = "crawl.default"
MAINTENANCE_QUEUE = "maintenance"  # enrichment and raw purge (tasks/maintenance.py)
ENRICH_TASK = "pantau.enrich"
PURGE_RAW_TASK = "pantau.purge_raw"
CRAWL_TASKS = ("pantau.crawl_source", "pantau.crawl_shard")


def crawl_queue(region: str | None, browser: bool = False) -> str:
    """The queue a region's crawls go to: ``crawl.<region>`` or ``crawl.default``; for a
    source that needs a browser ``browser.<region>`` or ``browser.default``, which only
    workers started with ``pantau worker --browser`` take."""
    return f"{'browser' if browser else 'crawl'}.{region or 'default'}"


def route_crawl(name: str, args: Any, kwargs: Any, options: Any, task: Any = None,
                **_: Any) -> dict[str, Any] | None:
    """Celery router: a crawl task sent without a queue goes to its source's queue.

    An explicit ``queue=`` wins over routers; senders that know the source should still pass
    ``crawl_queue(source.region, browser=source.browser)``. The route also sets ``argsrepr``
    to ``source=NAME region=CODE run=ID`` (crawler.observe.labels) for every crawl task sent.
    """
    if name not in CRAWL_TASKS:
        return None
    source = (args[0] if args else None) or (kwargs or {}).get("source")
    if not isinstance(source, dict):
        return None
    region = source.get("region")
    route = {"queue": crawl_queue(str(region) if region else None,
                                  browser=bool(source.get("browser"))),
             # what Flower and `celery inspect` show as the arguments, not the whole source
             "argsrepr": task_label(name, args, kwargs)}
    if kwargs:  # a source passed by keyword would otherwise show whole in kwargsrepr
        route["kwargsrepr"] = repr({k: (v.get("name") if k == "source" and isinstance(v, dict)
                                        else v) for k, v in kwargs.items()})
    return route


def restore_sweep(visibility_timeout: int) -> dict[str, int]:
    """How often workers look for unacknowledged messages whose visibility timeout passed.

    kombu's Redis transport sweeps every ``unacked_restore_interval`` (10 s) times
    ``unacked_restore_throttle`` (10) seconds: a message of a dead worker waits up to 100 s
    more than the visibility timeout. The sweep here comes about every tenth of the timeout
    (at least every second, at most kombu's 100 s), so a short timeout is short in effect.
    """
    interval = max(1, min(10, visibility_timeout // 10))
    throttle = max(1, min(10, visibility_timeout // (10 * interval)))
    return {"unacked_restore_interval": interval, "unacked_restore_throttle": throttle}


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings for workers and clients alike."""
    if not settings.redis_url:
        raise RuntimeError("PANTAU_REDIS_URL is not set (the CLI sets it for embedded Redis)")
    transport = {"visibility_timeout": settings.visibility_timeout,
                 **restore_sweep(settings.visibility_timeout)}
    return {
        "broker_url": settings.redis_url,
        "result_backend": settings.redis_url,
        "broker_transport_options": transport,
        "result_backend_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": DEFAULT_QUEUE,
        "task_routes": (route_crawl,),
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 7 * 24 * 3600,
        "result_extended": True,
        # Reliability: a task is acknowledged after it ran; a lost worker hands it back.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit or None,
        "task_time_limit": settings.task_time_limit,
        "worker_concurrency": settings.worker_concurrency,
        # Events for Flower and for progress: task-sent/started/succeeded and task-progress.
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "task_track_started": True,
        "worker_hijack_root_logger": False,
        # Beat: celery-redbeat keeps entries and its lock in Redis (tasks/beat.py).
        "beat_scheduler": "tasks.beat:PantauScheduler",
        "beat_max_loop_interval": settings.beat_max_interval,
        "redbeat_redis_url": settings.redis_url,
        "redbeat_redis_options": {"socket_connect_timeout": 10},  # not the broker's options
        "redbeat_key_prefix": "pantau:beat:",
        "redbeat_lock_timeout": settings.beat_lock_timeout,
    }


# tasks.observe: signal receivers for JSON logs and the crawl context of task log lines
app = Celery("pantau", include=["tasks.crawl", "tasks.observe", "tasks.alerts",
                                "tasks.maintenance"])
# Read lazily, when the configuration is first needed: the CLI may still be choosing the
# Redis URL (embedded or from the environment) when this module is imported.
app.add_defaults(lambda: celery_config(get_settings()))
