"""Celery signal receivers for the logs: JSON lines and the crawl each task log line is about.

Connected when ``tasks.app`` is imported, so ``pantau worker`` and ``celery -A tasks.app``
alike get them. With ``PANTAU_LOG_FORMAT=json`` the worker's root and task loggers write
JSON (crawler.observe.logs); in every format, a task's log lines carry its crawl's
``run_id``, ``source``, ``region`` and ``shard`` as structlog context variables.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog
from celery import current_task, signals
from structlog.types import EventDict, WrappedLogger

from crawler.config.settings import get_settings
from crawler.observe.labels import crawl_context
from crawler.observe.logs import json_formatter


def add_celery_task(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """Add ``task_id`` and ``task_name`` while a task runs in this process."""
    task = current_task
    request = getattr(task, "request", None) if task else None
    if request is not None and getattr(request, "id", None):
        event.setdefault("task_id", request.id)
        event.setdefault("task_name", task.name)
    return event


def use_json(logger: logging.Logger) -> None:
    """Give every handler of ``logger`` the JSON formatter of worker processes."""
    formatter = json_formatter({"process": "worker"}, extra=(add_celery_task,))
    for handler in logger.handlers:
        handler.setFormatter(formatter)


@signals.after_setup_logger.connect
def _json_root_logger(logger: logging.Logger | None = None, **_: Any) -> None:
    if logger is not None and get_settings().log_format == "json":
        use_json(logger)


@signals.after_setup_task_logger.connect
def _json_task_logger(logger: logging.Logger | None = None, **_: Any) -> None:
    if logger is not None and get_settings().log_format == "json":
        use_json(logger)


@signals.task_prerun.connect
def _bind_crawl(task: Any = None, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    """Bind the crawl a task is about for its log lines (nothing for other tasks)."""
    structlog.contextvars.clear_contextvars()
    context = crawl_context(getattr(task, "name", ""), args, kwargs)
    context.pop("deep", None)
    structlog.contextvars.bind_contextvars(**context)


def bind_run(run_id: int) -> None:
    """Name the run in the task's further log lines (a task may create its run itself)."""
    structlog.contextvars.bind_contextvars(run_id=run_id)


@signals.task_postrun.connect
def _unbind_crawl(**_: Any) -> None:
    structlog.contextvars.clear_contextvars()
