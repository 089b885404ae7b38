"""No "i" goes where no visitor could use it: inside an element with ``inert`` or
``aria-hidden="true"`` (html62: it was placed there, unopenable, unheard); the block is
explained by the page panel instead, as any block without its note."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.personalise import personalise

from .test_note_places import FACTS, ON, _rules


@pytest.mark.parametrize(
    ("around", "note"),
    [
        ("<div inert>{}</div>", False),
        ("<div INERT=''>{}</div>", False),
        ('<div aria-hidden="true">{}</div>', False),
        ("<section aria-hidden=TRUE><div>{}</div></section>", False),
        ('<div aria-hidden="false">{}</div>', True),
        ("<div data-inert>{}</div>", True),
        ("<div class=inert>{}</div>", True),
        ("<div>{}</div>", True),
    ],
)
def test_no_note_goes_where_it_could_not_be_used(tmp_path: Path, around: str, note: bool) -> None:
    page = "<!doctype html><body>" + around.format("<div data-omo-slot=x>old</div>") + "</body>"
    out = personalise(page, _rules(tmp_path), FACTS, {}, disclosure=ON)
    assert [d.id for d in out.applied] == ["r"]
    assert ('class="omo-i"' in out.html) is note
    assert ('class="omo-why-page"' in out.html) is not note  # explained there instead
