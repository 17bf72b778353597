"""The ``alerts:`` block of a region in the sources file: its webhook and thresholds.

Only the schema lives here (the sources file validates it); crawler.alerts uses it.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

AlertFormat = Literal["json", "slack", "telegram"]
# ``${VARIABLE}``: a webhook URL read from the environment when an alert is sent.
ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class RegionAlerts(BaseModel):
    """The ``alerts:`` block of a region in the sources file (docs/sources.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook_url: str | None = Field(
        default=None, description="Where this region's alerts go: an http(s) URL, or "
        "${VARIABLE} to read it from the environment when sending.")
    format: AlertFormat | None = Field(
        default=None, description="json, slack or telegram (default PANTAU_ALERT_FORMAT).")
    telegram_chat_id: str | None = Field(
        default=None, description="format telegram: the chat (the bot token comes from "
        "PANTAU_ALERT_TELEGRAM_BOT_TOKEN).")
    failed_runs: int | None = Field(default=None, ge=1,
                                    description="Overrides PANTAU_ALERT_FAILED_RUNS.")
    silent_ratio: float | None = Field(default=None, gt=0, lt=1,
                                       description="Overrides PANTAU_ALERT_SILENT_RATIO.")
    spike_stddevs: float | None = Field(default=None, gt=0,
                                        description="Overrides PANTAU_ALERT_SPIKE_STDDEVS.")
    spike_min_count: int | None = Field(default=None, ge=1,
                                        description="Overrides PANTAU_ALERT_SPIKE_MIN_COUNT.")

    @field_validator("webhook_url")
    @classmethod
    def _url_or_variable(cls, value: str | None) -> str | None:
        if value is None or ENV_REFERENCE.match(value):
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("use an http(s) URL or ${VARIABLE} (read from the environment)")
        return value
