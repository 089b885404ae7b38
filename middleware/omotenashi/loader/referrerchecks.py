"""``omotenashi check`` on ``first_referrer``: the first referrer is kept as its site alone
(``https://host/``: engine/facts.py ``RequestInfo.referring_site``), so a glob that names a page
or a query never matches."""

from __future__ import annotations

from collections.abc import Sequence

from omotenashi.engine.ruleset import CompiledRule
from omotenashi.loader.findings import Finding


def first_referrer_pages(rules: Sequence[CompiledRule]) -> list[Finding]:
    """A ``first_referrer`` glob that names a page or a query (``https://news.example/a/*``):
    the first referrer is kept as its site alone (``https://news.example/``), so it never
    matches. Only a rule's top-level ``when`` is read."""
    out: list[Finding] = []
    for r in rules:
        for glob in r.rule.when.first_referrer or ():
            site = glob.split("://", 1)[-1]
            page = site.partition("/")[2]
            if page not in ("", "*"):
                said = (
                    f"rule {r.id!r}: first_referrer {glob!r} names a page, which never matches:"
                    " the first referrer is kept as its site alone (https://host/); match the"
                    f" host, as {'*' + site.partition('/')[0].strip('*') + '*'!r}"
                )
                out.append(Finding(r.file, r.line, "warning", said))
    return out
