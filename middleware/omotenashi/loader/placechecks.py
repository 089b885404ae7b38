"""``omotenashi check --templates``: each rule's content against the place the site's templates
give its slot. What a page has open around a slot (a ``<p>``, a link, a list item ...) decides
what may go in it (engine/html/context.py); content a browser would build otherwise there is
left out on every page (the slot keeps its default), so an editor hears of it before the site
does.

Each template is read as HTML on its own, its Jinja tags as text: a slot inside a block that a
base template wraps in a ``<p>`` is not seen in that ``<p>`` (no warning rather than a wrong
one). A snippet that depends on the visitor is checked with the sample visitor's output.
"""

from __future__ import annotations

import html
from pathlib import Path

from omotenashi.engine.html.context import REOPENS, surroundings
from omotenashi.engine.html.fragment import broken
from omotenashi.engine.html.scanner import scan_page
from omotenashi.engine.render import render
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.engine.sandbox import sample_render
from omotenashi.errors import OmotenashiError
from omotenashi.loader.filechecks import template_text
from omotenashi.loader.findings import Finding
from omotenashi.loader.fingerprint import TEMPLATES
from omotenashi.loader.snippets import SAMPLE_VISITOR

Place = tuple[str, str, int]  # the template's name, the slot element's tag, context.py's bits


def slot_places(templates: Path, attribute: str) -> dict[str, Place]:
    """The first place each slot has in the templates (sorted by path)."""
    places: dict[str, Place] = {}
    for path in sorted(templates.rglob("*")):
        if not (path.is_file() and path.suffix in TEMPLATES):
            continue
        found = scan_page(template_text(path), slot_attribute=attribute)
        for slot in found.slots:
            if slot.name is not None and not slot.void and slot.name not in places:
                places[slot.name] = (path.relative_to(templates).as_posix(), slot.tag, slot.context)
    return places


def misplaced(rules: list[CompiledRule], places: dict[str, Place]) -> list[Finding]:
    """A warning at each rule whose content the place of its slot would not keep."""
    out: list[Finding] = []
    for r in rules:
        place = places.get(r.rule.slot or "")
        if place is None or not r.fills or r.rule.recommend is not None:
            continue
        name, tag, bits = place
        if r.rule.text is not None and not bits & REOPENS:
            continue  # text: only a formatting element waiting there refuses it (and table
            # parts, which check warns of with the void slots)
        output = _output(r)
        if output is None:
            continue
        wrong = broken(output, tag, bits)
        if wrong is not None:
            said = (
                f"rule {r.id!r} puts content into the slot {r.rule.slot!r}, which {name} puts on "
                f"a <{tag}>{surroundings(tag, bits)}; its content {wrong.reason}, so the slot "
                "keeps its default there"
            )
            out.append(Finding(r.file, r.line, "warning", said))
    return out


def _output(rule: CompiledRule) -> str | None:
    """The rule's content: its text, its snippet's output (for the sample visitor when it
    depends on the visitor); None when it cannot be had here."""
    if rule.rule.text is not None:
        return html.escape(rule.rule.text)  # (as the page gets it)
    if rule.static is not None:
        return rule.static
    if rule.template is None:
        return None
    try:
        with sample_render():
            return render(rule.template, rule.rule.with_, SAMPLE_VISITOR)
    except OmotenashiError:  # (the load has said what fails for the sample visitor)
        return None
