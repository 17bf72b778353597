"""The sources file: regions and their sources in YAML, validated by pydantic.

A mistake is reported as one line naming the file, the region, the source and the field,
for example ``sources.yaml: region 62, source forum-kalteng: field 'enginee': unknown
field (did you mean 'engine'?)``.
"""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crawler.config.alerts import RegionAlerts
from crawler.config.social import check_reddit_credentials, check_social_url
from crawler.config.terms import TermsOverride, check_terms_note, terms_block
from crawler.config.watchlists import Watchlist, enclosing_codes, merge_watchlists
from crawler.extract.engines.selectors import SelectorConfig
from crawler.extract.render import (
    ClickMoreStep,
    RenderConfig,
    ScrollStep,
    browser_by_default,
    rendered_source_problem,
)
from crawler.schedule.durations import parse_duration
from crawler.schedule.model import EventWindow, Schedule

SourceKind = Literal[
    "forum", "feed", "news", "telegram", "mastodon", "bluesky", "wordpress", "rendered",
    "reddit",
]
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
# Upper bounds of a source's cluster-wide politeness overrides (docs/sources.md).
MAX_REQUESTS_PER_SECOND = 50
MAX_CLUSTER_CONCURRENCY = 8


# The spider of each source kind other than forum (forums use their engine's spider).
KIND_SPIDERS: dict[str, str] = {
    "feed": "feed",  # spiders/feed.py: RSS, Atom, JSON Feed entries as articles
    "news": "news",  # spiders/news.py: sitemaps -> article pages
    "rendered": "rendered",  # spiders/rendered.py: selectors on pages rendered in Chromium
    # Public social channels (crawler/extract/social): spiders/<kind>.py
    "telegram": "telegram", "mastodon": "mastodon", "bluesky": "bluesky", "reddit": "reddit",
}
# posts.platform of kinds whose posts share a platform with another kind (default: the kind).
KIND_PLATFORMS: dict[str, str] = {"feed": "news", "rendered": "forum"}


class ConfigError(Exception):
    """A sources file that cannot be used; ``str()`` is one line meant for the user."""


