"""What the scanner remembers of element names is bounded: names come from the page, and a
page may hold names an outsider chose (an app echoing user HTML, a proxied origin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omotenashi.engine.html import scan, tree


@pytest.fixture(autouse=True)
def _memo_as_it_was() -> Iterator[None]:
    """Each test starts from, and leaves, the memo as the session had it."""
    kept = dict(tree._KINDS_CACHE)
    tree._KINDS_CACHE.clear()
    yield
    tree._KINDS_CACHE.clear()
    tree._KINDS_CACHE.update(kept)


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
    first = tree.kinds_of(tree.HTML, name)  # kept (an empty memo), unless the name is long
    kept = tree._KINDS_CACHE.get((tree.HTML, name))
    assert kept is None if len(name) > tree.KIND_NAME else kept == first
    tree._KINDS_CACHE.pop((tree.HTML, name), None)
    for index in range(tree.KINDS_KEPT):  # the memo full of other names
        tree.kinds_of(tree.HTML, f"x-full{index}")
    assert len(tree._KINDS_CACHE) == tree.KINDS_KEPT
    assert tree.kinds_of(tree.HTML, name) == first
    assert (tree.HTML, name) not in tree._KINDS_CACHE
