"""Log lines of workers and spider processes: text, or JSON with the crawl they belong to.

``PANTAU_LOG_FORMAT=json`` turns every record of the standard ``logging`` module (Scrapy's,
Celery's, pantau's) into one JSON object per line, rendered by structlog::

    {"timestamp": "2026-12-01T03:04:05.678Z", "level": "info", "logger": "scrapy.core.engine",
     "message": "Spider opened", "process": "spider", "run_id": 17, "source": "forum-kalteng",
     "region": "62", "spider": "phpbb", "mode": "full"}

The crawl's keys come from two places: values fixed for a whole process (a spider process
knows its run from its CrawlSpec), and ``structlog.contextvars`` bound per task in the worker
(``tasks/observe.py``). A spider process writes its log to stderr (plain text, whose tail
explains a crash in the run's reason) and, when the runner passes one in
``PANTAU_LOG_FD``, to the worker's own stderr in the chosen format.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from structlog.types import EventDict, Processor, WrappedLogger

    from crawler.config.settings import Settings
    from crawler.runner.spec import CrawlSpec

LOG_FORMATS = ("text", "json")
LOG_FD_ENV = "PANTAU_LOG_FD"
# Scrapy's LOG_FORMAT, kept for the spider's stderr (the crash tail) and for text logs
TEXT_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
TEXT_DATEFMT = "%Y-%m-%d %H:%M:%S"
FIRST_KEYS = ("timestamp", "level", "logger", "message")  # then the crawl's keys


def _fixed(values: Mapping[str, Any]) -> Processor:
    """A processor that adds ``values`` (those the event does not set itself)."""
    frozen = dict(values)

    def add(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        for key, value in frozen.items():
            event.setdefault(key, value)
        return event

    return add


def _first_keys_first(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    head = {key: event.pop(key) for key in FIRST_KEYS if key in event}
    return {**head, **event}


def json_formatter(fixed: Mapping[str, Any] | None = None,
                   extra: Sequence[Processor] = ()) -> logging.Formatter:
    """A ``logging`` formatter that writes each record as one JSON line.

    ``fixed``: keys of every line (e.g. ``process``); ``extra``: more processors, run after
    the context variables are merged (the worker adds the current Celery task's id and name).
    """
    import structlog  # here: the runner and text logs need none of it

    pre_chain: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        *extra,
        _fixed(fixed or {}),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            _first_keys_first,
            structlog.processors.JSONRenderer(sort_keys=False, default=str),
        ],
    )


def text_formatter(fixed: Mapping[str, Any] | None = None) -> logging.Formatter:
    """Scrapy's text format; with ``fixed``, its keys in brackets before the logger name."""
    prefix = " ".join(f"{k}={v}" for k, v in (fixed or {}).items()).replace("%", "%%")
    fmt = TEXT_FORMAT if not prefix else TEXT_FORMAT.replace("[%(name)s]",
                                                              f"[{prefix}] [%(name)s]")
    return logging.Formatter(fmt=fmt, datefmt=TEXT_DATEFMT)


def formatter_for(log_format: str, fixed: Mapping[str, Any] | None = None,
                  extra: Sequence[Processor] = ()) -> logging.Formatter:
    """The formatter of ``PANTAU_LOG_FORMAT`` (``text`` or ``json``)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r} (one of {', '.join(LOG_FORMATS)})")
    return json_formatter(fixed, extra) if log_format == "json" else text_formatter(fixed)


def spider_context(spec: CrawlSpec) -> dict[str, Any]:
    """The keys of every log line of a spider process: its run, source, region, shard."""
    found: dict[str, Any] = {"process": "spider", "run_id": spec.run_id, "source": spec.source,
                             "region": spec.region or None, "shard": spec.shard_no,
                             "spider": spec.spider, "mode": spec.mode}
    return {k: v for k, v in found.items() if v is not None}


def install_spider_logging(settings: Settings, spec: CrawlSpec) -> list[logging.Handler]:
    """The spider process's root handlers (Scrapy's own is off: LOG_INSTALL_ROOT_HANDLER).

    Call it after ``CrawlerProcess`` is built, whose logging set-up would close handlers
    added before. Returns the handlers installed: stderr in text, and the worker's log
    stream (``PANTAU_LOG_FD``) in ``settings.log_format`` when the runner passed one.
    """
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        level = logging.INFO
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    handlers[0].setFormatter(text_formatter())
    fd = os.environ.get(LOG_FD_ENV)
    if fd:
        stream = os.fdopen(int(fd), "w", buffering=1, encoding="utf-8", errors="replace")
        forward = logging.StreamHandler(stream)
        forward.setFormatter(formatter_for(settings.log_format, spider_context(spec)))
        handlers.append(forward)
    root = logging.getLogger()
    root.setLevel(logging.NOTSET)  # as Scrapy does: the handlers decide
    for handler in handlers:
        handler.setLevel(level)
        root.addHandler(handler)
    return handlers


def worker_log_fd() -> int | None:
    """A copy of this process's stderr for a spider to log to (``PANTAU_LOG_FD``), or None.

    The caller passes it to the child (``pass_fds``) and closes its own copy afterwards.
    """
    with contextlib.suppress(OSError):
        return os.dup(2)
    return None