CREDENTIALS_IN_URL = ("a user name or password in the URL is not supported: pantau crawls "
                      "public pages only (docs/security.md)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Bounds of one crawl of a source."""

    max_pages: int | None = Field(default=None, ge=1, description="Stop after this many pages.")
    max_depth: int | None = Field(default=None, ge=1, description="Links followed from the start.")
    max_seconds: int | None = Field(default=None, ge=1, description="Stop after this long.")
    max_age: timedelta | None = Field(
        default=None, description="Kinds feed and news: leave out articles (and child "
        "sitemaps) last changed longer ago than this, e.g. 30d.")

    @field_validator("max_age", mode="before")
    @classmethod
    def _age(cls, value: Any) -> Any:
        return parse_duration(value)


class Politeness(_Strict):
    """Per-source overrides of the politeness defaults (see Settings)."""

    download_delay: float | None = Field(default=None, ge=0)
    concurrent_requests: int | None = Field(default=None, ge=1, le=16)
    obey_robots_txt: bool | None = None
    # Cluster-wide politeness (crawler/politeness): bounded so no source can ask for much.
    requests_per_second: float | None = Field(
        default=None, gt=0, le=MAX_REQUESTS_PER_SECOND,
        description="Requests per second to this site summed over all workers "
        "(default PANTAU_POLITE_REQUESTS_PER_SECOND).",
    )
    cluster_concurrency: int | None = Field(
        default=None, ge=1, le=MAX_CLUSTER_CONCURRENCY,
        description="Requests in flight to this site summed over all workers "
        "(default PANTAU_POLITE_CONCURRENCY).",
    )


class Source(_Strict):
    """One crawlable place: a forum, a feed, a channel."""

    # a traceback of a bad definition must not print its values (a URL may hold a secret)
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: Annotated[str, Field(description="Unique name, lowercase, e.g. forum-kalteng.")]
    kind: SourceKind = "forum"
    engine: str | None = Field(
        default=None, description="Forum engine adapter (see docs/sources.md); unset or "
        "'auto': detected from the first page. Not with `selectors`.")
    selectors: SelectorConfig | None = Field(
        default=None, description="No-code adapter: CSS/XPath selectors for a forum no "
        "engine adapter knows.")
    deep_every: timedelta | None = Field(
        default=timedelta(days=7), description="How often a scheduled crawl is deep (every "
        "page of every thread, catching edits and deletions in old threads), e.g. 7d, 24h; "
        "null: only on demand (`pantau crawl --deep`). Other crawls are incremental.")
    url: HttpUrl
    region: str = Field(default="", description="Region code; inherited from the region block.")
    timezone: str | None = Field(default=None, description="Site time zone; default: region's.")
    authors: Literal["keep", "pseudonymize", "drop"] = "pseudonymize"
    enabled: bool = Field(default=True, description="false: `pantau crawl NAME` refuses it.")
    threads_per_shard: int | None = Field(
        default=None, ge=1, le=10_000,
        description="Spread one crawl over many workers: list the threads first, then crawl "
        "them in shards of this many threads. Unset: one task crawls the whole source.",
    )
    browser: bool = Field(
        default=False, description="Needs a browser: queued on browser.<region>, which only "
        "workers started with `pantau worker --browser` take.")
    render: RenderConfig | None = Field(
        default=None, description="Kind rendered: what Chromium does on each page before the "
        "selectors read it (wait for, scroll, click 'load more'); implies browser: true.")
    limits: Limits = Limits()
    politeness: Politeness = Politeness()
    schedule: Schedule | None = Field(
        default=None, description="When the beat crawls it; overrides the region's schedule "
        "field by field (crawler/schedule, docs/sources.md).")
    watchlists: list[Watchlist] = Field(
        default=[], description="Terms that flag this source's posts, besides those of its "
        "region and enclosing regions, which loading the file adds here (docs/sources.md).")
    terms: str | None = Field(
        default=None, description="A note on the site's terms, e.g. 'site forbids automated "
        "crawling': the source is blocked (not crawled, not scheduled) unless "
        "terms_override is given (crawler/config/terms.py).")
    terms_override: TermsOverride | None = Field(
        default=None, description="The operator's decision to crawl despite the terms note: "
        "by, reason and date, all required; logged and stored on every run.")

    @field_validator("terms")
    @classmethod
    def _terms_note(cls, value: str | None) -> str | None:
        return check_terms_note(value)

    @model_validator(mode="after")
    def _override_needs_terms(self) -> Source:
        if self.terms_override is not None and self.terms is None:
            raise ValueError("terms_override without terms: write the terms note it overrides")
        return self

    @property
    def terms_block(self) -> str | None:
        """Why this source may not be crawled (terms note without override), or None."""
        return terms_block(self.terms, self.terms_override)

    @field_validator("region", mode="before")
    @classmethod
    def _region_code(cls, value: Any) -> Any:
        return _check_region_code(value) if value != "" else value

    @model_validator(mode="before")
    @classmethod
    def _rendered_needs_a_browser(cls, data: Any) -> Any:
        return browser_by_default(data)

    @model_validator(mode="after")
    def _has_a_spider(self) -> Source:
        self.spider  # noqa: B018 - raises ConfigError for a kind or engine without a spider
        return self

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, value: HttpUrl) -> HttpUrl:
        # A page behind a password is not public, and the URL would carry the password into
        # the task message, Flower, logs and the database (docs/security.md).
        if value.username is not None or value.password is not None:
            raise ValueError(CREDENTIALS_IN_URL)
        return value

    @field_validator("url")
    @classmethod
    def _social_url(cls, value: HttpUrl, info: ValidationInfo) -> HttpUrl:
        check_social_url(str(info.data.get("kind", "")), str(value))
        return value

    @model_validator(mode="after")
    def _reddit_credentials(self) -> Source:
        check_reddit_credentials(self.kind)
        return self

    @field_validator("name")
    @classmethod
    def _name_is_a_slug(cls, value: str) -> str:
        if not SOURCE_NAME.match(value):
            raise ValueError("use lowercase letters, digits, '.', '_' or '-' (max 63)")
        return value

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str | None) -> str | None:
        if value is None or value == "auto":
            return value
        from crawler.extract.engines import engine_names

        if value not in engine_names():
            hint = difflib.get_close_matches(value, engine_names(), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(f"unknown engine {value!r}{extra}; known: "
                             f"{', '.join(engine_names())}, or auto")
        return value

    @field_validator("deep_every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return check_timezone(value) if value is not None else None

    @property
    def spider(self) -> str:
        """The spider that crawls this source: the engine's own, the generic forum spider, or
        the spider of its kind (KIND_SPIDERS)."""
        problem = rendered_source_problem(self.kind, self.engine, self.selectors is not None,
                                          self.render, self.browser)
        if problem:
            raise ValueError(problem)
        if self.kind == "forum":
            if self.selectors is not None and self.engine not in (None, "auto"):
                raise ValueError("give either engine or selectors, not both")
            if self.selectors is not None or self.engine in (None, "auto"):
                return "forum"
            return self.engine or "forum"
        if self.kind in KIND_SPIDERS:
            return KIND_SPIDERS[self.kind]
        available = ", ".join(["forum", *sorted(KIND_SPIDERS)])
        raise ValueError(f"kind {self.kind!r} has no spider yet (available: {available})")

    @property
    def platform(self) -> str:
        """posts.platform: the engine's; 'forum' for selectors; 'auto' until detected."""
        if self.kind != "forum":
            return KIND_PLATFORMS.get(self.kind, self.kind)
        if self.selectors is not None:
            return "forum"
        if self.engine in (None, "auto"):
            return "auto"
        from crawler.extract.engines import engine_named

        return engine_named(self.engine or "").platform_name


class Region(_Strict):
    """An administrative region (Kemendagri code) and the sources watched for it."""

    code: str
    name: str
    timezone: str = "Asia/Jakarta"
    schedule: Schedule | None = Field(
        default=None, description="Default schedule of the region's sources, in its timezone.")
    sources: list[Source] = []
    alerts: RegionAlerts | None = Field(
        default=None, description="Webhook and thresholds of this region's alerts "
        "(docs/sources.md); unset: the enclosing region's, else the PANTAU_ALERT_* settings.")
    watchlists: list[Watchlist] = Field(
        default=[], description="Named term lists that flag posts of this region's sources "
        "and of regions inside it (crawler/enrich; docs/sources.md).")

    @field_validator("code", mode="before")
    @classmethod
    def _kemendagri_code(cls, value: Any) -> Any:
        return _check_region_code(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)


class SourcesFile(_Strict):
    """The whole file: a list of regions."""

    regions: list[Region]

    def sources(self) -> list[Source]:
        """Every source, with its region code and time zone filled in."""
        out = []
        for region in self.regions:
            watchlists = self.region_watchlists(region.code)
            for source in region.sources:
                tz = source.timezone or region.timezone
                out.append(source.model_copy(update={
                    "region": region.code, "timezone": tz,
                    "watchlists": merge_watchlists(source.watchlists, watchlists)}))
        return out

    def region_watchlists(self, code: str) -> list[Watchlist]:
        """The watchlists of region ``code`` and of the regions in this file enclosing it."""
        by_code = {region.code: region for region in self.regions}
        levels = [by_code[c].watchlists for c in reversed(enclosing_codes(code)) if c in by_code]
        return merge_watchlists(*levels)

    def region_for(self, code: str) -> Region | None:
        """The innermost region of this file that is or encloses ``code`` (None: none)."""
        by_code = {region.code: region for region in self.regions}
        found = [by_code[c] for c in enclosing_codes(code) if c in by_code]
        return found[-1] if found else None

    def source(self, name: str) -> Source:
        """The source called ``name``, or a ConfigError that suggests a close name."""
        by_name = {s.name: s for s in self.sources()}
        if name in by_name:
            return by_name[name]
        close = difflib.get_close_matches(name, list(by_name), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"no source named {name!r}{hint}")


# The model a key of the file leads to, for naming fields in error messages.
NESTED: dict[str, type[BaseModel]] = {
    "regions": Region, "sources": Source, "limits": Limits, "politeness": Politeness,
    "alerts": RegionAlerts, "schedule": Schedule, "windows": EventWindow,
    "render": RenderConfig, "scroll": ScrollStep, "click_more": ClickMoreStep,
    "watchlists": Watchlist, "terms_override": TermsOverride,
}


def _check_region_code(value: Any) -> Any:
    if isinstance(value, int | float):
        raise ValueError(f'put region codes in quotes, e.g. code: "{value}"')
    if not isinstance(value, str) or not REGION_CODE.match(value):
        raise ValueError("a Kemendagri code looks like 62, 62.71 or 62.71.01")
    return value


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Asia/Jakarta)"
        ) from None
    return value


