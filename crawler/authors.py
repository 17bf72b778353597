"""Author identity under a source's author policy: keep, pseudonymize (keyed HMAC) or drop."""

from __future__ import annotations

import hashlib
import hmac

from crawler.items import stable_hash

PSEUDONYM_KEY_HINT = (
    "PANTAU_PSEUDONYM_KEY is not set: set it (the same on every worker) "
    "or give the source 'authors: keep' or 'authors: drop'"
)


class MissingPseudonymKey(Exception):
    """A source pseudonymizes authors but no PANTAU_PSEUDONYM_KEY is configured."""


def author_identity(
    policy: str,
    site: str,
    author_id: str | None,
    author_name: str | None,
    key: bytes | None,
) -> tuple[str | None, str | None]:
    """Return ``(author_key, display_name)`` for one post's author.

    The key is derived from the author's id on the site (guests: their shown name), so it is
    stable across runs; under ``pseudonymize`` neither the id nor the name can be read back
    without the secret key, and the display name becomes a pseudonym derived from the key.
    """
    if policy == "drop" or (author_id is None and not author_name):
        return None, None
    subject = f"id:{author_id}" if author_id is not None else f"guest:{author_name}"
    if policy == "keep":
        return stable_hash(site, subject, length=20), author_name
    if policy != "pseudonymize":
        raise ValueError(f"unknown author policy {policy!r}")
    if not key:
        raise MissingPseudonymKey(PSEUDONYM_KEY_HINT)
    digest = hmac.new(key, f"{site}\x1f{subject}".encode(), hashlib.sha256).hexdigest()
    return digest[:20], f"anon-{digest[:8]}"
