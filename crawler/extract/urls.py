"""Canonical URLs: session parameters dropped, query sorted, no fragment; and site keys."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

from crawler.extract.sanitize import defang_url

# Query parameters that carry a session and never select content. Compared case-insensitively.
#   sid        phpBB (cookie-less clients get ?sid=<32 hex> on every link)
#   s          vBulletin 3/4 session hash
#   phpsessid  PHP's default session parameter (many CMS and forums)
#   jsessionid Java servlet containers (also as a ;jsessionid= path parameter)
#   sessionid, session_id, oscsid, zenid: generic CMS / shop session parameters
SESSION_PARAMS: frozenset[str] = frozenset(
    {"sid", "s", "phpsessid", "jsessionid", "sessionid", "session_id", "oscsid", "zenid"}
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _netloc(scheme: str, host: str, port: int | None) -> str:
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        return f"{host}:{port}"
    return host


def canonicalize_url(url: str) -> str:
    """The URL without session parameters or fragment, query sorted, host lowercased.

    ``http://H/viewtopic.php?t=3&sid=ab12#p9`` -> ``http://H/viewtopic.php?t=3``.
    Parameter values keep their order within one key; percent-encoding is made uniform.
    A route in the query (``index.php?/forums/topic/5-x/``) stays first and unchanged.
    Never raises: a URL urllib cannot split (``http://[::1``, a port that is not a number)
    comes back defanged (``crawler.extract.sanitize``), so one hostile link costs no page.
    """
    try:
        return _canonical(url)
    except ValueError:  # UnicodeError included (a host IDNA cannot encode)
        return defang_url(url)


def _canonical(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    path = parts.path.split(";jsessionid=", 1)[0] or "/"
    route, rest = _split_route(parts.query)
    query = [
        (key, value)
        for key, value in parse_qsl(rest, keep_blank_values=True)
        if key.lower() not in SESSION_PARAMS
    ]
    rebuilt = urlunsplit(
        (scheme, _netloc(scheme, parts.hostname or "", parts.port), path, urlencode(query), "")
    )
    canonical = _w3lib_canonicalize(rebuilt, keep_fragments=False)
    if not route:
        return canonical
    # The route leads the query unchanged (only characters a URL cannot hold are escaped).
    head = urlsplit(canonical)
    routed = quote(route, safe="/%-._~!$'()*+,;=:@")
    return urlunsplit(head._replace(query=f"{routed}&{head.query}" if head.query else routed))


def _split_route(query: str) -> tuple[str, str]:
    """A query that starts with ``/`` carries a route (``index.php?/forums/topic/5-x/&page=2``,
    Invision Community and other PHP applications without URL rewriting): (route, the rest).
    So does a first part with a ``/`` and no ``=`` (XenForo: ``index.php?threads/a.5/page-2``)."""
    route, _, rest = query.partition("&")
    if query.startswith("/") or ("/" in route and "=" not in route):
        return route, rest
    return "", query


def site_key(url: str) -> str:
    """The site's canonical base URL: scheme, host, non-default port and directory, ending in /.

    ``http://127.0.0.1:8765/forum/viewtopic.php?t=3`` -> ``http://127.0.0.1:8765/forum/``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    directory = parts.path.rsplit("/", 1)[0] + "/" if "/" in parts.path else "/"
    if not directory.startswith("/"):
        directory = "/" + directory
    netloc = _netloc(scheme, parts.hostname or "", parts.port)
    return urlunsplit((scheme, netloc, directory, "", ""))


def query_param(url: str, name: str) -> str | None:
    """The first value of query parameter ``name`` in ``url`` (``&amp;`` tolerated), or None."""
    try:
        query = urlsplit(url).query.replace("&amp;", "&")
    except ValueError:  # a hostile link: its query is what follows the first "?"
        query = url.partition("?")[2].partition("#")[0].replace("&amp;", "&")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == name:
            return value
    return None
