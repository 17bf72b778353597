"""One request filter per crawl run for the whole cluster: each page is fetched once per run.

- :mod:`crawler.dedup.filter` - ``ClusterDupeFilter``, Scrapy's ``DUPEFILTER_CLASS``;
- :mod:`crawler.dedup.claims` - the run's claims in Redis: an exact hash up to a limit, then
  a Bloom filter; a redelivered shard takes over its dead predecessor's claims;
- :mod:`crawler.dedup.bloom` - Bloom filter size, hash count and bit positions;
- :mod:`crawler.dedup.config` - the Scrapy settings (off without Redis or without a run).

Nothing is imported here: ``crawler.config.settings`` checks its Bloom sizes with
:mod:`crawler.dedup.bloom`, which must not pull in the settings in turn.
See docs/operations.md, "Request de-duplication across the cluster".
"""
