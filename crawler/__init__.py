"""pantau: crawl public discussion with Scrapy spiders run as Celery tasks into PostgreSQL."""

__version__ = "0.1.0"
