"""The report as one self-contained HTML page: warnings, a table, and server-side SVG plots.

No external stylesheet, font, script or CDN: the page opens from a file or behind a strict CSP.
"""

from __future__ import annotations

import math
from html import escape

from . import gaps, svgplot
from .counting import Arm
from .figures import rates, shown
from .notes import GROWING, METHODS, NOT_COUNTED, OPTED_OUT, read_once
from .report import Report, Row
from .stats import SRM_ADVICE, Verdict, decimals, signed
from .svgplot import Estimate, Series

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:62rem;padding:0 1rem;color:#1f2328;
overflow-wrap:break-word}
table{border-collapse:collapse;font-size:.9rem;margin:0}
.scroll{overflow-x:auto;margin:1rem 0}.scroll:focus-visible{outline:2px solid #0969da}
caption{text-align:left;color:#57606a;padding:.3rem 0}
caption span{display:block;position:sticky;left:0;max-width:calc(100vw - 2rem)}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
.helps{color:#1a7f37;font-weight:bold}.hurts{color:#cf222e;font-weight:bold}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem 1rem;border-radius:6px}
.note{color:#57606a;font-size:.9rem}svg{max-width:100%;height:auto;display:block;margin:1rem 0}
"""


def _ci(low: float, high: float, scale: float = 100, digits: int = 1) -> str:
    top = "∞" if not math.isfinite(high) else signed(high * scale, digits)
    return f"[{signed(low * scale, digits)}, {top}]"


def _digits(value: float, low: float, high: float, least: int) -> int:
    """Decimals that tell an interval's limits apart (in percent or points), however narrow,
    and print neither them nor ``value`` as zero unless it is."""
    return shown([value * 100], decimals(low * 100, high * 100, least=least))


def _table(report: Report) -> str:
    names = (  # (each its own name: a screen reader says it with every cell, measure51)
        "rule", "goal", "holdout", "treated", "treated rate", "control", "control rate",
        "lift (points)", "relative lift", "split p", "verdict",
    )  # fmt: skip
    head = "<thead><tr>" + "".join(f'<th scope="col">{n}</th>' for n in names) + "</tr></thead>"
    body = []
    for row in report.measured:
        rel = "–"
        if row.rel is not None and row.rel_ci is not None:
            d = _digits(row.rel, row.rel_ci.low, row.rel_ci.high, 0)
            rel = f"{signed(row.rel * 100, d)}% {_ci(row.rel_ci.low, row.rel_ci.high, digits=d)}"
        split = "–" if row.srm_p is None else f"{row.srm_p:.3g}" + (" ⚠" if row.srm else "")
        verdict_class = row.verdict.name.lower().replace("_", "-")
        lift = "–"
        if row.diff is not None:  # else a group has no visitors: nothing to compare
            d = _digits(row.diff, row.diff_ci.low, row.diff_ci.high, 1)
            lift = f"{signed(row.diff * 100, d)} {_ci(row.diff_ci.low, row.diff_ci.high, digits=d)}"
        rate_t, rate_c = rates(row.rate_t, row.rate_c, none="–")
        body.append(
            "<tr>"
            f'<th scope="row">{escape(row.named)}</th><td>{escape(row.goal or "–")}</td>'
            f"<td>{'–' if row.holdout is None else f'{row.holdout:g}%'}</td>"
            f"<td>{row.n_t:,}</td><td>{rate_t}</td>"
            f"<td>{row.n_c:,}</td><td>{rate_c}</td>"
            f"<td>{lift}</td>"
            f"<td>{rel}</td><td>{split}</td>"
            f'<td class="{verdict_class}" title="{escape(row.sentence)}">'
            f"{escape(row.label)}</td></tr>"
        )
    caption = "One row per rule and goal (on a narrow screen, the table scrolls sideways)."
    return (  # its own scroll: at 320 px the page keeps to the window (WCAG 1.4.10)
        '<div class="scroll" role="region" aria-labelledby="rules" tabindex="0">'
        f"<table><caption><span>{caption}</span></caption>{head}"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _warnings(report: Report) -> str:
    lost = gaps.sentence(report.gaps)  # counts Redis lost, left out of every figure
    said = f'<div class="warn" role="alert">{escape(lost)}</div>' if lost else ""
    if report.unwritten:  # counts never written: these days may be short
        said += f'<div class="warn">{escape(gaps.short(report.unwritten))}</div>'
    flagged = sorted({row.rule for row in report.rows if row.srm})
    if not flagged:
        return said
    items = "".join(f"<li>{escape(rule)}</li>" for rule in flagged)
    return said + (
        '<div class="warn" role="alert"><strong>Sample-ratio mismatch</strong> in these rules. '
        f"{escape(SRM_ADVICE)}<ul>{items}</ul></div>"
    )


def _label(row: Row) -> str:
    return f"{row.rule} / {row.goal}"


def _estimate(row: Row, value: float, low: float, high: float) -> Estimate:
    """A forest line coloured by the verdict the row gives (none: grey), hollow when the
    numbers are not to be decided on yet (too few visitors, a suspect split, an early look)."""
    tone = {Verdict.HELPS: "helps", Verdict.HURTS: "hurts"}.get(row.verdict, "")
    warn = row.srm or not row.enough or row.early
    return Estimate(_label(row), value * 100, low * 100, high * 100, warn=warn, tone=tone)


def _forests(report: Report) -> str:
    judged = [row for row in report.rows if row.goal and row.diff is not None]
    if not judged:
        return '<p class="note">No rule has both a treated and a control group yet.</p>'
    absolute = [
        _estimate(r, r.diff, r.diff_ci.low, r.diff_ci.high) for r in judged if r.diff is not None
    ]
    relative = [
        _estimate(r, r.rel, r.rel_ci.low, r.rel_ci.high)
        for r in judged
        if r.rel is not None and r.rel_ci is not None
    ]
    parts = [
        svgplot.forest(
            absolute,
            title=f"Lift in conversion, percentage points ({report.confidence:.0%} CI)",
            unit=" pts",
        )
    ]
    if relative:
        parts.append(
            svgplot.forest(relative, title=f"Relative lift ({report.confidence:.0%} CI)", unit="%")
        )
    parts.append(
        '<p class="note">Colours follow the verdict column: green helps, red hurts, grey no '
        "verdict (the interval includes zero, too few visitors, or a suspect split). Hollow "
        "points are not to be decided on yet: too few visitors, a suspect split, or an early "
        "look.</p>"
    )
    return "\n".join(parts)


def _daily_table(rule: str, days: list[str], series: list[Series]) -> str:
    """A chart's numbers as a table, behind a summary: its text alternative, which the chart's
    tooltips are not (a screen reader reads no tooltip inside an image, measure51)."""
    head = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(day)}</th>'
        + "".join(f"<td>{s.values[n]:,}</td>" for s in series)
        + "</tr>"
        for n, day in enumerate(days)
    )
    return (
        f"<details><summary>{escape(rule)}: the numbers, day by day</summary>"
        f'<table><thead><tr><th scope="col">day</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )


def _dailies(report: Report) -> str:
    parts = []
    for rule, points in report.daily.items():
        if not points:
            continue
        days = [p.day for p in points]
        series = [
            Series("exposed, treated", [p.exposures[Arm.TREATMENT] for p in points], svgplot.BLUE),
            Series("exposed, control", [p.exposures[Arm.CONTROL] for p in points], svgplot.ORANGE),
            Series(
                "goals reached, treated",
                [p.conversions[Arm.TREATMENT] for p in points],
                svgplot.BLUE,
                dashed=True,
            ),
            Series(
                "goals reached, control",
                [p.conversions[Arm.CONTROL] for p in points],
                svgplot.ORANGE,
                dashed=True,
            ),
        ]
        parts.append(svgplot.daily(days, series, title=f"{rule}: visitors per day"))
        parts.append(_daily_table(rule, days, series))
    if not parts:
        return '<p class="note">Nothing counted in this period.</p>'
    note = (
        f'<p class="note">{escape(GROWING)} Goals reached are summed over the rule\'s goals: '
        "a visitor who reaches two goals counts twice. Days are placed by date: a break in a "
        "line is days with nothing counted for the rule (or left out, as said above).</p>"
    )
    return note + "\n".join(parts)


def render_html(report: Report) -> str:
    """The whole page as a string."""
    span = f"{report.since or 'the oldest day kept'} to {report.until or 'today'}"
    sentences = "".join(
        f"<li><strong>{escape(_label(row))}</strong>: {escape(row.sentence)}</li>"
        for row in report.measured
    )
    unmeasured = report.unmeasured()
    if unmeasured:
        sentences += f"<li>{escape(unmeasured)}</li>"
    many = report.many()  # more than one row judged: some cross zero by chance
    notes = [many] if many else []
    notes += [read_once(report.confidence), NOT_COUNTED, OPTED_OUT, gaps.UNWRITTEN]
    under = "".join(f'<p class="note">{escape(note)}</p>' for note in notes)
    clamped = f'<p class="warn">{escape(report.range_note)}</p>' if report.range_note else ""

    methods = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in METHODS.items())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Omotenashi report</title><style>{STYLE}</style></head><body><main>"
        f'<h1>Omotenashi report</h1><p class="note">Visitors first exposed {escape(span)} '
        f"({escape(report.zone)} days); at least {report.min_per_arm} visitors per group "
        "before a verdict.</p>"
        f"{clamped}{_warnings(report)}"
        '<h2 id="rules">Rules and goals</h2>'
        f"{_table(report) if report.measured else '<p>Nothing yet.</p>'}"
        f"<ul>{sentences}</ul>{under}"
        f"<h2>Lift with confidence intervals</h2>{_forests(report)}"
        f"<h2>Daily exposures and conversions</h2>{_dailies(report)}"
        f'<h2>Methods</h2><ul class="note">{methods}</ul>'
        "</main></body></html>\n"  # (a landmark: a11y68)
    )