def load_sources(path: Path) -> SourcesFile:
    """Read and validate a sources file; every problem becomes one ConfigError line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", err)
        raise ConfigError(f"{path}:{where}: not valid YAML: {problem}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'regions' list at the top")
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{path}: {_describe(err, data)}") from err
    _check_unique_names(path, parsed)
    return parsed


def _check_unique_names(path: Path, parsed: SourcesFile) -> None:
    seen: dict[str, str] = {}
    for source in parsed.sources():
        if source.name in seen:
            raise ConfigError(
                f"{path}: region {source.region}, source {source.name}: name already used "
                f"in region {seen[source.name]}"
            )
        seen[source.name] = source.region


def _describe(err: ValidationError, data: dict[str, Any]) -> str:
    """The first validation error as 'region R, source S: field F: message'."""
    first = err.errors()[0]
    loc = list(first["loc"])
    where: list[str] = []
    node: Any = data
    fields: list[str] = []
    model: type[BaseModel] = SourcesFile
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            if isinstance(node, dict) and model is Region:
                where.append(f"region {node.get('code', f'#{key + 1}')}")
            elif isinstance(node, dict) and model is Source:
                where.append(f"source {node.get('name', f'#{key + 1}')}")
            elif isinstance(node, dict) and model is EventWindow:
                where.append(f"window {node.get('name', f'#{key + 1}')}")
            elif isinstance(node, dict) and model is Watchlist:
                where.append(f"watchlist {node.get('name', f'#{key + 1}')}")
            continue
        fields.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
        model = NESTED.get(str(key), model)
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field" + _suggest(str(loc[-1]), _known_fields(loc))
    elif first["type"] == "literal_error":
        message = f"{message}, got {first.get('input')!r}"
    field = ".".join(f for f in fields if f not in ("regions", "sources"))
    parts = [*where, f"field '{field}'" if field else ""]
    return ": ".join(p for p in [", ".join(w for w in parts[:-1] if w), parts[-1], message] if p)


def _known_fields(loc: list[Any]) -> list[str]:
    model: type[BaseModel] = SourcesFile
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        model = NESTED.get(str(key), model)
    return list(model.model_fields)


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
