"""No "i" goes where no visitor could use it: inside an element with ``inert`` or
``aria-hidden="true"`` (html62: it was placed there, unopenable, unheard); the block is
explained by the page panel instead, as any block without its note. Nor inside an element
whose ``role`` makes it a control, an image or a heading (a11y68)."""

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
        # (a11y68) a control, image or heading by its role: a click on the "i" reached the
        # card's own handler, and the control's name took the "i"'s words
        ('<div role="link" tabindex="0" onclick="go()">{}</div>', False),
        ("<div role=button>{}</div>", False),
        ("<div role='TAB'>{}</div>", False),
        ('<div role="heading" aria-level="2">{}</div>', False),
        ('<div role="img" aria-label="a map">{}</div>', False),
        ('<div role="switch link">{}</div>', False),
        ('<div role="region" aria-label="deals">{}</div>', True),
        ('<div role="presentation">{}</div>', True),
        ('<div data-role="button">{}</div>', True),
        # (eye68) past the scanner's first look: 40 spaces around "=", a control role named
        # after 80 characters of other words (the "i" went inside)
        ("<div role" + " " * 40 + "=" + " " * 40 + '"link">{}</div>', False),
        ('<div role="' + "region " * 12 + 'link">{}</div>', False),
        ("<div role=" + "x" * 90 + ">{}</div>", True),
        ('<div role="' + "region " * 12 + '">{}</div>', True),
    ],
)
def test_no_note_goes_where_it_could_not_be_used(tmp_path: Path, around: str, note: bool) -> None:
    page = "<!doctype html><body>" + around.format("<div data-omo-slot=x>old</div>") + "</body>"
    out = personalise(page, _rules(tmp_path), FACTS, {}, disclosure=ON)
    assert [d.id for d in out.applied] == ["r"]
    assert ('class="omo-i"' in out.html) is note
    assert ('class="omo-why-page"' in out.html) is not note  # explained there instead


def test_a_block_that_is_a_control_by_its_role_has_its_note_after_it(tmp_path: Path) -> None:
    """a11y68: the "i" went inside a slot with role="button", a nested control (axe:
    nested-interactive), its words part of the button's name."""
    page = '<!doctype html><body><div data-omo-slot=x role="button">old</div></body>'
    out = personalise(page, _rules(tmp_path), FACTS, {}, disclosure=ON)
    assert [d.id for d in out.applied] == ["r"]
    block, after = out.html.split("</div>", 1)
    assert 'class="omo-i"' not in block and 'class="omo-i"' in after, out.html


@pytest.mark.parametrize(
    "page",
    [
        '<ul role="menu"><li data-omo-slot=x role="menuitem">old</li></ul>',
        '<div role="tablist"><div data-omo-slot=x role="tab">old</div></div>',
        '<ul><li data-omo-slot=x role="option">old</li></ul>',
        '<div role="radiogroup"><span data-omo-slot=x role="radio">old</span></div>',  # last69
    ],
)
def test_an_item_of_a_widget_has_no_note_among_its_items(tmp_path: Path, page: str) -> None:
    """review68: its "i" went after it, a <details> among a menu's items (axe's
    aria-required-children); the page's panel explains it instead."""
    out = personalise(
        f"<!doctype html><body>{page}</body>", _rules(tmp_path), FACTS, {}, disclosure=ON
    )
    assert [d.id for d in out.applied] == ["r"]
    assert 'class="omo-i"' not in out.html and 'class="omo-why-page"' in out.html


@pytest.mark.parametrize(
    ("other", "inside"),
    [
        ('<button aria-labelledby="promo">Buy</button>', False),
        ("<button aria-describedby='help promo'>Buy</button>", False),
        ("<input ARIA-LABELLEDBY=promo>", False),
        ('<button aria-labelledBy="promo">Buy</button>', False),
        ('<button Aria-DescribedBY="promo">Buy</button>', False),  # (eye69: any case mix)
        ('<button aria-labelledby="&#112;romo">Buy</button>', False),
        ('<button aria-labelledby="Promo">Buy</button>', True),  # (ids are case-sensitive)
        ('<button aria-label="promo">Buy</button>', True),
        ('<p>aria-labelledby="promo" in prose</p>', True),
        ("", True),
    ],
)
def test_a_block_whose_text_names_another_element_has_its_note_after_it(
    tmp_path: Path, other: str, inside: bool
) -> None:
    """a11y68 P3: an element named or described by a block's text (``aria-labelledby``,
    ``aria-describedby`` naming its id, before or after it) took the "i"'s words into its name;
    the "i" goes after the block then."""
    for page in (
        f'{other}<div id="promo" data-omo-slot=x>old</div>',
        f'<div id="promo" data-omo-slot=x>old</div>{other}',
    ):
        out = personalise(
            f"<!doctype html><body>{page}</body>", _rules(tmp_path), FACTS, {}, disclosure=ON
        )
        assert [d.id for d in out.applied] == ["r"]
        block = out.html.split('id="promo"', 1)[1].split("</div>", 1)[0]
        assert ('class="omo-i"' in block) is inside, out.html
        assert 'class="omo-i"' in out.html  # (after it otherwise)


@pytest.mark.parametrize("turkish", ["", "İ"])
def test_the_ids_named_are_read_once_each_in_any_page(turkish: str) -> None:
    """last69: every name inside a value read before re-read up to 1,000 characters (60 times
    the page for prose of them); a page with a "İ" (lowered longer) was copied letter by
    letter. Names inside a value read are not names; any case counts."""
    from omotenashi.engine.html.roles import named_ids

    head = f'{turkish}<b ARIA-labelledBY="a b">x</b><p aria-describedby=c>'
    page = head + "/aria-labelledby=" * 500
    named = named_ids(page)
    assert {"a", "b", "c"} <= named and len(named) <= 3 + len(page) // 1000  # (none re-read)


@pytest.mark.parametrize(
    "item",
    [
        '<div role="list"><div data-omo-slot=x role="listitem">old</div><div>b</div></div>',
        '<div role="grid"><div data-omo-slot=x role="row">old</div></div>',
        '<div role="row"><div data-omo-slot=x role="gridcell">old</div></div>',
    ],
)
def test_nothing_goes_after_an_item_of_a_list_or_a_grid(tmp_path: Path, item: str) -> None:
    """last69: an "i" went after `role="listitem"`, `row`, `gridcell`, among the items; it may
    end the item's own content, as in an `<li>`."""
    out = personalise(
        f"<!doctype html><body>{item}</body>", _rules(tmp_path), FACTS, {}, disclosure=ON
    )
    assert [d.id for d in out.applied] == ["r"]
    assert '</div><details class="omo-i"' not in out.html, out.html
