"""What the scanner remembers of element names is bounded: names come from the page, and a
page may hold names an outsider chose (an app echoing user HTML, a proxied origin)."""

from __future__ import annotations

import pytest

from omotenashi.engine.html import scan, tree


def _page(name: str) -> str:
    return f'<html><body><{name}>hi</{name}><div data-omo-slot="hero">d</div></body></html>'


def test_distinct_element_names_do_not_grow_the_kinds_kept() -> None:
    for index in range(tree.KINDS_KEPT + 500):
        scan(_page(f"x-c{index}"))
    assert len(tree._KINDS_CACHE) <= tree.KINDS_KEPT


def test_a_long_element_name_is_not_kept() -> None:
    name = "x-" + "a" * 5000
    scan(_page(name))
    assert not [key for key in tree._KINDS_CACHE if len(key[1]) > tree.KIND_NAME]


@pytest.mark.parametrize("name", ["div", "li", "td", "option", "x-card", "x-" + "b" * 100])
def test_a_name_kept_or_not_has_the_same_kinds(name: str) -> None:
    """Past the bound a name's kinds are worked out each time: the same as when kept."""
    first = tree.kinds_of(tree.HTML, name)
    kept = dict(tree._KINDS_CACHE)
    tree._KINDS_CACHE.clear()
    try:
        assert tree.kinds_of(tree.HTML, name) == first
    finally:
        tree._KINDS_CACHE.update(kept)
