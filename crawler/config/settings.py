"""Process settings from the environment (``PANTAU_*``): the one source Scrapy and Celery read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = Field(default="INFO", description="Log level of workers and spiders.")
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Secret key of the keyed hash that pseudonymizes authors; the same on every "
        "worker. Required by sources with the (default) author policy 'pseudonymize'.",
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

    @field_validator("ca_bundle", mode="before")
    @classmethod
    def _empty_bundle_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # Path("") would be the working directory

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
