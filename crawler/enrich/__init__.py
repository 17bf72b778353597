"""Enrichment for analysts: language, region codes, watchlist flags, near-duplicate clusters.

See docs/enrichment.md.
"""
