"""Scrapy spiders: thin engine adapters (selectors, URL patterns, paging)."""
