"""Checks of social sources (telegram, mastodon, bluesky, reddit) when a sources file or a
crawl task is validated: a URL the platform's spider can use, and Reddit's API credentials."""

from __future__ import annotations

from crawler.config.settings import get_settings
from crawler.extract.social.targets import SOCIAL_KINDS, parse_target

REDDIT_CREDENTIALS_HINT = (
    "kind 'reddit' is crawled only through Reddit's OAuth API: set PANTAU_REDDIT_CLIENT_ID "
    "and PANTAU_REDDIT_CLIENT_SECRET (an app of type 'script' at "
    "https://www.reddit.com/prefs/apps) where pantau runs"
)


def check_social_url(kind: str, url: str) -> None:
    """Raise ValueError (one line) when ``url`` is not one a source of ``kind`` can crawl."""
    if kind in SOCIAL_KINDS:
        parse_target(kind, url)


def reddit_credentials() -> tuple[str, str] | None:
    """(client id, secret) from the settings, or None when either is unset or empty."""
    settings = get_settings()
    values = [secret.get_secret_value() if secret is not None else ""
              for secret in (settings.reddit_client_id, settings.reddit_client_secret)]
    return (values[0], values[1]) if all(values) else None


def check_reddit_credentials(kind: str) -> None:
    """A reddit source without API credentials fails validation with one clear line."""
    if kind == "reddit" and reddit_credentials() is None:
        raise ValueError(REDDIT_CREDENTIALS_HINT)
