"""Forum engine adapters (one module per engine) and engine detection.

Every module of this package that defines ``ENGINE`` (an :class:`Engine` instance) is an
adapter; ``engine_named`` finds one by name and ``detect_engine`` tells which engine made a page.
The selector adapter (``selectors``) is built per source from its YAML selectors instead.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import cache

from crawler.extract.engines.base import (
    Engine,
    EngineError,
    KnownThread,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)

__all__ = [
    "Engine",
    "EngineError",
    "KnownThread",
    "Page",
    "PageResult",
    "ParseContext",
    "ThreadInfo",
    "ThreadLink",
    "detect_engine",
    "engine_named",
    "engine_names",
]


log = logging.getLogger(__name__)
# Adapter modules that failed to import, with the error: one broken adapter must not stop
# the crawls of every other engine.
_broken: dict[str, str] = {}


@cache
def _engines() -> dict[str, Engine]:
    found: dict[str, Engine] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_") or module.name == "base":
            continue
        try:
            loaded = importlib.import_module(f"{__name__}.{module.name}")
        except Exception as exc:
            _broken[module.name] = f"{type(exc).__name__}: {exc}"
            log.error("engine adapter %s does not load: %s", module.name, _broken[module.name])
            continue
        engine = getattr(loaded, "ENGINE", None)
        if isinstance(engine, Engine):
            found[engine.name] = engine
    return dict(sorted(found.items()))


def engine_names() -> list[str]:
    """The names of every engine adapter, sorted."""
    return list(_engines())


def engine_named(name: str) -> Engine:
    """The adapter called ``name``; EngineError names the known ones otherwise."""
    if name.isidentifier() and name not in ("base", "selectors"):
        try:  # most adapters live in a module of their name: no need to import the others
            engine = getattr(importlib.import_module(f"{__name__}.{name}"), "ENGINE", None)
        except ModuleNotFoundError:
            engine = None
        if isinstance(engine, Engine) and engine.name == name:
            return engine
    try:
        return _engines()[name]
    except KeyError:
        if name in _broken:
            raise EngineError(f"engine {name!r} does not load: {_broken[name]}") from None
        raise EngineError(
            f"unknown engine {name!r} (known: {', '.join(engine_names())})") from None


def detect_engine(page: Page) -> tuple[Engine, str]:
    """The engine that made ``page`` and the fingerprint that shows it.

    Raises EngineError when no adapter recognizes the page (then a source needs an engine
    or selectors, see docs/sources.md).
    """
    for engine in _engines().values():
        reason = engine.detect(page)
        if reason:
            return engine, reason
    raise EngineError(f"no known forum engine made {page.url} (known: "
                      f"{', '.join(engine_names())}); name one with --engine or give selectors")
