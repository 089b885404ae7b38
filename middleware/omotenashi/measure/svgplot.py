"""Two small SVG charts, written by hand: a forest plot (estimates with CI bars) and daily lines.

Why by hand rather than a plotting library: the report needs exactly these two forms, as inline
SVG in a self-contained page without JavaScript. pygal (the lightest well-kept candidate) always
embeds an inline ``<script>`` and random element ids in its SVG (not reproducible, blocked by a
strict CSP) and draws CI bars on bars from zero rather than as a forest plot; matplotlib's SVG
backend would add some 40 MB of compiled dependencies (numpy, pillow, ...) to a middleware for a
command-line report. Here: ~150 lines, deterministic output (testable byte for byte), every
text escaped, ``role="img"`` with a ``<title>`` for screen readers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family:system-ui,sans-serif;font-size:12px"
GREEN, RED, GREY, BLUE, ORANGE = "#1a7f37", "#cf222e", "#6e7781", "#0969da", "#bc4c00"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]``: steps of 1, 2 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def count(value: float) -> str:
    """A count on an axis, short enough for its margin: 950, 2,500, 12k, 1.5M, 100M, 2bn
    (ticks are round: :func:`nice_ticks`); it printed 1e+08."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e4, "k")):
        if abs(value) >= size:
            return f"{value / (1000 if suffix == 'k' else size):g}{suffix}"
    return f"{value:,g}"


def _fmt(value: float, unit: str) -> str:
    text = f"{value:.3g}" if abs(value) >= 1e-12 else "0"
    return f"{text}{unit}"


@dataclass(frozen=True)
class Estimate:
    """One line of a forest plot."""

    label: str
    value: float
    low: float
    high: float  # may be math.inf: drawn to the edge with an arrow
    warn: bool = False  # drawn hollow (e.g. a sample-ratio mismatch or too few visitors)
    tone: str = ""  # the row's verdict: "helps" green, "hurts" red, anything else grey


