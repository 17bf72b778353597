"""Small inline SVG charts: stacked daily bars, daily lines, paired horizontal bars.

Charts are drawn in Python, so a report needs no JavaScript and no network to show them.
Every value and label is escaped where it is put into the markup (hence the ``Markup``
results). Each data mark has ``class="mark"`` and ``data-series``, ``data-x`` and ``data-value``
attributes (tests compare them with the report's figures) and a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1b6ca8", "#e8833a", "#3a9e5c", "#c8423b", "#8a62b5", "#8c6d4f", "#d46aa8",
           "#6f7a82", "#b5a82f", "#2fb0b5")
BEFORE_COLOR, AFTER_COLOR = "#9bb7cf", "#1b6ca8"
WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 40
CHAR = 6.6  # average width of an 11px character, for legend layout


@dataclass(frozen=True)
class Series:
    """One named row of values, one per x label."""

    name: str
    values: Sequence[int]


def nice_scale(top: float, ticks: int = 4) -> tuple[int, int]:
    """``(axis maximum, tick step)``: whole numbers of 1, 2 or 5 times a power of ten."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw)))
    return step * math.ceil(max(top, 1) / step), step


def _open(chart_id: str, title: str, height: int) -> list[str]:
    return [f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}"><title>{escape(title)}</title>']


def _empty(chart_id: str, title: str, no_data: str) -> Markup:
    parts = _open(chart_id, title, 60)
    parts.append(f'<text class="empty" x="{WIDTH / 2}" y="34" text-anchor="middle">'
                 f'{escape(no_data)}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - parts are escaped


def _mark(shape: str, series: str, key: str, value: int, label: str, **attrs: object) -> str:
    extra = " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return (f'<{shape} class="mark" data-series="{escape(series)}" data-x="{escape(key)}" '
            f'data-value="{value}" {extra}><title>{escape(label)}</title></{shape}>')


def _legend(names: Sequence[str], y: float) -> tuple[list[str], float]:
    """Legend swatches in rows under the plot; the parts and the height they need."""
    parts: list[str] = []
    x, row = float(LEFT), 0
    for i, name in enumerate(names):
        width = 18 + CHAR * len(name) + 14
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, row = float(LEFT), row + 1
        top = y + row * 16
        parts.append(f'<rect class="swatch" x="{x:.1f}" y="{top}" width="10" height="10" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/><text class="legend" x="{x + 14:.1f}" '
                     f'y="{top + 9}">{escape(name)}</text>')
        x += width
    return parts, (row + 1) * 16 if names else 0


def _axes(labels: Sequence[str], keys: Sequence[str], top: int, step: int, plot_h: float,
          marker: int | None, marker_label: str) -> list[str]:
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(labels), 1)
    parts = []
    for value in range(0, top + 1, step):
        y = TOP + plot_h - value / top * plot_h
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{value}</text>')
    every = max(1, math.ceil(len(labels) / 14))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(f'<text class="tick" x="{x:.1f}" y="{TOP + plot_h + 16}" '
                         f'text-anchor="middle" data-x="{escape(keys[i])}">'
                         f'{escape(label)}</text>')
    if marker is not None:
        x = LEFT + slot * marker
        parts.append(f'<line class="event" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" '
                     f'y2="{TOP + plot_h}"/><text class="event-label" x="{x + 4:.1f}" '
                     f'y="{TOP + 10}">{escape(marker_label)}</text>')
    return parts


