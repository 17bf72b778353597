"""Process settings from the environment (``PANTAU_*``): the one source Scrapy and Celery read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every field is read from ``PANTAU_<FIELD>`` (case-insensitive) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="PANTAU_", env_file=".env", extra="ignore")

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
