"""Bounds on hostile and broken input: each bad case is cut off, recorded, and the crawl goes on.

``kinds`` names what a failed request was (``timeout``, ``too_large``, ``blocked``, ...);
``downloads`` holds the redirect and decompression middlewares that record what Scrapy's own
silently drop; ``traps`` stops endless pagination and link chains; ``posts`` keeps
impossible dates, control characters and gigantic posts out of the database; ``config`` turns
the settings into Scrapy settings. See docs/reliability.md, "Bad inputs tried".
"""
