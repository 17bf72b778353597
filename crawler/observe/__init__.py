"""What operators see of crawls: readable task labels, progress lines, structured logs, Flower.

Pure helpers; Celery's signal receivers that use them live in ``tasks/observe.py`` and the
``pantau flower`` and ``pantau status`` commands in ``crawler/cli``.
"""
