"""The report as a plain-text table for a terminal, with one sentence per row below it."""

from __future__ import annotations

import math

from .figures import rates, shown
from .gaps import UNWRITTEN, sentence, short
from .notes import GROWING, NOT_COUNTED, OPTED_OUT, read_once
from .report import Report, Row
from .stats import decimals, signed


def _points(row: Row) -> str:
    if row.diff is None:  # a group without visitors: nothing to compare
        return "-"
    low, high = row.diff_ci.low * 100, row.diff_ci.high * 100
    d = shown([row.diff * 100], decimals(low, high))  # limits apart, a lift not zero unless so
    return f"{signed(row.diff * 100, d)} [{signed(low, d)}, {signed(high, d)}]"


def _relative(row: Row) -> str:
    if row.rel is None or row.rel_ci is None:
        return "-"
    low, high = row.rel_ci.low * 100, row.rel_ci.high * 100
    d = shown([row.rel * 100], decimals(low, high, least=0))
    top = "inf" if not math.isfinite(high) else f"{signed(high, d)}%"
    return f"{signed(row.rel * 100, d)}% [{signed(low, d)}%, {top}]"


def _srm(row: Row) -> str:
    if row.srm_p is None:
        return "-"
    return f"{row.srm_p:.3g}{' SRM!' if row.srm else ''}"


HEADER = (
    "rule", "goal", "hold", "treated", "conv", "control", "conv",
    "lift pts [{ci}% CI]", "relative [{ci}% CI]", "split p", "verdict",
)  # fmt: skip


def render_text(report: Report) -> str:
    """A fixed-width table, then each row's plain sentence and the methods used."""
    span = f"{report.since or 'the oldest day kept'} .. {report.until or 'today'}"
    lines = [f"Omotenashi report, first exposures {span} ({report.zone} days)", ""]
    if report.range_note:
        lines += [report.range_note, ""]
    if report.gaps:  # counts Redis lost: named before any figure
        lines += [f"WARNING: {sentence(report.gaps)}", ""]
    if report.unwritten:
        lines += [short(report.unwritten), ""]
    if not report.rows:
        return "\n".join([*lines, "Nothing counted yet: no rule has been exposed.", ""])
    measured, unmeasured = report.measured, report.unmeasured()
    if not measured:
        return "\n".join([*lines, unmeasured, ""])
    level = f"{report.confidence * 100:g}"  # the interval the report was asked for
    table = [[name.format(ci=level) for name in HEADER]]
    for row in measured:
        rate_t, rate_c = rates(row.rate_t, row.rate_c)
        table.append(
            [
                row.named,
                row.goal or "-",
                "-" if row.holdout is None else f"{row.holdout:g}%",
                f"{row.n_t:,}",
                rate_t,
                f"{row.n_c:,}",
                rate_c,
                _points(row),
                _relative(row),
                _srm(row),
                row.label,
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for line in table:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
    lines.append("")
    for row in measured:
        lines.append(f"{row.named} / {row.goal or '-'}: {row.sentence}")
    if unmeasured:
        lines += ["", unmeasured]
    many = report.many()
    lines += [
        "",
        *([many] if many else []),
        "Lift is treatment minus control conversion, in percentage points; intervals are "
        f"{report.confidence:.0%} Newcombe (absolute) and log-scale MOVER Wilson (relative).",
        "'split p' tests the treated/control split against the holdout; SRM! below 0.001.",
        "'(early)': a verdict before both groups reached the visitors planned for them (or "
        "before any size could be planned).",
        read_once(report.confidence),
        GROWING,
        NOT_COUNTED,
        OPTED_OUT,
        UNWRITTEN,
        "",
    ]
    return "\n".join(lines)
