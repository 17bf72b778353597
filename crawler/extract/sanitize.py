"""Hostile page content made safe to parse: URLs the standard library refuses, lone surrogates.

One bad link must not cost a page its posts. ``urllib.parse`` raises ``ValueError`` for a
host with unbalanced or invalid brackets (``http://[::1``, ``//[zz]/``) and for a port that is
not a number; engines join and split every link they read, so such a link would abort the
parse of the whole page. ``Page.selector`` therefore rewrites, once per page, every attribute
value that urllib cannot split (``clean_tree``); ``canonicalize_url`` and ``join_url`` fall
back to ``defang_url``. JSON may carry ``\\ud800``-style escapes that decode to unpaired
surrogates, which lxml (and PostgreSQL) cannot encode, and a control character inside an
attribute name makes lxml refuse the element's attributes: ``parseable`` and ``clean_json``
take both out before lxml sees them.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from parsel import Selector

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")
_WHITE_CONTROL = re.compile("[\x0b\x0c]")
_UNPARSEABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# JSON escapes that decode to what parseable() removes (\u0000-\u001f, surrogates)
_UNPARSEABLE_ESCAPE = re.compile(r"\\u(00[01][0-9a-fA-F]|[dD][89a-fA-F])")
# Everything a URL may hold except the brackets of a host (and what must be escaped anyway).
_SAFE = "/:?&=#%@!$'()*+,;~.-_"


def splits(url: str) -> bool:
    """True when ``urllib.parse`` can split ``url`` and read its port."""
    try:
        urlsplit(url).port  # noqa: B018 - reading the port is the check
    except ValueError:
        return False
    return True


def defang_url(url: str) -> str:
    """``url`` with brackets, spaces and control characters percent-encoded, and an invalid
    port dropped: a string urllib splits, which fails (harmlessly) when fetched."""
    text = quote(url.strip(), safe=_SAFE)
    if splits(text):
        return text
    parts = urlsplit(text)  # brackets are escaped now: only the port can be wrong
    userinfo, at, host_port = parts.netloc.rpartition("@")
    return parts._replace(netloc=userinfo + at + host_port.split(":", 1)[0]).geturl()


def join_url(base: str, href: str) -> str:
    """``urljoin(base, href)``, never raising: an href urllib refuses is defanged first."""
    try:
        joined = urljoin(base, href)
    except ValueError:
        joined = urljoin(base, defang_url(href))
    return joined if splits(joined) else defang_url(joined)


def parseable(text: str) -> str:
    """``text`` as lxml can take it whole: no unpaired surrogates (U+FFFD instead) and no C0
    control characters but tab and line ends (vertical tab and form feed become spaces, the
    others go). libxml2 keeps a control character inside an attribute *name*, and lxml then
    refuses every read of that element's attributes."""
    if not _UNPARSEABLE.search(text):
        return text
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", _WHITE_CONTROL.sub(" ", text))


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else empty: hostile JSON puts any type anywhere."""
    return value if isinstance(value, list) else []


def clean_json(value: Any) -> Any:
    """Decoded JSON with every string passed through :func:`parseable` (its HTML fragments
    go to lxml too)."""
    if isinstance(value, str):
        return parseable(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {parseable(k): clean_json(v) for k, v in value.items()}
    return value


# Only brackets make urljoin/urlsplit raise (a port is checked when it is read, and
# canonicalize_url does that safely): XPath finds such attribute values at C speed.
_BRACKETED = '//@*[contains(., "[") or contains(., "]")]'


def load_json(text: str) -> Any:
    """``json.loads(text)``, its strings made :func:`parseable` (walked only when the text has
    an escape of a control character or a surrogate, so most JSON costs nothing more)."""
    data = json.loads(text)
    return clean_json(data) if _UNPARSEABLE_ESCAPE.search(text) else data


def clean_tree(selector: Selector, text: str | None = None) -> Selector:
    """``selector`` with every attribute value urllib cannot split (brackets) defanged;
    ``text``, the page it was made from, lets a page without brackets skip the search."""
    root = selector.root
    if not hasattr(root, "xpath") or (text is not None and "[" not in text
                                      and "]" not in text):
        return selector
    for value in root.xpath(_BRACKETED):
        if not splits(str(value)):
            value.getparent().set(value.attrname, defang_url(str(value)))
    return selector
