"""Celery side of pantau: the app, its configuration, and thin crawl tasks."""