def forest(estimates: Sequence[Estimate], *, title: str, unit: str = "", width: int = 760) -> str:
    """Points with interval bars, one row each, and a line at zero. Colour says the verdict
    (``tone``), not the interval: a row whose verdict is withheld is grey however clear of
    zero its bar."""
    row, top, left, right = 26, 34, 250, 24
    height = top + row * max(1, len(estimates)) + 34
    finite = [v for e in estimates for v in (e.low, e.high, e.value) if math.isfinite(v)]
    ticks = nice_ticks(min([0.0, *finite]), max([0.0, *finite]))
    lo, hi = ticks[0], ticks[-1]
    span = hi - lo or 1.0

    def x(value: float) -> float:
        value = min(max(value, lo), hi)
        return round(left + (value - lo) / span * (width - left - right), 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    axis_y = top + row * max(1, len(estimates))
    for tick in ticks:
        out.append(
            f'<line x1="{x(tick)}" y1="{top - 6}" x2="{x(tick)}" y2="{axis_y}" '
            f'stroke="{"#000" if tick == 0 else "#d0d7de"}"/>'
        )
        out.append(
            f'<text x="{x(tick)}" y="{axis_y + 16}" text-anchor="middle">'
            f"{escape(_fmt(tick, unit))}</text>"
        )
    for index, est in enumerate(estimates):
        y = top + row * index + row // 2
        colour = {"helps": GREEN, "hurts": RED}.get(est.tone, GREY)
        label = est.label if len(est.label) <= 38 else est.label[:37] + "…"
        out.append(f'<text x="8" y="{y + 4}">{escape(label)}</text>')
        out.append(
            f'<line x1="{x(est.low)}" y1="{y}" x2="{x(est.high)}" y2="{y}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        for end in (est.low, est.high):
            if math.isfinite(end):
                out.append(
                    f'<line x1="{x(end)}" y1="{y - 5}" x2="{x(end)}" y2="{y + 5}" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
        if not math.isfinite(est.high):
            edge = x(hi)
            out.append(
                f'<path d="M{edge} {y} l-7 -5 v10 z" fill="{colour}"><title>no upper bound'
                "</title></path>"
            )
        fill = "#fff" if est.warn else colour
        out.append(
            f'<circle cx="{x(est.value)}" cy="{y}" r="5" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2"><title>{escape(est.label)}: {escape(_fmt(est.value, unit))} '
            f"[{escape(_fmt(est.low, unit))}, {escape(_fmt(est.high, unit))}]</title></circle>"
        )
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    colour: str
    dashed: bool = False


def daily(days: Sequence[str], series: Sequence[Series], *, title: str, width: int = 760) -> str:
    """Lines over days (``YYYY-MM-DD``, sorted; one point per day, placed by its date), with a
    legend. A day not given (nothing counted, or left out) is a gap: the lines break there
    rather than join across it. A single day draws dots only. The axis says the year where the
    days cross one."""
    height, top, left, right, bottom = 240, 34, 56, 16, 52
    peak = max([1, *(v for s in series for v in s.values)])
    ticks = nice_ticks(0, peak, 4)
    hi = ticks[-1] or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    dates = [dt.date.fromisoformat(day) for day in days]
    span = max(1, (dates[-1] - dates[0]).days) if dates else 1

    def px(index: int) -> float:
        return round(left + ((dates[index] - dates[0]).days / span) * plot_w, 1)

    def py(value: float) -> float:
        return round(top + plot_h - value / hi * plot_h, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in ticks:
        out.append(
            f'<line x1="{left}" y1="{py(tick)}" x2="{width - right}" y2="{py(tick)}" '
            'stroke="#d0d7de"/>'
        )
        said = count(tick)
        out.append(f'<text x="{left - 6}" y="{py(tick) + 4}" text-anchor="end">{said}</text>')
    years = len({day[:4] for day in days}) > 1  # MM-DD alone would repeat across a year end
    for offset in _axis((dates[-1] - dates[0]).days) if dates else ():
        day = (dates[0] + dt.timedelta(days=offset)).isoformat()
        x = round(left + offset / span * plot_w, 1)
        out.append(
            f'<text x="{x}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{escape(day if years else day[5:])}</text>"
        )
    runs = _runs(dates)  # (start, end) index ranges of consecutive days
    for number, line in enumerate(series):
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        for first, last in runs:
            if last > first:
                points = " ".join(f"{px(i)},{py(line.values[i])}" for i in range(first, last + 1))
                out.append(
                    f'<polyline points="{points}" fill="none" stroke="{line.colour}" '
                    f'stroke-width="2"{dash}/>'
                )
        for i, v in enumerate(line.values):
            out.append(
                f'<circle cx="{px(i)}" cy="{py(v)}" r="2.5" fill="{line.colour}">'
                f"<title>{escape(line.name)} {escape(days[i])}: {v:,}</title></circle>"
            )
        lx = left + number * 180
        ly = height - 10
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 22}" y2="{ly - 4}" stroke="{line.colour}" '
            f'stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + 28}" y="{ly}">{escape(line.name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _runs(dates: Sequence[dt.date]) -> list[tuple[int, int]]:
    """Index ranges ``(first, last)`` of ``dates`` that follow one another day by day."""
    runs: list[tuple[int, int]] = []
    for index, date in enumerate(dates):
        if runs and (date - dates[index - 1]).days == 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _axis(span: int, most: int = 8) -> list[int]:
    """The days the axis names, as offsets from the first: at most ``most``, evenly spread
    by date (whether or not anything was counted on them), the first and the last always."""
    step = max(1, math.ceil(span / (most - 1)))
    offsets = list(range(0, span + 1, step))
    if offsets[-1] != span:  # the last, in place of the one before it when too close
        offsets[-1 if span - offsets[-1] < step * 3 / 4 else len(offsets) :] = [span]
    return offsets
