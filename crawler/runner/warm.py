"""What a warm spider start has ready: imported once by the fork server of crawler.runner.zygote.

Importing this module imports Scrapy, every component pantau's Scrapy settings name, Scrapy's
default components, every spider module, and loads the enrichment data (gazetteer and
language model). A spider process forked from the server starts with all of that in memory
(copy-on-write) instead of spending 1.5-2 CPU-seconds on it. It must never install a Twisted
reactor: the spider installs the asyncio reactor itself (tests/test_warm_start.py checks it).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)


def _dotted(value: Any) -> Iterator[str]:
    """Dotted paths of classes named in a settings value (dict keys and values, strings)."""
    if isinstance(value, str) and value.count(".") >= 2 and all(
            part.isidentifier() for part in value.split(".")):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dotted(key)
            yield from _dotted(item)


def component_modules() -> list[str]:
    """The modules of every component a crawl may load: pantau's settings, Scrapy's defaults."""
    from scrapy.settings import default_settings

    from crawler.config.settings import Settings
    from crawler.runner.scrapy_settings import scrapy_settings
    from crawler.runner.spec import CrawlSpec

    spec = CrawlSpec(run_id=1, source="warm", region="62", spider="forum", platform="forum",
                     start_url="http://127.0.0.1:1/", site="http://127.0.0.1:1/")
    ours = scrapy_settings(Settings(database_url="postgresql://warm/warm",
                                    redis_url="redis://warm/0"), spec)
    theirs = {name: getattr(default_settings, name) for name in dir(default_settings)
              if name.isupper()}
    modules = {path.rsplit(".", 1)[0] for value in [*ours.values(), *theirs.values()]
               for path in _dotted(value)}
    return sorted(modules)


def _import_all() -> None:
    import scrapy.crawler  # noqa: F401 - what the spider process imports first

    import spiders
    from crawler.runner import child  # noqa: F401

    names = component_modules() + [f"spiders.{m.name}" for m in
                                   pkgutil.iter_modules(spiders.__path__)]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as err:  # an optional component (e.g. HTTP/2 without h2)
            logger.debug("warm start: %s not imported (%s)", name, err)


def _load_data() -> None:
    from crawler.enrich.gazetteer import gazetteer
    from crawler.enrich.language import detect_language

    gazetteer()
    detect_language("memuat model bahasa sekali untuk semua crawl")


try:
    _import_all()
    _load_data()
except Exception as err:  # the spider then imports what it needs itself
    logger.warning("warm start: preloading failed: %s", err)
