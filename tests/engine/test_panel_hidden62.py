"""The page panel ("Why this page looks this way") goes before ``</body>`` only where it would
be seen: never inside an element with ``hidden`` the page leaves open there (html62: a cookie
banner's ``<div hidden>`` left open held it, unseen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.personalise import personalise

from .test_note_places import FACTS, _rules

PANEL = Disclosure(enabled=True, panel=True, csrf="tok", path="/p")
SLOT = "<!doctype html><body><div data-omo-slot=x>old</div>"


@pytest.mark.parametrize(
    ("end", "panel"),
    [
        ("<div hidden>cookie settings</body></html>", False),
        ("<div hidden><p>cookie <b>settings</body></html>", False),
        ("<section hidden><div>cookie settings</body></html>", False),
        ("<div hidden>cookie settings</div></body></html>", True),
        ("<div>cookie settings</body></html>", True),
        ("<p>last</body></html>", True),
        # (final63b: an element a visitor cannot use or hear, left open: the panel was put there)
        ("<div inert>cookie settings</body></html>", False),
        ('<div aria-hidden="true"><p>cookie settings</body></html>', False),
        ('<div aria-hidden="false">cookie settings</body></html>', True),
        ("<div inert>cookie settings</div></body></html>", True),
        ("<h2>last</body></html>", False),
        # (last63d: a formatting element waiting to be re-opened wraps what comes at the end)
        ("<p><b inert>x</p>y</body></html>", False),
        ('<p><b aria-hidden="true">x</p></body></html>', False),
        ("<p><b hidden>x</p></body></html>", False),
        ("<p><b>x</p></body></html>", True),
    ],
)
def test_the_page_panel_is_never_placed_inside_a_hidden_element(
    tmp_path: Path, end: str, panel: bool
) -> None:
    page = SLOT + end
    out = personalise(page, _rules(tmp_path), FACTS, {}, disclosure=PANEL)
    assert [d.id for d in out.applied] == ["r"]
    assert ('class="omo-why-page"' in out.html) is panel
