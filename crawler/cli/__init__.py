"""The ``pantau`` command line (Typer + Rich)."""

from __future__ import annotations

from crawler.cli.main import app, main

__all__ = ["app", "main"]
