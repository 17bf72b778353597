"""What a report may show of a post: a pseudonymous author and a redacted excerpt.

The author is ``anon-`` and the first 8 characters of the stored ``author_key`` (for
sources with the default author policy that is exactly the stored pseudonym; for
``keep`` sources it is a hash prefix, never the name). In the excerpt, e-mail addresses,
@handles and phone numbers become ``[…]``; it is cut at a word after ``limit`` characters.
"""

from __future__ import annotations

import re

EXCERPT_CHARS = 280
_PRIVATE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|(?<![\w@])@\w{2,}"  # @handle
    r"|(?<!\w)(?:\+62|62|0)[\s.-]?8\d(?:[\s.-]?\d){6,11}(?!\w)"  # Indonesian mobile number
)
REDACTED = "[…]"


def pseudonym(author_key: str | None) -> str | None:
    """``anon-xxxxxxxx`` for a stored author key; None for posts without an author."""
    return f"anon-{author_key[:8]}" if author_key else None


def excerpt(title: str | None, body: str, limit: int = EXCERPT_CHARS) -> str:
    """Title and body on one line, private details replaced, at most about ``limit``
    characters (cut at a word, with an ellipsis)."""
    text = " ".join(f"{title or ''} {body}".split())
    text = _PRIVATE.sub(REDACTED, text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"
