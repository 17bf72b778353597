"""Run a forum spider offline in a fresh interpreter and get every item it yields.

Twisted's reactor does not restart, so each crawl runs in its own ``python -c`` process;
items come back as dicts (``_type`` names the item class, datetimes as ISO strings).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from crawler.extract.engines import KnownThread

ROOT = Path(__file__).resolve().parents[1]

CRAWL_SCRIPT = """
import json, sys
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.spiderloader import SpiderLoader
from scrapy.settings import Settings

spider_name, start_url, out, args = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
rows = []

def scraped(item, response, spider):
    row = {slot: getattr(item, slot) for slot in item.__slots__ if slot != "raw"}
    row["_type"] = type(item).__name__
    rows.append(row)

settings = {
    "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
    "SPIDER_MODULES": ["spiders"],
}
process = CrawlerProcess(settings=settings)
spider_cls = SpiderLoader.from_settings(Settings(settings)).load(spider_name)
crawler = process.create_crawler(spider_cls)
crawler.signals.connect(scraped, signal=signals.item_scraped)
process.crawl(crawler, start_url=start_url, **args)
process.start()
stats = crawler.stats.get_stats()
with open(out, "w", encoding="utf-8") as fh:
    for row in rows:
        fh.write(json.dumps(row, default=lambda o: o.isoformat(), ensure_ascii=False) + "\\n")
    keep = {k: v for k, v in stats.items() if k.startswith(("pantau/", "downloader/", "log_count"))}
    fh.write(json.dumps({"_type": "stats", **keep}, default=str) + "\\n")
"""


def crawl_items(spider_name: str, start_url: str, out_dir: Path,
                **spider_args: Any) -> list[dict[str, Any]]:
    """Every item of one crawl of ``spider_name`` from ``start_url``, in yield order.

    The last entry is ``{"_type": "stats", ...}`` with the crawl's pantau/ and downloader/
    statistics; ``post_items`` and friends below filter by type.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{spider_name}-{len(list(out_dir.iterdir()))}.jsonl"
    subprocess.run([sys.executable, "-c", CRAWL_SCRIPT, spider_name, start_url, str(out),
                    json.dumps(spider_args)], cwd=ROOT, check=True, timeout=240)
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def of_type(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The rows of one item type ("PostItem", "ThreadItem", "ThreadRef", "stats")."""
    return [row for row in rows if row["_type"] == name]


def stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The crawl statistics row."""
    return of_type(rows, "stats")[-1]


def known_threads(rows: Any) -> list[dict[str, Any]]:
    """What a crawl's ThreadItems leave for the next crawl (``known_threads`` of a spider), as
    crawler.storage would load it: the KnownThread fields of each."""
    keys = [f.name for f in fields(KnownThread)]
    return [{k: row[k] for k in keys} for row in rows if row.get("_type") == "ThreadItem"]


def real_entries(real_fixtures: Path, engine: str) -> list[tuple[str, dict[str, Any]]]:
    """The truth.json entries of the real saved pages whose engine starts with ``engine``."""
    truth = json.loads((real_fixtures / "truth.json").read_text("utf-8"))
    return [(name, entry) for name, entry in sorted(truth.items())
            if str(entry.get("engine", "")).startswith(engine)]
