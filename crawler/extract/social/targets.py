"""What a social source's URL names: the channel, timeline, feed or subreddit, the platform's
endpoints, and the site key (part of every post's identity and of the cursor's).

The well-known hosts map to their public endpoints (``t.me``, ``bsky.app`` ->
``public.api.bsky.app``, ``www.reddit.com`` -> ``oauth.reddit.com``); any other host serves
the same paths itself (a Mastodon instance, a self-hosted AppView, a local test mock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

SOCIAL_KINDS = ("telegram", "mastodon", "bluesky", "reddit")

TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "www.t.me"})
BLUESKY_WEB_HOSTS = frozenset({"bsky.app", "www.bsky.app"})
BLUESKY_PUBLIC_APPVIEW = "https://public.api.bsky.app"
REDDIT_WEB_HOSTS = frozenset({"reddit.com", "www.reddit.com", "old.reddit.com"})
REDDIT_API = "https://oauth.reddit.com"
REDDIT_TOKEN_URL = "https://www.reddit.com/api/v1/access_token"  # noqa: S105 - a URL

_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_TAG = re.compile(r"^[^\s/#?]+$")
_ACCT = re.compile(r"^[A-Za-z0-9_.-]+(@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|@[A-Za-z0-9.-]+:\d+)?$")
_ACTOR = re.compile(r"^(did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9.-]+\.[A-Za-z0-9-]+)$")
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
MASTODON_PUBLIC = {"public": "", "public/local": "local=true", "public/remote": "remote=true"}


@dataclass(frozen=True, slots=True)
class SocialTarget:
    """A social source resolved: where its pages or API live and how its items are keyed."""

    kind: str
    name: str  # channel, timeline ("tags/pilkada", "@budi", "public/local"), actor, subreddit
    site: str  # site key: posts.site, and the key of the crawl's cursor
    web: str  # origin of the platform's web pages (post URLs), no trailing slash
    api: str  # origin the spider requests (pages or API), no trailing slash
    token_url: str | None = None  # Reddit: the OAuth token endpoint

    @property
    def cursor_id(self) -> str:
        """Native id of the ThreadItem that keeps this target's newest stored id."""
        return f"cursor:{self.kind}:{self.name}"


def _origin(scheme: str, host: str, port: int | None) -> str:
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return f"{scheme}://{netloc}"


def parse_target(kind: str, url: str) -> SocialTarget:
    """Resolve ``url`` of a source of ``kind``; a URL the kind cannot use raises ValueError
    with one line saying which URLs it takes."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        raise ValueError(f"not a web address: {url}")
    origin = _origin(scheme, host, parts.port)
    segments = [s for s in parts.path.split("/") if s]
    if kind == "telegram":
        return _telegram(origin, host, segments)
    if kind == "mastodon":
        return _mastodon(origin, segments)
    if kind == "bluesky":
        return _bluesky(origin, host, segments)
    if kind == "reddit":
        return _reddit(origin, host, segments)
    raise ValueError(f"not a social source kind: {kind!r}")


def social_site_key(kind: str, url: str) -> str | None:
    """The site key of a social source (None for other kinds): the channel's preview for
    Telegram (``https://t.me/s/NAME/``), the instance, web or Reddit origin otherwise."""
    return parse_target(kind, url).site if kind in SOCIAL_KINDS else None


def _telegram(origin: str, host: str, segments: list[str]) -> SocialTarget:
    if host in TELEGRAM_HOSTS:
        origin = "https://t.me"
        if len(segments) == 1:  # t.me/<channel> is the same channel as t.me/s/<channel>
            segments = ["s", segments[0]]
    if len(segments) != 2 or segments[0] != "s" or not _CHANNEL.match(segments[1]):
        raise ValueError("a telegram source's url is a public channel's web preview, "
                         "e.g. https://t.me/s/channelname")
    channel = segments[1].lower()  # Telegram usernames are case-insensitive
    return SocialTarget("telegram", channel, f"{origin}/s/{channel}/", origin, origin)


def _mastodon(origin: str, segments: list[str]) -> SocialTarget:
    path = "/".join(segments)
    if len(segments) == 2 and segments[0] == "tags" and _TAG.match(segments[1]):
        name = f"tags/{segments[1].lower()}"
    elif len(segments) == 1 and segments[0].startswith("@") and _ACCT.match(segments[0][1:]):
        name = segments[0]
    elif path in MASTODON_PUBLIC:
        name = path
    else:
        raise ValueError("a mastodon source's url is an instance's timeline: "
                         "https://INSTANCE/tags/TAG, https://INSTANCE/@USER, "
                         "https://INSTANCE/public/local or https://INSTANCE/public")
    return SocialTarget("mastodon", name, f"{origin}/", origin, origin)


def _bluesky(origin: str, host: str, segments: list[str]) -> SocialTarget:
    if len(segments) != 2 or segments[0] != "profile" or not _ACTOR.match(segments[1]):
        raise ValueError("a bluesky source's url is a profile, "
                         "e.g. https://bsky.app/profile/HANDLE.bsky.social")
    if host in BLUESKY_WEB_HOSTS:
        web, api = "https://bsky.app", BLUESKY_PUBLIC_APPVIEW
    else:  # a self-hosted AppView (or a test mock) serving /xrpc/ itself
        web = api = origin
    actor = segments[1] if segments[1].startswith("did:") else segments[1].lower()
    return SocialTarget("bluesky", actor, f"{web}/", web, api)


def _reddit(origin: str, host: str, segments: list[str]) -> SocialTarget:
    if (not 2 <= len(segments) <= 3 or segments[0] != "r" or not _SUBREDDIT.match(segments[1])
            or segments[2:] not in ([], ["new"])):
        raise ValueError("a reddit source's url is a subreddit, "
                         "e.g. https://www.reddit.com/r/indonesia")
    if host in REDDIT_WEB_HOSTS:
        web, api, token = "https://www.reddit.com", REDDIT_API, REDDIT_TOKEN_URL
    else:  # a local mock serves the token endpoint and the API itself
        web = api = origin
        token = f"{origin}/api/v1/access_token"
    name = f"r/{segments[1].lower()}"
    return SocialTarget("reddit", name, f"{web}/", web, api, token_url=token)


def mastodon_timeline(target: SocialTarget) -> tuple[str, str]:
    """(API path, fixed query) of a Mastodon timeline; ``@user`` needs the account's id
    first (:func:`mastodon_lookup`), so its path holds ``{id}``."""
    name = target.name
    if name.startswith("tags/"):
        return f"/api/v1/timelines/tag/{quote(name[5:], safe='')}", ""
    if name.startswith("@"):
        return "/api/v1/accounts/{id}/statuses", ""
    return "/api/v1/timelines/public", MASTODON_PUBLIC[name]


def mastodon_lookup(target: SocialTarget) -> str:
    """The account lookup URL of an ``@user`` timeline."""
    return f"{target.api}/api/v1/accounts/lookup?acct={quote(target.name[1:], safe='@')}"
