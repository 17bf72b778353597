"""Configuration: process settings from the environment and the sources YAML file."""

from __future__ import annotations

from crawler.config.settings import Settings, get_settings
from crawler.config.sources import ConfigError, Region, Source, SourcesFile, load_sources

__all__ = [
    "ConfigError",
    "Region",
    "Settings",
    "Source",
    "SourcesFile",
    "get_settings",
    "load_sources",
]
