# ruff: noqa: E501  (the page fixture keeps its real-world line lengths)
"""Byte-exact outside the targets on a realistic page, and the scan reused across requests."""

from __future__ import annotations

import pytest

from omotenashi.engine.html import Edit, apply, cache, parse_selector, scan

DJANGO_PAGE = """<!DOCTYPE html>
<html lang="en-gb" class=no-js>
<head>
  <meta charset=utf-8><meta name=csrf-token content="{token}">
  <title>Tours | Omotenashi Travel</title>
  <noscript><img height=1 width=1 style="display:none" src="https://px.example/tr?id=9&amp;ev=PageView"></noscript>
  <script>window.dataLayer=[];if(a<b&&c>d){{document.write("</div><div data-omo-slot=fake>")}}</script>
  <style>.hero>p{{color:red}} /* </style-not> */</style>
</head>
<body class="template-tour" data-page=tour>
<!-- wagtail userbar --><!--[if IE]><p>old</p><![endif]-->
<header><nav><ul><li><a href=/ class=active>Home</a><li><a href=/tours/>Tours</a></ul></nav></header>
<main id=content>
  <section class=hero data-omo-slot=hero><h1 class=title>Kyoto in autumn</h1><p>Maple season
  <p>Book now</section>
  <div class="block-paragraph"><p>Temples, <b>tea</b> and <i>gardens.</p><p>Generated at {time}</div>
  <template id=card><div class=card data-omo-slot=in-template>x</div></template>
  <form method=post action=/cart/><input type=hidden name=csrfmiddlewaretoken value="{token}">
    <button type=submit data-omo-slot=cta class=btn href=/>Add to cart</button></form>
  <table class=prices><tr><th>Date<th>Price<tr><td>1 Nov<td data-omo-slot=price>¥120,000</table>
</main>
<footer><p>&copy; 2026 <a href=/about/>About</a></footer>
<script src=/static/app.js defer></script>
</body>
</html>
"""


def page(token: str = "a" * 64, time: str = "2026-12-01T10:00:00") -> str:
    return DJANGO_PAGE.format(token=token, time=time)


REWRITES = {
    "hero": "<h1>Welcome back, Aiko</h1>",
    "cta": "Book your Kyoto tour",
    "price": "¥99,000",
}


def personalised(doc: str) -> str:
    found = scan(
        doc, selectors=[parse_selector("h1.title"), parse_selector("nav li:nth-child(2) > a")]
    )
    edits = [
        Edit(t, REWRITES[t.name], {"data-omo-rule": t.name})
        for t in found.slots
        if t.name in REWRITES
    ]
    edits += [
        Edit(t, attrs={"data-omo-rule": "sel"}) for t in found.matches["nav li:nth-child(2) > a"]
    ]
    return apply(doc, edits)


def expected(doc: str) -> str:
    out = doc.replace(
        "<section class=hero data-omo-slot=hero><h1 class=title>Kyoto in autumn</h1><p>Maple season\n  <p>Book now</section>",
        '<section class=hero data-omo-slot=hero data-omo-rule="hero"><h1>Welcome back, Aiko</h1></section>',
    )
    out = out.replace(
        "<button type=submit data-omo-slot=cta class=btn href=/>Add to cart</button>",
        '<button type=submit data-omo-slot=cta class=btn href=/ data-omo-rule="cta">Book your Kyoto tour</button>',
    )
    out = out.replace(
        "<td data-omo-slot=price>¥120,000</table>",
        '<td data-omo-slot=price data-omo-rule="price">¥99,000</table>',
    )
    return out.replace("<a href=/tours/>Tours</a>", '<a href=/tours/ data-omo-rule="sel">Tours</a>')


def test_only_the_targets_bytes_change_on_a_real_world_page() -> None:
    doc = page()
    found = scan(doc)
    assert [t.name for t in found.slots] == ["hero", "cta", "price"]  # not in script or template
    assert personalised(doc) == expected(doc)


@pytest.mark.parametrize(
    ("token", "time"),
    [("b" * 64, "2026-12-01T10:00:00"), ("Zx9" * 21 + "q", "2026-12-01T23:59:59")],
)
def test_a_page_that_differs_per_request_reuses_the_scan(token: str, time: str) -> None:
    selectors = [parse_selector("h1.title")]
    first = scan(page(), selectors=selectors)
    before = dict(cache.stats)
    again = scan(page(token, time), selectors=selectors)
    assert again is first and cache.stats["reused"] == before["reused"] + 1
    assert personalised(page(token, time)) == expected(page(token, time))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("data-omo-slot=hero", "data-omo-slot=herx"),
        ("class=hero", "class=herx"),
        ("<p>Book now", "<b>Book now"),
        ("Maple season", "Maple<season"),
        ("type=hidden", "type=hiddex"),
    ],
)
def test_a_change_that_may_matter_scans_again(old: str, new: str) -> None:
    first = scan(page(), selectors=[parse_selector(".hero")])
    changed = page().replace(old, new, 1)
    assert len(changed) == len(page())
    assert scan(changed, selectors=[parse_selector(".hero")]) is not first
    assert (
        scan(changed, selectors=[parse_selector(".hero")]).targets
        == scan(changed + " ", selectors=[parse_selector(".hero")]).targets
    )
