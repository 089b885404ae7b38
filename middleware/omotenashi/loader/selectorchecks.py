"""``omotenashi check --templates``: a ``selector:`` rule no element of the site's templates
could match (editor63: a misspelt class, ``.hero-titel``, showed nowhere without a word; the
preview said so only for the page previewed).

A template is read as the HTML it mostly is. What it is put together from (a block filled by
another template, an element whose class a ``{{ }}`` writes) cannot be seen, so a selector is
checked by each of its parts' last compound alone (``main .hero h1``: ``h1``), without
``:nth-child``-like counts, and a template the scanner leaves selectors alone in (a table the
parser would move content out of ...) counts as a match: a warning only where no template
has any element the rule could be aimed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from omotenashi.engine.html.scanner import scan_page
from omotenashi.engine.html.selectors import Selector, parse_selector
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.errors import RuleError, SelectorError
from omotenashi.loader.filechecks import template_text
from omotenashi.loader.findings import Finding
from omotenashi.loader.fingerprint import TEMPLATES
from omotenashi.rules.yamlsource import Loc, format_loc, line_of


def unmatched_selectors(
    rules: list[CompiledRule],
    templates: Path,
    places: Mapping[tuple[str, str], tuple[dict[Loc, int], Loc]],
) -> list[Finding]:
    """A warning at each selector rule's ``selector:`` (``places``: each rule's file lines and
    place there, by (file, id)) that no element of ``templates`` matches."""
    aimed = [r for r in rules if r.rule.selector]
    subjects: dict[str, Selector] = {}
    for r in aimed:
        text = r.rule.selector or ""
        if text not in subjects and (subject := _subject(text)) is not None:
            subjects[text] = subject
    matched: set[str] = set()
    for path in sorted(templates.rglob("*")) if subjects else ():
        if path.is_file() and path.suffix in TEMPLATES and len(matched) < len(subjects):
            left = [subject for text, subject in subjects.items() if text not in matched]
            source = template_text(path)
            # a partial of rows or cells is included in a table: read in one too (review64)
            for text in (source, "<table>" + source) if _TABLE_PART.search(source) else (source,):
                found = scan_page(text, selectors=left)
                matched.update(t for t, hits in found.matches.items() if hits)
                matched.update(s.name for s in found.skipped if s.kind == "selector")
    out: list[Finding] = []
    for r in aimed:
        if r.rule.selector not in subjects or r.rule.selector in matched:
            continue
        lines, loc = places.get((r.file, r.id), ({}, ("rules",)))
        at = (*loc, "selector")
        said = RuleError(
            "",
            0,
            format_loc(at),
            f"no element in the templates ({templates}) matches the selector "
            f"{r.rule.selector!r} of rule {r.id!r}, so it shows on none of these pages",
            "check its spelling against the templates; each part's last element alone is "
            "looked for, as a template may get the elements around it from another",
        )
        line = line_of(lines, at) if lines else r.line
        out.append(Finding(r.file, line, "warning", str(said).split(": ", 1)[1]))
    return out


_TABLE_PART = re.compile(r"<(?:tr|td|th|tbody|thead|tfoot|caption|colgroup|col)[\s/>]", re.I)


def _subject(text: str) -> Selector | None:
    """``text``'s subjects alone (each part's last compound, without counts), named
    ``text``; None for a selector the loader refuses (said there)."""
    try:
        parsed = parse_selector(text)
    except SelectorError:
        return None
    alone = tuple(((replace(parts[-1], nth=()),), (False,)) for parts, _ in parsed.complexes)
    return Selector(text, alone)
