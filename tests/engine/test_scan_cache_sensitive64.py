"""A scan is reused for a page of the same length only where what differs cannot change it
(html/cache.py): a ``style`` (whether a block is seen: html64 P2, a "display:none" page's scan
was reused for a "display:flex" one, and its block's exposure counted or not by which page the
process saw first), ``hidden``, ``inert``, ``aria-hidden`` and ``shadowrootmode`` values do."""

from __future__ import annotations

import pytest

from omotenashi.engine.html import cache
from omotenashi.engine.html.scanner import scan_page
from omotenashi.engine.html.selectors import parse_selector

SELECTORS = (parse_selector("product-card > :first-child"),)


def page(attr: str, value: str) -> str:
    """The page with ``attr="value"`` on the slot's section, or (``attr`` "-") the card's
    template in that mode."""
    around = f' {attr}="{value}"' if attr != "-" else ""
    mode = value if attr == "-" else "open"
    return (
        "<!doctype html><html><body><main>"
        f'<section{around}><div data-omo-slot="promo">Default</div></section>'
        f'<product-card><template shadowrootmode="{mode}"><slot></slot></template>'
        "<h3>Kyoto</h3></product-card></main></body></html>"
    )


@pytest.mark.parametrize(
    ("attr", "one", "two"),
    [
        ("style", "display:none", "display:flex"),
        ("style", "display:flex", "display:none"),
        ("inert", "x", "y"),  # (an inert block: no "i" there; same either way: sensitive)
        ("aria-hidden", "true", "none"),
        ("-", "open", "nope"),  # a shadow root, or an ordinary template
    ],
)
def test_a_scan_is_not_reused_where_a_value_that_changes_it_differs(
    monkeypatch: pytest.MonkeyPatch, attr: str, one: str, two: str
) -> None:
    monkeypatch.setattr(cache, "_refs", type(cache._refs)())
    first, second = page(attr, one), page(attr, two)
    assert len(first) == len(second)
    cache.scan(first, selectors=SELECTORS)  # the process saw this one first
    got = cache.scan(second, selectors=SELECTORS)
    fresh = scan_page(second, selectors=SELECTORS)
    assert [(t.start, t.hidden) for t in got.slots] == [(t.start, t.hidden) for t in fresh.slots]
    assert {k: [t.start for t in v] for k, v in got.matches.items()} == {
        k: [t.start for t in v] for k, v in fresh.matches.items()
    }


def test_a_scan_is_not_reused_where_a_formatting_elements_value_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (html64: the fourth alike <b> drops the first from what the parser re-opens: whether the
    # values agree decides which elements the selector matches, any attribute's)
    monkeypatch.setattr(cache, "_refs", type(cache._refs)())
    page = (
        "<!DOCTYPE html><body><p><b title=a><b title=a><b title=a><b title={}>x</p>"
        "<p>y<span>S</span></p></body>"
    )
    selectors = (parse_selector("p > b > b > b > span"),)
    cache.scan(page.format("a"), selectors=selectors)
    got = cache.scan(page.format("z"), selectors=selectors)
    fresh = scan_page(page.format("z"), selectors=selectors)
    assert {k: len(v) for k, v in got.matches.items()} == {
        k: len(v) for k, v in fresh.matches.items()
    }


@pytest.mark.parametrize(
    ("attr", "one", "two"),
    [
        ("style", "width:10%", "width:90%"),  # (a progress bar's, page by page: review64)
        ("style", "display:flex;color:red", "display:flex;color:tan"),
        ("hidden", "a", "b"),
        ("aria-hidden", "no", "na"),
        ("-", "open", "OPEN"),
    ],
)
def test_a_scan_is_reused_where_such_a_value_means_the_same(
    monkeypatch: pytest.MonkeyPatch, attr: str, one: str, two: str
) -> None:
    monkeypatch.setattr(cache, "_refs", type(cache._refs)())
    monkeypatch.setattr(cache, "stats", {"scans": 0, "reused": 0})
    first, second = page(attr, one), page(attr, two)
    cache.scan(first, selectors=SELECTORS)
    cache.scan(second, selectors=SELECTORS)
    assert cache.stats == {"scans": 1, "reused": 1}


@pytest.mark.parametrize(
    "page",
    [
        '<my-card><template shadowrootmode=open><slot name="a"></slot></template>'
        '<div slot="{}"><p data-omo-slot="promo">Default</p></div></my-card>',
        '<my-card><template shadowrootmode=open><slot name="{}"></slot></template>'
        '<div slot="a"><p data-omo-slot="promo">Default</p></div></my-card>',
        # (manual: what a script assigns is not known)
        '<my-card><template shadowrootmode=open shadowrootslotassignment="{}nual">'
        '</template><div><p data-omo-slot="promo">Default</p></div></my-card>',
    ],
)
def test_a_scan_is_not_reused_where_a_shadow_roots_slots_take_other_children(
    monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    """Whether a shadow host's child is shown (a ``<slot>`` of its root takes it) is read
    from ``slot`` and ``name`` values: a page whose block shows does not lend its scan to one
    whose block never does, nor the other way (review64 P3)."""
    shown, unseen = (
        f"<!doctype html><body>{page.format(v)}</body>"
        for v in (("a", "b") if "nual" not in page else ("ma", "xx"))
    )
    assert not scan_page(shown).slots[0].hidden and scan_page(unseen).slots[0].hidden
    for first, then in ((shown, unseen), (unseen, shown)):
        monkeypatch.setattr(cache, "_refs", type(cache._refs)())
        cache.scan(first)  # the process saw this one first
        assert cache.scan(then).slots[0].hidden == (then is unseen)


def test_a_name_value_keeps_the_scan_on_a_page_without_a_shadow_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """review65: making ``name`` count everywhere rescanned every page whose form token is a
    ``name`` (50 of 50 pages, 17 ms each); it counts only on a page with a shadow root."""
    monkeypatch.setattr(cache, "_refs", type(cache._refs)())
    monkeypatch.setattr(cache, "stats", {"scans": 0, "reused": 0})
    page = (
        '<!doctype html><body><div data-omo-slot="promo">Default</div>'
        '<form><input type="hidden" name="{}" value="1"></form></body>'
    )
    for token in ("a" * 32, "b" * 32, "c" * 32):
        cache.scan(page.format(token))
    assert cache.stats == {"scans": 1, "reused": 2}
