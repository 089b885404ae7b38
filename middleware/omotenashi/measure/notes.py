"""The report's own words: the notes every report (text and HTML) gives under its table.

They say what the numbers are (cohorts), what they leave out (whom the counters never see, and
what happens to a visitor who opts out later), and how often a verdict may be read.
"""

from __future__ import annotations

import datetime as dt

#: How each figure is computed (every report lists them).
METHODS = {
    "rate": "Wilson score interval",
    "absolute_lift": "Newcombe hybrid score interval (Newcombe 1998, method 10)",
    "relative_lift": "MOVER on the log scale with Wilson limits (Zou & Donner 2008); "
    "computed apart from the lift in points, so in small, early rows one interval may include "
    "zero while the other does not: the verdict reads the points",
    "srm": "Pearson chi-square, 1 df (exact binomial below 20 expected visitors in a group), "
    "against the configured holdout share; flagged at p < 0.001",
    "needed": "two-proportion z-test sample size (Fleiss) at the rule's holdout split, 10% "
    "relative lift over both groups' rate together, alpha 0.05, power 0.8",
}

#: Conversions are filed under the day of the first exposure, so the newest cohorts have had
#: less time to convert.
GROWING = (
    "Each day is a cohort: the visitors first exposed that day and the goals they reached "
    "later. The most recent days are still inside the attribution window: their conversions "
    "will grow."
)

#: Said under a report of more than one rule and goal row.
MANY = (
    "{n} rule and goal rows: even where no rule does anything, about 1 row in 20 shows an "
    "interval clear of zero by chance alone; judge each rule on one goal, the one it is for "
    "(the one you named for it, where you named one), chosen before reading the report."
)

#: Why a row's counts cannot be used: more conversions than visitors in a group.
UNUSABLE = (
    "Unusable data: {what}. More conversions than visitors cannot happen once each visitor "
    "counts once; these days hold counts from an older version that counted one visitor's "
    "concurrent requests more than once: pick days after the upgrade with --since."
)

#: Whom the counters never see, and what a goal sent by the browser is worth.
NOT_COUNTED = (
    "Not counted: bots that say so, visitors sending GPC or DNT or without consent, those who "
    'chose "Personalise nothing", and preview browsers; a client that never sends its cookie '
    "back is a new visitor on every request. Pages a browser fetches ahead of use (prefetch, "
    "prerender) count as seen, hovers never clicked too, unless the site sets "
    "OMOTENASHI_RESPECT_COUNT_PREFETCH=false (then not, also when the visitor opens one "
    "without the server being asked again). Goals sent through the beacon are whatever the "
    "browser reports. Nor are goals on paths Omotenashi leaves alone: a goal's path in "
    "OMOTENASHI_EXCLUDE_PATHS or OMOTENASHI_UNTRACKED_PATHS, or an event tracked while a page "
    "of OMOTENASHI_EXCLUDE_PATHS is served (one tracked on an untracked path, such as a "
    "purchase under /accounts/, counts). A visitor who signs out, chooses Start afresh or "
    "erases what is kept about them is counted again from then on, as a new visitor (after "
    "Start afresh in the same group; after a sign-out or an erase, under a new id, in either: "
    "one person may then be in both groups)."
)

#: A visitor who opts out after their first exposure: kept in their group, goals no longer seen.
OPTED_OUT = (
    'A visitor who opts out after their first exposure ("Personalise nothing", GPC, consent '
    "withdrawn) stays counted in their group, but no goal they reach while opted out is "
    "counted, nor a goal reached by visiting a page while their browsing history is off "
    "(their events' goals still are): a rule is judged on intention to treat. These lost "
    'goals pull its lift slightly toward zero; as the "i" link of the rule shown invites '
    "opting out, they come a little more from the visitors shown it, which can make a rule "
    "look slightly worse than it is."
)


#: How often a verdict may be read: once, at the planned size.
READ_ONCE = (
    "A helps or hurts for a rule that does nothing shows at most {wrong} only when the report "
    "is read once, at the planned size: read day after day and acted on the day one shows, "
    "it is wrong far more often, also after the plan is reached, when '(early)' is no longer "
    "shown. Read the report up to the day the plan was reached, once those visitors' goals "
    "are in."
)


def read_once(confidence: float) -> str:
    """:data:`READ_ONCE` at the report's confidence level ("1 time in 20" at 95%)."""
    wrong = 1 - confidence
    times = round(1 / wrong) if wrong > 0 else 0
    said = f"1 time in {times}" if times and abs(times * wrong - 1) < 1e-9 else f"{wrong:.1%}"
    return READ_ONCE.format(wrong=said)


def planned_on(day: str) -> str:
    """The sentence of a row whose groups reached the planned size with ``day``'s cohort."""
    return (
        f"The planned size was reached with the visitors first exposed by {day}: the read "
        f"that counts is the report up to {day}, once their goals are in; reading again and "
        "again raises the chance of a false result."
    )


def clamped(asked: tuple[str | None, str | None], read: tuple[str, str], kept: int) -> str:
    """Why the days read are not the days asked for ("" when they are): day counts are kept
    ``kept`` days, and no day after today has any."""
    (since, until), (first, last) = asked, read
    if since is not None and since > last:
        return f"No day from {since} on has counts yet: it is after today ({last})."
    parts = []
    if since is not None and since < first:
        parts.append(
            f"day counts are kept {kept} days (OMOTENASHI_REDIS_STATS_RETENTION), so the "
            f"report starts at {first}, not {since}"
        )
    if until is not None and until > last:
        parts.append(f"no day after today has counts, so it ends at {last}, not {until}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def oldest_kept(last: str, kept: int) -> str:
    """The first day a report ending on ``last`` reads: ``kept`` days before it."""
    day = dt.date.fromisoformat(last)
    if day.toordinal() <= kept:  # (a range ending in year 1: time53)
        return dt.date.min.isoformat()
    return (day - dt.timedelta(days=kept)).isoformat()
