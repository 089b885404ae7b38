"""reco51: a recommendation's line on the preferences page ("Title: reason") is kept within
200 characters by cutting a long title, marked "…", not the reason after it: cut bare at 200,
"… Because you viewed Apple iPhone 15 Pro Max, 256 GB …" read "Because you viewed Apple
iPhone 15", an item the visitor never viewed. And a line's first letter is made a capital
only where that keeps the word: "iPhone case" stayed "IPhone case", "ßeta" became "SSeta"."""

from __future__ import annotations

import pytest

from omotenashi.engine.disclosure import sentence
from omotenashi.engine.limits import cut
from omotenashi.engine.recommending import MIN_TITLE, Recommender
from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.recommend.signals import Pick

VIEWED = "Apple iPhone 15 Pro Max, 256 GB, Natural Titanium, unlocked, with a two-year warranty"
CASE = (
    "Apple iPhone 15 Pro Max Silicone Case with MagSafe, Clay, designed for the iPhone 15 Pro "
    "Max and its camera, soft-touch finish, microfibre lining, fits snugly"
)


def recommender(*lines: tuple[str, str]) -> Recommender:
    items = [Item(id=f"i{n}", url=f"/i{n}", title=title) for n, (title, _) in enumerate(lines)]
    picks = [
        Pick(item=item, source="also_viewed", reason=reason, score=1.0)
        for item, (_, reason) in zip(items, lines, strict=True)
    ]
    return Recommender(Catalog(tuple(items)), lambda: None, picks={"r": picks})  # type: ignore[arg-type,return-value]


def test_a_long_title_is_cut_not_the_reason_after_it() -> None:
    reason = f"Because you viewed {VIEWED}"
    (line,) = recommender((CASE, reason)).reasons_within("r", 200)
    assert len(line) <= 200 and line.endswith(f"…: {reason}")
    assert line.startswith("Apple iPhone 15 Pro Max Silicone Case")


def test_a_reason_too_long_by_itself_is_cut_with_a_mark() -> None:
    reason = "Because you viewed " + ", ".join([VIEWED] * 3)
    (line,) = recommender(("Case", reason)).reasons_within("r", 200)
    assert len(line) == 200 and line.endswith("…")


def test_short_lines_are_as_before() -> None:
    assert recommender(("Kyoto", "Popular this week")).reasons_within("r", 200) == [
        "Kyoto: Popular this week"
    ]
    assert MIN_TITLE > 0 and cut("abc", 3) == "abc" and cut("abcd", 3) == "ab…"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("iPhone case: because you viewed a phone", "iPhone case: because you viewed a phone."),
        ("ßeta release: popular this week", "ßeta release: popular this week."),
        ("kyoto in autumn: popular", "Kyoto in autumn: popular."),
        ("éclair class: from our selection!", "Éclair class: from our selection!"),
        ("you viewed it", "You viewed it."),
    ],
    ids=["iphone", "sharp-s", "lower", "accent", "plain"],
)
def test_a_line_starts_with_a_capital_only_where_that_keeps_the_word(text: str, said: str) -> None:
    assert sentence(text) == said
