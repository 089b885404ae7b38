"""The block a visitor came from, with a switch of its own on the preferences page.

The "i" of a block inside a form of the page has no *Don't show me this* (its form would end
the page's), so its *Your choices* link names the block (``?block=<rule id>``,
engine/disclosure.py) and the page lists it first, ticked, when it is not already listed as
shown (a11y68: under Global Privacy Control, where nothing shown is recorded, only the block's
whole kind could be switched off there). Anyone may write such a link, so the page says only
that the link names the block, not that the visitor saw it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from omotenashi.engine.restraint import Prefs
from omotenashi.respect import shown
from omotenashi.respect.choices import Choices


def named(query: str) -> str:
    """The rule id ``block=`` names in a query string ("" for none)."""
    return (parse_qs(query).get("block") or [""])[0][:64]  # (the query is cut: MAX_QUERY)


def came_entry(
    rule_id: str, choices: Choices, prefs: Prefs, listed: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The switch of the entry of the rule ``rule_id`` (as :func:`shown.shown_recently` groups
    them), or none: no such rule, switched off already (then it is listed among those), or
    listed above as shown."""
    if rule_id not in choices.by_id:
        return []
    ids = choices.entry(rule_id)
    key = ",".join(ids)
    if not shown.entry_on(ids, prefs) or any(e["key"] == key for e in listed):
        return []
    rule = choices.by_id[rule_id].rule
    return [
        {
            "key": key,
            "label": rule.why.strip(),
            "category": shown.kind_label(choices.labels, rule.category),
            "category_on": rule.category not in prefs.off_categories,
            "behavioural": all(choices.by_id[i].behavioural for i in ids),  # (notes.annotate)
        }
    ]
