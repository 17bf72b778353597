"""The SSRF guard: crawls reach public addresses only, unless PANTAU_ALLOWED_NETWORKS says so.

``policy`` decides (pure standard library, also used to validate the setting); ``guard`` is
the downloader middleware that checks every request, redirects included, before it
connects; ``resolver`` checks the address each connection is really made to.
See docs/operations.md, "The SSRF guard".
"""
