"""Structured logs: the formatters, and a real spider process logging JSON to its runner."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import structlog

from crawler.demosite.model import build_forum
from crawler.demosite.server import DemoForumServer
from crawler.extract.urls import site_key
from crawler.observe.logs import formatter_for, json_formatter, spider_context, text_formatter
from crawler.runner.outcome import SUCCEEDED, judge
from crawler.runner.process import run_crawl
from crawler.runner.spec import CrawlSpec
from crawler.storage.runs import RunStore
from tests.workers import FAST_ENV


def _logged(formatter: logging.Formatter, emit: Any) -> list[str]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"pantau.test.{id(stream)}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_json_lines_carry_fixed_keys_context_and_exceptions() -> None:
    def emit(logger: logging.Logger) -> None:
        structlog.contextvars.bind_contextvars(run_id=17, source="forum-kalteng", region="62")
        try:
            logger.info("crawl %s starting", "forum-kalteng")
            try:
                raise ValueError("bad page")
            except ValueError:
                logger.exception("parse failed")
        finally:
            structlog.contextvars.clear_contextvars()
        logger.warning("after the task")

    lines = _logged(json_formatter({"process": "worker"}), emit)
    first, failed, after = (json.loads(line) for line in lines[:1] + lines[1:2] + lines[-1:])
    assert first["message"] == "crawl forum-kalteng starting"
    assert (first["level"], first["process"], first["run_id"], first["source"],
            first["region"]) == ("info", "worker", 17, "forum-kalteng", "62")
    assert first["logger"].startswith("pantau.test.")
    assert first["timestamp"].endswith("Z")
    assert failed["level"] == "error" and "ValueError: bad page" in failed["exception"]
    assert "run_id" not in after and after["process"] == "worker"
    assert len(lines) == 3, "one line per record, tracebacks included"


def test_text_format_names_the_crawl() -> None:
    lines = _logged(text_formatter({"run_id": 5, "source": "a%b"}),
                    lambda logger: logger.info("hello %d%%", 3))
    assert len(lines) == 1
    assert "[run_id=5 source=a%b] [pantau.test." in lines[0]
    assert lines[0].endswith("INFO: hello 3%")
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        formatter_for("xml")


def _spec(url: str, run_id: int | None, shard: int | None = None) -> CrawlSpec:
    spec = CrawlSpec(run_id=run_id, source="log-forum", region="62.71", spider="phpbb",
                     platform="phpbb", start_url=url, site=site_key(url), authors="keep",
                     limits={"max_pages": 6},
                     politeness={"download_delay": 0, "concurrent_requests": 8})
    return spec if shard is None else spec.for_shard(shard, [url])


def test_spider_context() -> None:
    spec = _spec("http://127.0.0.1:9/", 17, shard=3)
    assert spider_context(spec) == {"process": "spider", "run_id": 17, "source": "log-forum",
                                    "region": "62.71", "shard": 3, "spider": "phpbb",
                                    "mode": "threads"}
    assert "run_id" not in spider_context(_spec("http://127.0.0.1:9/", None))


@pytest.fixture(scope="module")
def forum() -> Iterator[DemoForumServer]:
    with DemoForumServer(build_forum(seed=7)) as server:
        yield server


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_spider_process_logs_to_its_runner(forum: DemoForumServer, database: str,
                                           redis_url: str, log_format: str,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(database) as conn:
        run_id = RunStore(conn).create("log-forum", "62.71")
    spec = _spec(forum.url, run_id)
    env = {**FAST_ENV, "PANTAU_DATABASE_URL": database, "PANTAU_REDIS_URL": redis_url,
           "PANTAU_LOG_FORMAT": log_format, "PANTAU_LOG_LEVEL": "INFO"}
    capfd.readouterr()
    outcome = run_crawl(spec, env=env, timeout=120)
    forwarded = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert judge(outcome, spec)[0] == SUCCEEDED, outcome.stderr_tail
    assert forwarded, "the spider's log did not reach the runner's stderr"
    # the spider's own stderr stays text: a crash reason is read from its tail
    assert "[scrapy.core.engine] INFO: Closing spider" in outcome.stderr_tail
    assert '"message":' not in outcome.stderr_tail
    if log_format == "text":
        assert all(f"[process=spider run_id={run_id} source=log-forum region=62.71 "
                   "spider=phpbb mode=full]" in line for line in forwarded
                   if line[:4].isdigit()), forwarded[:3]
        assert any("Spider closed (closespider_pagecount)" in line for line in forwarded)
        return
    records = [json.loads(line) for line in forwarded]  # every line is one JSON object
    for record in records:
        assert (record["process"], record["run_id"], record["source"], record["region"],
                record["spider"]) == ("spider", run_id, "log-forum", "62.71", "phpbb"), record
        assert {"timestamp", "level", "logger", "message"} <= set(record)
    closed = [r for r in records if r["message"] == "Spider closed (closespider_pagecount)"]
    assert closed and closed[0]["logger"] == "scrapy.core.engine"
    assert closed[0]["level"] == "info"
