"""What alerting needs to know: thresholds and webhook targets, from settings and regions.

Settings (``PANTAU_ALERT_*``) give the defaults. A region of the sources file may carry an
``alerts:`` block (:class:`RegionAlerts`) with its own webhook and thresholds; a region
without one uses the block of its nearest enclosing region (``62.71`` -> ``62``), then the
settings. Webhook URLs may be written as ``${VARIABLE}`` and are read from the environment
when an alert is sent, so secrets stay out of the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.config.alerts import ENV_REFERENCE, AlertFormat, RegionAlerts
from crawler.config.settings import Settings
from crawler.config.sources import Region, load_sources


class TargetError(ValueError):
    """A webhook target that cannot be used (a missing variable or token); one line."""


@dataclass(frozen=True)
class Thresholds:
    """The numbers the rules compare with (docs/operations.md, "Alerts by webhook")."""

    failed_runs: int
    silent_runs: int
    silent_ratio: float
    silent_history: int
    silent_min_history: int
    silent_min_pages: int
    spike_hours: int
    spike_stddevs: float
    spike_min_count: int


@dataclass(frozen=True)
class Target:
    """A resolved webhook: where and in which shape. ``label`` is safe to print and store."""

    format: AlertFormat
    url: str
    chat_id: str | None = None

    @property
    def label(self) -> str:
        parts = urlsplit(self.url)  # the path may hold a secret (Slack URL, bot token)
        return f"{self.format} {parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


class AlertConfig:
    """Thresholds and targets for each region, from settings and the regions' blocks."""

    def __init__(self, settings: Settings,
                 regions: Mapping[str, RegionAlerts] | None = None) -> None:
        self.settings = settings
        self.regions = dict(regions or {})

    def block_for(self, region: str | None) -> RegionAlerts | None:
        """The region's own block, else its nearest enclosing region's, else None."""
        code = region or ""
        while code:
            if code in self.regions:
                return self.regions[code]
            code = code.rpartition(".")[0]
        return None

    def thresholds(self, region: str | None) -> Thresholds:
        """Settings, with the overrides of the region's block."""
        s, block = self.settings, self.block_for(region) or RegionAlerts()
        return Thresholds(
            failed_runs=block.failed_runs or s.alert_failed_runs,
            silent_runs=s.alert_silent_runs,
            silent_ratio=block.silent_ratio or s.alert_silent_ratio,
            silent_history=s.alert_silent_history,
            silent_min_history=s.alert_silent_min_history,
            silent_min_pages=s.alert_silent_min_pages,
            spike_hours=s.alert_spike_hours,
            spike_stddevs=block.spike_stddevs or s.alert_spike_stddevs,
            spike_min_count=block.spike_min_count or s.alert_spike_min_count,
        )

    def target(self, region: str | None) -> Target | None:
        """Where the region's alerts go; None when nothing is configured (log only).

        Raises :class:`TargetError` for a target that is configured but unusable.
        """
        s, block = self.settings, self.block_for(region) or RegionAlerts()
        fmt: AlertFormat = block.format or s.alert_format  # type: ignore[assignment]
        if fmt == "telegram":
            return self._telegram(block.telegram_chat_id or s.alert_telegram_chat_id)
        url = block.webhook_url or (
            s.alert_webhook_url.get_secret_value() if s.alert_webhook_url else None)
        if url is None:
            return None
        return Target(fmt, _resolve(url))

    def _telegram(self, chat_id: str | None) -> Target:
        token = self.settings.alert_telegram_bot_token
        if token is None or not token.get_secret_value():
            raise TargetError("format telegram needs PANTAU_ALERT_TELEGRAM_BOT_TOKEN")
        if not chat_id:
            raise TargetError("format telegram needs a chat: PANTAU_ALERT_TELEGRAM_CHAT_ID "
                              "or telegram_chat_id in the region's alerts block")
        base = self.settings.alert_telegram_api_url.rstrip("/")
        return Target("telegram", f"{base}/bot{token.get_secret_value()}/sendMessage", chat_id)


def _resolve(url: str) -> str:
    """A literal URL, or the value of the ``${VARIABLE}`` it names."""
    match = ENV_REFERENCE.match(url)
    if not match:
        return url
    value = os.environ.get(match.group(1), "")
    if urlsplit(value).scheme not in ("http", "https"):
        state = "is not set" if not value else "is not an http(s) URL"
        raise TargetError(f"webhook URL variable {match.group(1)} {state}")
    return value


def region_blocks(regions: Iterable[Region]) -> dict[str, RegionAlerts]:
    """The ``alerts:`` blocks of a sources file's regions, by region code."""
    return {region.code: region.alerts for region in regions if region.alerts is not None}


def load_config(settings: Settings, sources: Path | None = None,
                blocks: Mapping[str, Any] | None = None) -> AlertConfig:
    """Settings plus the region blocks of a sources file (or given as JSON, as a Celery task
    receives them). Raises ConfigError for a bad file, ValidationError for bad blocks."""
    regions: dict[str, RegionAlerts] = {}
    if sources is not None:
        regions.update(region_blocks(load_sources(sources).regions))
    for code, block in (blocks or {}).items():
        regions[str(code)] = RegionAlerts.model_validate(block)
    return AlertConfig(settings, regions)
