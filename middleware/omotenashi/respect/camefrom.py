"""The block a visitor came from, with a switch of its own on the preferences page.

The "i" of a block inside a form of the page has no *Don't show me this* (its form would end
the page's), so its *Your choices* link names the block (``?block=<rule id>``,
engine/disclosure.py), as the page panel's link names the blocks without an "i" on the page
(``block=`` once each), and the page lists each first, ticked, when not already listed as
shown (a11y68: under Global Privacy Control, where nothing shown is recorded, only the block's
whole kind could be switched off there). Anyone may write such a link, so the page says only
that the link names the block, not that the visitor saw it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs

from omotenashi.engine.disclosure import MAX_NAMED
from omotenashi.engine.restraint import Prefs
from omotenashi.respect import shown
from omotenashi.respect.choices import Choices


def named(query: str) -> list[str]:
    """The rule ids ``block=`` names in a query string (the first :data:`MAX_NAMED`)."""
    return [v[:64] for v in parse_qs(query).get("block", [])[:MAX_NAMED]]  # (a cut query)


def came_entries(
    rule_ids: Iterable[str],
    choices: Choices,
    prefs: Prefs,
    listed: Sequence[dict[str, Any]],
    off: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The switch of the entry of each rule of ``rule_ids`` (as :func:`shown.shown_recently`
    groups them), each once, but for no such rule, one switched off already (then it is
    listed among those, ``off``) or listed above as shown. When none is left, the first
    named entry listed there is marked ``came`` (the link's ``#omo-came`` lands on its card,
    not at the page's top: last69)."""
    keys = {e["key"] for e in listed}
    out: list[dict[str, Any]] = []
    named_keys: list[str] = []
    for rule_id in rule_ids:
        if rule_id not in choices.by_id:
            continue
        ids = choices.entry(rule_id)
        named_keys.append(key := ",".join(ids))
        if shown.entry_on(ids, prefs) and key not in keys:
            keys.add(key)
            out.append(_entry(key, ids, choices, prefs))
    if not out:
        by_key = {e["key"]: e for e in [*listed, *off]}
        first = next((by_key[k] for k in named_keys if k in by_key), None)
        if first is not None:
            first["came"] = True
    return out


def _entry(key: str, ids: tuple[str, ...], choices: Choices, prefs: Prefs) -> dict[str, Any]:
    rule = choices.by_id[ids[0]].rule
    return {
        "key": key,
        "label": rule.why.strip(),
        "category": shown.kind_label(choices.labels, rule.category),
        "category_on": rule.category not in prefs.off_categories,
        "behavioural": all(choices.by_id[i].behavioural for i in ids),  # (notes.annotate)
    }