def stacked_bars(chart_id: str, title: str, labels: Sequence[str], keys: Sequence[str],
                 series: Sequence[Series], marker: int | None, marker_label: str,
                 no_data: str) -> Markup:
    """Bars per x (a day), one stacked segment per series with a count above zero."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    if not any(totals):
        return _empty(chart_id, title, no_data)
    top, step = nice_scale(max(totals))
    plot_h = HEIGHT - TOP - BOTTOM
    legend, legend_h = _legend([s.name for s in series], HEIGHT - 8)
    parts = _open(chart_id, title, int(HEIGHT + legend_h))
    parts += _axes(labels, keys, top, step, plot_h, marker, marker_label)
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    for i, label in enumerate(labels):
        base = float(TOP + plot_h)
        for n, s in enumerate(series):
            value = s.values[i]
            if value <= 0:
                continue
            h = value / top * plot_h
            base -= h
            parts.append(_mark("rect", s.name, keys[i], value, f"{s.name}, {label}: {value}",
                               x=f"{LEFT + slot * i + slot * 0.12:.1f}", y=f"{base:.1f}",
                               width=f"{slot * 0.76:.1f}", height=f"{h:.1f}",
                               fill=PALETTE[n % len(PALETTE)]))
    return Markup("".join([*parts, *legend, "</svg>"]))  # noqa: S704 - escaped


def lines(chart_id: str, title: str, labels: Sequence[str], keys: Sequence[str],
          series: Sequence[Series], marker: int | None, marker_label: str,
          no_data: str) -> Markup:
    """One line per series over the x labels, a dot (the mark) at every point."""
    if not any(v for s in series for v in s.values):
        return _empty(chart_id, title, no_data)
    top, step = nice_scale(max(v for s in series for v in s.values))
    plot_h = HEIGHT - TOP - BOTTOM
    legend, legend_h = _legend([s.name for s in series], HEIGHT - 8)
    parts = _open(chart_id, title, int(HEIGHT + legend_h))
    parts += _axes(labels, keys, top, step, plot_h, marker, marker_label)
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    for n, s in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        points = [(LEFT + slot * (i + 0.5), TOP + plot_h - v / top * plot_h)
                  for i, v in enumerate(s.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="line" fill="none" stroke="{color}" '
                     f'stroke-width="2" points="{path}"/>')
        for i, (x, y) in enumerate(points):
            parts.append(_mark("circle", s.name, keys[i], s.values[i],
                               f"{s.name}, {labels[i]}: {s.values[i]}", cx=f"{x:.1f}",
                               cy=f"{y:.1f}", r="3", fill=color))
    return Markup("".join([*parts, *legend, "</svg>"]))  # noqa: S704 - escaped


def paired_bars(chart_id: str, title: str, rows: Sequence[tuple[str, str, int, int]],
                names: tuple[str, str], no_data: str, row_scale: bool = False) -> Markup:
    """Horizontal bars, two per row ``(key, label, before, after)``, values written beside;
    one scale for all rows, or (``row_scale``) each row its own, for rows of different
    units. Marks' series are ``before`` and ``after``, their x the row's key."""
    if not rows or not any(b or a for _, _, b, a in rows):
        return _empty(chart_id, title, no_data)
    label_w = min(240, 16 + CHAR * max(len(label) for _, label, _, _ in rows))
    row_h, top_pad = 30, 26
    height = int(top_pad + row_h * len(rows) + 8)
    shared, _ = nice_scale(max(max(b, a) for _, _, b, a in rows))
    bar_w = WIDTH - label_w - RIGHT - 56
    parts = _open(chart_id, title, height)
    for i, (name, color) in enumerate(zip(names, (BEFORE_COLOR, AFTER_COLOR), strict=True)):
        x = label_w + i * 120
        parts.append(f'<rect class="swatch" x="{x}" y="6" width="10" height="10" '
                     f'fill="{color}"/><text class="legend" x="{x + 14}" y="15">'
                     f'{escape(name)}</text>')
    for r, (key, label, before, after) in enumerate(rows):
        y = top_pad + r * row_h
        top = max(before, after, 1) if row_scale else shared
        parts.append(f'<text class="tick" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(label)}</text>')
        for k, (series, value, color, name) in enumerate(
                (("before", before, BEFORE_COLOR, names[0]),
                 ("after", after, AFTER_COLOR, names[1]))):
            w = value / top * bar_w
            top_y = y + 2 + k * 12
            if value > 0:
                parts.append(_mark("rect", series, key, value, f"{label}, {name}: {value}",
                                   x=f"{label_w}", y=f"{top_y}", width=f"{w:.1f}",
                                   height="11", fill=color))
            parts.append(f'<text class="value" x="{label_w + w + 4:.1f}" y="{top_y + 9}">'
                         f'{value}</text>')
    return Markup("".join([*parts, "</svg>"]))  # noqa: S704 - escaped
