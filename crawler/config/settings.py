"""Process settings from the environment (``PANTAU_*``): the one source Scrapy and Celery read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    Field,
    IPvAnyAddress,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler.dedup.bloom import shape_for
from crawler.ssrf.policy import AddressPolicy


class Settings(BaseSettings):
    """Every field is read from ``PANTAU_<FIELD>`` (case-insensitive) or a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_", env_file=".env", extra="ignore",
        hide_input_in_errors=True,  # a proxy or database URL may hold a password
    )

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL (15+) URL, e.g. postgresql://pantau:secret@db:5432/pantau. "
        "Unset: the CLI starts an embedded PostgreSQL under the state directory.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL used as Celery broker and result backend, "
        "e.g. redis://redis:6379/0. Unset: the CLI starts an embedded Redis under the state "
        "directory.",
    )
    state_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("pantau")),
        description="Where embedded services keep their data and logs.",
    )
    config: Path | None = Field(
        default=None,
        description="The sources YAML file (regions, sources, schedules, watchlists).",
    )

    # Celery reliability (seconds). The visibility timeout must exceed the hard limit, or a
    # long crawl is delivered twice.
    task_soft_time_limit: int = Field(
        default=3300,
        ge=0,
        description="A crawl is stopped cleanly (run status 'timeout') after this many seconds; "
        "0 disables it, leaving only the hard limit.",
    )
    task_time_limit: int = Field(
        default=3600,
        ge=2,
        description="A crawl is killed, with its spider, after this many seconds.",
    )
    visibility_timeout: int = Field(
        default=4200,
        ge=3,
        description="Seconds before Redis redelivers an unacknowledged task; > task_time_limit.",
    )
    worker_concurrency: int = Field(default=2, ge=1, description="Crawls one worker runs at once.")

    # Crawl behaviour and politeness defaults (a source may override within its own block).
    user_agent: str = Field(
        default="pantau/0.1 (+https://github.com/pantau-crawler/pantau)",
        description="User-Agent sent with every request; put the operator's contact in it.",
    )
    download_delay: float = Field(
        default=1.0, ge=0, description="Seconds between requests to one domain (per crawl)."
    )
    concurrent_requests_per_domain: int = Field(
        default=2, ge=1, description="Parallel requests to one domain (per crawl)."
    )
    download_timeout: int = Field(default=30, ge=1, description="Seconds before a request fails.")
    retry_times: int = Field(default=2, ge=0, description="Retries of a failed request.")
    obey_robots_txt: bool = Field(default=True, description="Respect robots.txt.")
    writer_batch_size: int = Field(
        default=500, ge=1, description="Posts buffered before one batched write to PostgreSQL."
    )
    progress_interval: float = Field(
        default=1.0, gt=0, description="Seconds between progress reports from a running spider."
    )
    writer_process: bool = Field(
        default=True,
        description="Enrich and write a crawl's posts in a process forked beside the spider "
        "(crawler/writer_process.py), so they use another core than parsing; off: in a "
        "thread of the spider.",
    )
    warm_spiders: bool = Field(
        default=True,
        description="Fork spider processes from a server that imported Scrapy and pantau "
        "once per worker process (crawler/runner/zygote.py) instead of starting a new "
        "interpreter for every crawl.",
    )
    log_level: str = Field(default="INFO", description="Log level of workers and spiders.")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines of workers and spider processes: text, or JSON objects (one a "
        "line, with run_id, source, region and shard; crawler/observe/logs.py).",
    )
    flower_basic_auth: SecretStr | None = Field(
        default=None,
        description="user:password (several: comma-separated) that `pantau flower` requires; "
        "it refuses to listen beyond localhost without it.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Secret key of the keyed hash that pseudonymizes authors; the same on every "
        "worker. Required by sources with the (default) author policy 'pseudonymize'.",
    )

    # Enrichment (crawler/enrich; docs/operations.md, "Enrichment").
    raw_retention_days: int = Field(
        default=90, ge=0,
        description="`pantau purge-raw` removes the raw markup (posts.raw html and author_url) "
        "of posts first seen more than this many days ago; 0 keeps it forever.",
    )
    enrich_batch_size: int = Field(
        default=1000, ge=1, le=100_000,
        description="Posts `pantau enrich` reads, enriches and writes per transaction.",
    )
    neardup_threshold: float = Field(
        default=0.5, gt=0, lt=1,
        description="Estimated Jaccard similarity of two posts' word-trigram sets from which "
        "they are near-duplicates (same cluster).",
    )
    neardup_min_words: int = Field(
        default=8, ge=1,
        description="Posts with fewer words are not clustered (short replies are alike by "
        "chance, not by copying).",
    )

    # Reports and exports (crawler/report, crawler/export; docs/analysts.md).
    lang: Literal["id", "en"] = Field(
        default="id",
        description="Language of reports and of every command's messages (errors, hints, "
        "summaries; --help stays English): id (Indonesian) or en (English); the --lang of "
        "`pantau report` and `pantau export` overrides it.",
    )

    # Identity and office networks (docs/operations.md, "Identity and office networks").
    http_proxy: SecretStr | None = Field(
        default=None,
        description="Proxy for http:// requests, e.g. http://user:secret@proxy.kantor:3128; "
        "its credentials go into a Proxy-Authorization header and are never logged.",
    )
    https_proxy: SecretStr | None = Field(
        default=None,
        description="Proxy for https:// requests (tunnelled with CONNECT). Unset: the "
        "http_proxy is used for them too.",
    )
    no_proxy: str = Field(
        default="localhost,127.0.0.0/8,::1",
        description="Comma-separated hosts reached without the proxy: host names, domains "
        "(.go.id or go.id: with their subdomains), IP addresses, networks (CIDR), or *.",
    )
    ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of the CAs that HTTPS servers' certificates must chain to (an "
        "office CA that intercepts TLS). Set: every certificate and host name is verified "
        "against it alone; unset: certificates are not verified (Scrapy's default).",
    )

    # Cluster-wide politeness: per-domain limits shared by every spider process through
    # PANTAU_REDIS_URL (crawler/politeness; docs/operations.md "Politeness across the cluster").
    polite_cluster: bool = Field(
        default=True,
        description="Hold all workers together to the per-domain rate, concurrency and "
        "back-off below (state in Redis). false: only the per-crawl settings above apply.",
    )
    polite_requests_per_second: float = Field(
        default=1.0, gt=0,
        description="Requests per second to one domain, summed over the cluster; a source "
        "may set its own (politeness.requests_per_second, at most 50). robots.txt "
        "Crawl-delay lowers it.",
    )
    polite_concurrency: int = Field(
        default=2, ge=1,
        description="Requests in flight to one domain, summed over the cluster; a source may "
        "set its own (politeness.cluster_concurrency, at most 8).",
    )
    polite_robots_ttl: int = Field(
        default=3600, ge=1,
        description="Seconds one fetched robots.txt serves the whole cluster before it is "
        "fetched again.",
    )
    polite_backoff: int = Field(
        default=60, ge=0,
        description="Seconds every worker leaves a domain alone after a 429 without a usable "
        "Retry-After header.",
    )
    polite_max_backoff: int = Field(
        default=3600, ge=1,
        description="Longest pause a Retry-After header can impose (longer ones are capped).",
    )

    # Request de-duplication across the cluster: one filter per crawl run in Redis
    # (crawler/dedup; docs/operations.md "Request de-duplication across the cluster").
    dedup_cluster: bool = Field(
        default=True,
        description="Fetch each request once per crawl run whichever worker or shard meets "
        "it (claims in Redis). false (or no Redis URL): each spider process filters only its "
        "own requests.",
    )
    dedup_exact_limit: int = Field(
        default=100_000, ge=0,
        description="Claims of one run kept exactly (a Redis hash, about 67 bytes per URL); "
        "later ones go into the run's Bloom filter.",
    )
    dedup_bloom_capacity: int = Field(
        default=1_000_000, ge=1,
        description="URLs per run beyond the exact claims that the Bloom filter is sized for "
        "(about 7.2 bytes per URL at the default error rate); past it, false positives rise.",
    )
    dedup_bloom_error: float = Field(
        default=1e-6, gt=0, le=1e-3,
        description="Chance that the Bloom filter takes a new URL for seen, at capacity. Such "
        "a page is skipped in that run, so keep it tiny.",
    )
    dedup_ttl: int = Field(
        default=172_800, ge=60,
        description="Seconds a run's claims stay in Redis after its last new claim.",
    )

    # Metrics and alerts (crawler/metrics, crawler/alerts; docs/operations.md "Metrics and
    # alerts"). Thresholds may be overridden per region in the sources file (alerts: block).
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address `pantau metrics` listens on. Beyond loopback it refuses to start "
        "without PANTAU_METRICS_BASIC_AUTH.",
    )
    metrics_port: int = Field(default=9464, ge=1, le=65535,
                              description="Port of `pantau metrics` (/metrics).")
    metrics_basic_auth: SecretStr | None = Field(
        default=None,
        description="user:password that Prometheus must send (HTTP basic auth) to scrape "
        "/metrics; required when PANTAU_METRICS_HOST is not a loopback address.",
    )
    alert_webhook_url: SecretStr | None = Field(
        default=None,
        description="Where alerts are POSTed (formats json and slack); a region's alerts: "
        "block may name its own. Unset (and no region target): alerts are only logged.",
    )
    alert_format: str = Field(
        default="json", pattern="^(json|slack|telegram)$",
        description="Payload of alert webhooks: json (pantau's own fields), slack ({'text'}) "
        "or telegram (Bot API sendMessage: chat_id and text).",
    )
    alert_telegram_bot_token: SecretStr | None = Field(
        default=None, description="Bot token for format telegram (part of the Bot API URL).")
    alert_telegram_chat_id: str | None = Field(
        default=None, description="Chat that receives alerts in format telegram.")
    alert_telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Base URL of the Telegram Bot API (a local stand-in in tests).",
    )
    alert_window: int = Field(
        default=3600, ge=0,
        description="Seconds in which one alert (rule and subject) is sent at most once.",
    )
    alert_timeout: float = Field(default=10.0, gt=0,
                                 description="Seconds one webhook request may take.")
    alert_retries: int = Field(default=2, ge=0,
                               description="Retries of a failed webhook request.")
    alert_retry_backoff: float = Field(
        default=2.0, ge=0,
        description="Seconds before the first retry of a webhook request; doubles each time.",
    )
    alert_failed_runs: int = Field(
        default=3, ge=1, description="Alert when a source's last N runs all failed.")
    alert_silent_runs: int = Field(
        default=3, ge=1,
        description="Silent break: how many of a source's latest successful runs must all "
        "yield too few posts per page.",
    )
    alert_silent_ratio: float = Field(
        default=0.5, gt=0, lt=1,
        description="Silent break: 'too few' is below this fraction of the source's median "
        "posts per page over its earlier runs.",
    )
    alert_silent_history: int = Field(
        default=20, ge=1,
        description="Silent break: earlier successful runs whose median is the baseline.",
    )
    alert_silent_min_history: int = Field(
        default=5, ge=1,
        description="Silent break: no judgement before a source has this many earlier runs.",
    )
    alert_silent_min_pages: int = Field(
        default=5, ge=1,
        description="Silent break: runs with fewer pages are too small to judge and ignored.",
    )
    alert_spike_hours: int = Field(
        default=168, ge=2,
        description="Watchlist spike: hours of history before the last full hour that form "
        "a term's baseline.",
    )
    alert_spike_stddevs: float = Field(
        default=3.0, gt=0,
        description="Watchlist spike: the last hour's count must exceed the baseline mean by "
        "this many standard deviations.",
    )
    alert_spike_min_count: int = Field(
        default=5, ge=1,
        description="Watchlist spike: fewer posts in the hour never alert.",
    )

    # Workers: browser queue and source address.
    chromium_path: Path = Field(
        default=Path("/usr/bin/chromium"),
        description="The Chromium executable of browser crawls; `pantau worker --browser` "
        "refuses to start without it.",
    )
    browser_max_contexts: int = Field(
        default=1, ge=1, le=16,
        description="Browser contexts one rendered crawl opens at most (scrapy-playwright's "
        "PLAYWRIGHT_MAX_CONTEXTS).",
    )
    browser_max_pages: int = Field(
        default=4, ge=1, le=32,
        description="Pages open at once per browser context of a rendered crawl "
        "(PLAYWRIGHT_MAX_PAGES_PER_CONTEXT); each costs tens of MB in Chromium.",
    )
    bind_address: IPvAnyAddress | None = Field(
        default=None,
        description="Local IP address crawl connections are made from (Scrapy's bind "
        "address; a rendered crawl's browser connections, through the SSRF guard's proxy); "
        "unset: the system chooses.",
    )

    # Reddit is crawled only through its OAuth API (crawler/social_auth.py; docs/sources.md).
    reddit_client_id: SecretStr | None = Field(
        default=None,
        description="Client id of a Reddit app (https://www.reddit.com/prefs/apps); with "
        "PANTAU_REDDIT_CLIENT_SECRET required by sources of kind reddit.",
    )
    reddit_client_secret: SecretStr | None = Field(
        default=None,
        description="Secret of that Reddit app; never logged, never in a crawl's arguments.",
    )

    # Hostile input: the SSRF guard and the bounds on what one page or post may cost
    # (crawler/ssrf, crawler/bounds; docs/operations.md "The SSRF guard", docs/reliability.md).
    allowed_networks: str = Field(
        default="",
        description="Comma-separated networks (CIDR), IP addresses and host names (a domain "
        "with its subdomains) a crawl may reach although they are not public (loopback, "
        "private, link-local, ...). Empty: public addresses only. The demo and the tests "
        "set 127.0.0.0/8,::1; * switches the guard off.",
    )
    download_maxsize: int = Field(
        default=20 * 1024 * 1024, ge=1024,
        description="Largest response body in bytes, also after decompression (a zip bomb "
        "stops there); a larger one is dropped and recorded as too_large.",
    )
    download_warnsize: int = Field(
        default=5 * 1024 * 1024, ge=0,
        description="Response size in bytes above which the spider log warns.")
    max_redirects: int = Field(
        default=10, ge=0,
        description="Redirects one request may follow; a longer chain, or one that comes "
        "back to a URL it visited, is dropped and recorded as redirect_loop.",
    )
    max_pages_per_thread: int = Field(
        default=2000, ge=1,
        description="Pages of one thread or thread list followed through its next links; "
        "the chain stops there and the run records a trap.",
    )
    max_link_depth: int = Field(
        default=12, ge=1,
        description="Links the forum spider follows from a start page, next pages not "
        "counted; deeper links are dropped and recorded as trap (calendar traps).",
    )
    max_post_chars: int = Field(
        default=200_000, ge=1000,
        description="Longest post body in characters; a longer one is cut there and "
        "recorded as too_large.",
    )

    # Beat (celery-redbeat; docs/operations.md "Schedules and the beat").
    beat_max_interval: float = Field(
        default=5.0, gt=0,
        description="Longest sleep of `pantau beat` between two looks at its schedule; also "
        "how soon a reload (SIGHUP) or a standby beat's retry for the lock happens.",
    )
    beat_lock_timeout: int = Field(
        default=30, ge=1,
        description="Seconds the beat's lock outlives its last renewal: a standby beat takes "
        "over this long after the active one died. Must exceed PANTAU_BEAT_MAX_INTERVAL.",
    )
    schedule_reload: float = Field(
        default=30.0, ge=0,
        description="Seconds between the beat's checks of the sources file for changes (a "
        "changed file is synced into the schedule); 0: only at start and on SIGHUP.",
    )
    enrich_interval: int = Field(
        default=900, ge=0,
        description="Seconds between the beat's `pantau.enrich` tasks (queue maintenance): "
        "near-duplicate clusters of new posts, and every post re-flagged after a watchlist "
        "change; 0: not scheduled (docs/operations.md, 'Maintenance on schedule').",
    )
    purge_raw_interval: int = Field(
        default=86400, ge=0,
        description="Seconds between the beat's `pantau.purge_raw` tasks (queue maintenance), "
        "which apply PANTAU_RAW_RETENTION_DAYS; 0: not scheduled.",
    )

    @model_validator(mode="after")
    def _beat_lock_outlasts_a_tick(self) -> Settings:
        if self.beat_lock_timeout <= self.beat_max_interval:
            raise ValueError(
                "PANTAU_BEAT_LOCK_TIMEOUT must exceed PANTAU_BEAT_MAX_INTERVAL, or a standby "
                f"beat takes over from a live one ({self.beat_lock_timeout} <= "
                f"{self.beat_max_interval})")
        return self

    @field_validator("bind_address", mode="before")
    @classmethod
    def _empty_address_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("ca_bundle", mode="before")
    @classmethod
    def _empty_bundle_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # Path("") would be the working directory

    @field_validator("allowed_networks")
    @classmethod
    def _allowlist_parses(cls, value: str) -> str:
        AddressPolicy.parse(value)  # ValueError names the entry that is not understood
        return value

    @field_validator("alert_webhook_url", "metrics_basic_auth")
    @classmethod
    def _alert_secrets(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        text = value.get_secret_value()  # never echoed: it holds a secret
        if info.field_name == "metrics_basic_auth" and ":" not in text:
            raise ValueError("must be user:password")
        if info.field_name == "alert_webhook_url" and urlsplit(text).scheme not in (
                "http", "https"):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("http_proxy", "https_proxy")
    @classmethod
    def _proxy_is_a_web_address(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # never echo the value: it may hold a password
            raise ValueError("must be a URL like http://proxy.kantor:3128 "
                             "(optionally http://user:secret@proxy.kantor:3128)")
        return value

    @model_validator(mode="after")
    def _bloom_fits(self) -> Settings:
        try:
            shape_for(self.dedup_bloom_capacity, self.dedup_bloom_error)
        except ValueError as err:
            raise ValueError(f"PANTAU_DEDUP_BLOOM_CAPACITY/PANTAU_DEDUP_BLOOM_ERROR: {err}"
                             ) from None
        return self

    @model_validator(mode="after")
    def _limits_are_ordered(self) -> Settings:
        if self.task_soft_time_limit >= self.task_time_limit:
            raise ValueError(
                "PANTAU_TASK_SOFT_TIME_LIMIT must be below PANTAU_TASK_TIME_LIMIT "
                f"({self.task_soft_time_limit} >= {self.task_time_limit})"
            )
        if self.visibility_timeout <= self.task_time_limit:
            raise ValueError(
                "PANTAU_VISIBILITY_TIMEOUT must exceed PANTAU_TASK_TIME_LIMIT, or long crawls "
                f"are delivered twice ({self.visibility_timeout} <= {self.task_time_limit})"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
