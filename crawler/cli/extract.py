"""``pantau extract PAGE``: the posts, links and engine of one page, as a crawl would see them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.errors import UserError
from crawler.cli.extract_article import extract_other, no_forum_engine, wants_other
from crawler.cli.fetch import fetch_page
from crawler.config.settings import get_settings
from crawler.config.sources import check_timezone
from crawler.extract.engines import (
    Engine,
    EngineError,
    Page,
    PageResult,
    ParseContext,
    detect_engine,
    engine_named,
)
from crawler.extract.engines.selectors import SelectorEngine
from crawler.i18n import say
from crawler.items import PostItem, UnparsablePage

console = Console(highlight=False)


def load_page(page: str, url: str | None) -> Page:
    """A saved file (``url``: where it was saved from) or a web address fetched now."""
    if "://" in page and not page.startswith("file://"):
        return fetch_page(page, get_settings())
    path = Path(page.removeprefix("file://"))
    try:
        body = path.read_bytes()
    except OSError as err:
        raise UserError(say("cannot_read", path=path, reason=err.strerror),
                        say("cannot_read_hint")) from None
    return Page.from_bytes(url or path.resolve().as_uri(), body)


def choose_engine(page: Page, name: str | None, selectors: Path | None) -> tuple[Engine, str]:
    """The engine named, the selectors given, or the one that detects the page."""
    if selectors is not None:
        import yaml

        try:
            raw = yaml.safe_load(selectors.read_text("utf-8"))
            return SelectorEngine.from_config(raw.get("selectors", raw)), f"selectors {selectors}"
        except (OSError, AttributeError, ValueError, yaml.YAMLError) as err:
            raise UserError(f"--selectors {selectors}: {err}".splitlines()[0],
                            say("selectors_hint")) from None
    try:
        if name:
            return engine_named(name), "--engine"
        return detect_engine(page)
    except EngineError as err:
        raise UserError(str(err), say("engine_hint")) from None


def extract(
    page: Annotated[str, typer.Argument(help="A saved page (file) or an http(s):// address.")],
    engine: Annotated[str | None, typer.Option(help="Engine adapter (default: detected).")]
    = None,
    selectors: Annotated[Path | None, typer.Option(
        help="YAML file with a no-code source's selectors (instead of an engine).")] = None,
    url: Annotated[str | None, typer.Option(
        help="Where a saved page came from (resolves its links).")] = None,
    timezone: Annotated[str, typer.Option(help="Time zone the site shows times in.")]
    = "Asia/Jakarta",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    kind: Annotated[str | None, typer.Option(
        help="forum, news (an article) or feed (default: a forum engine if one recognizes "
        "the page, else a feed, sitemap or article).")] = None,
) -> None:
    """Print the posts and links one page yields and the engine that made it."""
    try:
        check_timezone(timezone)
    except ValueError:
        raise UserError(say("bad_timezone", value=timezone), say("bad_timezone_hint")) from None
    fetched = load_page(page, url)
    # articles, feeds and sitemaps (crawler/cli/extract_article.py)
    forced = wants_other(engine, kind)
    if (forced or (engine is None and selectors is None and kind is None
                   and no_forum_engine(fetched))) and extract_other(
            fetched, timezone, as_json, forced, kind):
        return
    adapter, reason = choose_engine(fetched, engine, selectors)
    try:
        result = adapter.parse(fetched, ParseContext(timezone=timezone))
    except UnparsablePage as err:
        raise UserError(f"{adapter.name}: {err}", say("unparsable_hint"), code=1) from None
    if as_json:
        print(json.dumps(as_dict(result, adapter, reason, fetched.url), ensure_ascii=False,
                         indent=2, default=str))
        return
    show(result, adapter, reason, fetched.url)


def as_dict(result: PageResult, engine: Engine, reason: str, url: str) -> dict[str, Any]:
    """The page's yield as plain data (``--json``)."""
    thread = result.thread
    return {
        "url": url, "engine": engine.name, "detected_by": reason, "kind": result.kind,
        "thread": None if thread is None else {
            "native_id": thread.native_id, "title": thread.title,
            "container": thread.container, "url": thread.url},
        "posts": [_post(p) for p in result.posts],
        "boards": result.boards,
        "threads": [{"url": t.url, "native_id": t.native_id, "title": t.title,
                     "signature": t.signature, "sticky": t.sticky} for t in result.threads],
        "next_url": result.next_url,
    }


def _post(post: PostItem) -> dict[str, Any]:
    keys = ("native_id", "kind", "url", "position", "author_name", "author_id", "author_url",
            "published_at", "edited_at", "title", "parent_native_id", "quoted_native_ids",
            "quoted_text", "body_text", "links", "media", "metrics")
    out = {key: getattr(post, key) for key in keys}
    for key in ("published_at", "edited_at"):
        out[key] = out[key].isoformat() if out[key] is not None else None
    return out


def show(result: PageResult, engine: Engine, reason: str, url: str) -> None:
    """A human summary: engine, page kind, posts table, links followed."""
    console.print(f"[bold]{url}[/]")
    console.print(say("extract_engine", engine=engine.name, reason=reason, kind=result.kind))
    if result.thread is not None:
        console.print(say("extract_thread", id=result.thread.native_id,
                          title=result.thread.title or "-",
                          container=result.thread.container or "-"))
    if result.posts:
        table = Table(say("col_id"), "#", say("col_author"), say("col_published"),
                      say("col_quotes"), say("col_text"))
        for post in result.posts:
            table.add_row(post.native_id, str(post.position or ""),
                          post.author_name or "-",
                          post.published_at.isoformat() if post.published_at else "-",
                          ",".join(post.quoted_native_ids),
                          post.body_text[:70].replace("\n", " "))
        console.print(table)
    console.print(say("extract_counts", posts=len(result.posts), boards=len(result.boards),
                      threads=len(result.threads), next=result.next_url or "-"))
    for board in result.boards:
        console.print(say("extract_board", board=board))
    for thread in result.threads:
        console.print(say("extract_thread_link", url=thread.url,
                          signature=thread.signature or "-"))
