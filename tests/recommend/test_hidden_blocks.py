"""A block inside an element a ``hide`` rule hides is in the page but never seen: it is not
counted as shown (not among the blocks applied, so not in the response's rule list, the record
of what was shown, the caps or the why panel), and what it links to or lists leaves nothing
out of another recommendation (``exclude: on_page``). The splice's rule that a block inside
content another block replaces is not shown did not cover it: a hidden element keeps its
content."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.engine.html import scan
from omotenashi.engine.html.splice import apply_edits, new_edit, visible_of

from ..conftest import client_for, page_app
from .test_on_page import CATALOG, FEATURE, PAGE, RECS, SNIPPETS, _picks_of, _slot

pytestmark = pytest.mark.anyio
HIDE = "  - {id: hide-it, slot: wrap, hide: true, why: Not this week.}\n"
RULES = (
    "rules:\n"
    + HIDE
    + FEATURE
    + RECS.format(id="recs", slot="also-like", items=2, exclude="")
    + RECS.format(id="more", slot="more", items=2, exclude="")
)


def _wrapped(section: str) -> str:
    """The page with the section ``section`` inside a ``<div data-omo-slot="wrap">``."""
    found = re.search(f'<section data-omo-slot="{section}">.*?</section>', PAGE)
    assert found is not None
    return PAGE.replace(found[0], f'<div data-omo-slot="wrap">{found[0]}</div>')


@pytest.mark.parametrize(
    ("hidden", "rules", "applied", "recs", "more"),
    [  # (the catalogue in its order: kyoto-autumn, tokyo-lights, bali-retreat, paris-art ...)
        (  # the first list is hidden: its picks are not on the page for the second
            "also-like",
            RULES,
            ["hide-it", "feature", "more"],
            ["tokyo-lights", "bali-retreat"],
            ["tokyo-lights", "bali-retreat"],
        ),
        (  # the editors' block is hidden: nobody sees its Kyoto link
            "feature",
            RULES,
            ["hide-it", "recs", "more"],
            ["kyoto-autumn", "tokyo-lights"],
            ["bali-retreat", "paris-art"],
        ),
        (  # the hide rule decided last (its edit comes after the list's)
            "also-like",
            RULES.replace(HIDE, "") + HIDE,
            ["hide-it", "feature", "more"],
            ["tokyo-lights", "bali-retreat"],
            ["tokyo-lights", "bali-retreat"],
        ),
        (  # nothing hidden: as before
            "feature",
            RULES.replace(HIDE, ""),
            ["feature", "recs", "more"],
            ["tokyo-lights", "bali-retreat"],
            ["paris-art", "lapland"],
        ),
    ],
    ids=["list-hidden", "link-hidden", "hidden-by-a-later-rule", "none-hidden"],
)
def test_a_block_inside_a_hidden_element_is_not_shown(
    tmp_path: Path, hidden: str, rules: str, applied: list[str], recs: list[str], more: list[str]
) -> None:
    (out,) = _picks_of(tmp_path, _wrapped(hidden), rules)
    assert sorted(d.id for d in out.applied) == sorted(applied), out.html
    assert (_slot(out.html, "also-like"), _slot(out.html, "more")) == (recs, more), out.html


def test_an_element_set_hidden_by_attrs_hides_what_is_inside_it_too(tmp_path: Path) -> None:
    rules = RULES.replace(HIDE, '  - {id: hide-it, slot: wrap, attrs: {hidden: ""}, why: No.}\n')
    (out,) = _picks_of(tmp_path, _wrapped("also-like"), rules)
    assert sorted(d.id for d in out.applied) == ["feature", "hide-it", "more"], out.html


async def test_a_hidden_block_is_neither_listed_nor_recorded_as_shown(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    """Through the whole stack: the response's rule list, the panel and the profile's
    record of what the visitor was shown leave out the list inside the hidden element."""
    settings = make_settings(
        RULES, {**SNIPPETS, "feature.html": "<p>Our pick</p>"}, respect={"page_panel": True}
    )
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    site = Omotenashi(page_app(_wrapped("also-like")), settings=settings)
    async with client_for(site) as client:
        page = await client.get("/")
        await site.drain()
        vid = site.signer.identify(page.headers["set-cookie"].split(";")[0]).vid
        profile = await site.store.load(vid)
    assert page.headers["x-omotenashi-rules"].split(",") == ["hide-it", "feature", "more"]
    panel = page.text[page.text.index('data-omo-rule="more"') :]
    assert "Tours we suggest" in panel and panel.count("Tours we suggest") == 1, panel
    assert set(profile.shown) == {"hide-it", "feature", "more"}


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_what_is_seen_does_not_depend_on_the_order_the_edits_come_in(
    order: tuple[int, int, int],
) -> None:
    """The page's blocks are made in the order of the decisions, not the page's: an edit inside
    the hidden element may come before the one that hides it (apply_edits gives the applied
    ones by index)."""
    page = '<div data-omo-slot="w"><p data-omo-slot="in"></p></div><p data-omo-slot="out"></p>'
    targets = {t.name: t for t in scan(page, slot_attribute="data-omo-slot").slots}
    made = {
        "w": new_edit(targets["w"], None, {"hidden": "hidden"}),
        "in": new_edit(targets["in"], "x", {}),
        "out": new_edit(targets["out"], "y", {}),
    }
    names = [("w", "in", "out")[k] for k in order]
    edits = [made[name] for name in names]
    done = apply_edits(page, edits)[1]
    assert [names[k] for k in visible_of(edits, done)] == ["w", "out"]
