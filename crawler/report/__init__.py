"""Before/after reports of a region around an event: figures (JSON) and one HTML file.

``build_report(conn, window)`` reads the figures (crawler/report/queries.py) into a
``Report`` (figures.py); ``render_html(report, lang)`` draws it with inline SVG charts
(svg.py) and the Indonesian or English strings of crawler/i18n.py. docs/analysts.md.
"""

from __future__ import annotations

from crawler.report.build import Limits, SchemaTooOld, build_report
from crawler.report.figures import Report, ReportWindow
from crawler.report.html import render_html

__all__ = ["Limits", "Report", "ReportWindow", "SchemaTooOld", "build_report", "render_html"]
