"""The Celery app; its configuration is built from Settings in exactly one function."""

from __future__ import annotations

from typing import Any

from celery import Celery

from crawler.config.settings import Settings, get_settings

DEFAULT_QUEUE = "crawl.default"


def crawl_queue(region: str | None) -> str:
    """The queue a region's crawls go to: ``crawl.<region>``, or ``crawl.default``."""
    return f"crawl.{region}" if region else DEFAULT_QUEUE


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings for workers and clients alike."""
    if not settings.redis_url:
        raise RuntimeError("PANTAU_REDIS_URL is not set (the CLI sets it for embedded Redis)")
    transport = {"visibility_timeout": settings.visibility_timeout}
    return {
        "broker_url": settings.redis_url,
        "result_backend": settings.redis_url,
        "broker_transport_options": transport,
        "result_backend_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": DEFAULT_QUEUE,
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
    }


app = Celery("pantau", include=["tasks.crawl"])
# Read lazily, when the configuration is first needed: the CLI may still be choosing the
# Redis URL (embedded or from the environment) when this module is imported.
app.add_defaults(lambda: celery_config(get_settings()))
