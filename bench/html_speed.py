"""Benchmark: the HTML scanner and splice (issue 10), with lexbor's parse speed beside it.

Pages: an ordinary ~100 KB page with a few slots (cards, nav, forms, scripts, a CSRF token),
a tag-dense page, and adversarial pages. Figures, all measured in this one run:

- scan + splice MB/s, cold (a page never seen) and per request (the same page again, as a
  new string each time), beside lexbor's parse alone (``LexborHTMLParser(page)``);
- a page that differs on every request (CSRF token and timestamp) ÷ an identical one;
- a selector-rule page ÷ a slot page (same page, two selector rules instead of slots).

    python bench/html_speed.py [--seconds 0.5]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "middleware"))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from omotenashi.engine.html import Edit, apply, parse_selector, scan, scan_page  # noqa: E402

CARD = (
    '<article class="card tour" data-id="{i}"><a href="/tours/{i}/" class="card-link">'
    '<img src="/media/images/tour-{i}.2e16d0ba.fill-480x320.jpg" alt="Tour {i}" loading=lazy '
    'width=480 height=320></a><div class="card-body"><h3 class="card-title"><a href="/tours/{i}/">'
    "Kyoto temples and tea, day {i}</a></h3><p class=card-text>Walk the quiet lanes of Higashiyama"
    " with a local guide, visit <b>three temples</b> and end the day at a <em>tea house</em>."
    '</p><ul class="tags"><li><a href="/tags/kyoto/">kyoto</a></li><li><a href="/tags/tea/">tea'
    '</a></li></ul><p class="price">from <strong>¥{i}9,000</strong></p></div></article>\n'
)
HEAD = (
    "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>Tours</title>"
    '<meta name="csrf-token" content="{token}"><link rel=stylesheet href="/static/site.css">'
    "<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}"
    "</script><noscript><img src='https://px.example/tr?id=1&amp;ev=PageView'></noscript>"
    '</head><body class="tours"><!-- nav --><header><nav><ul><li><a href=/>Home</a></li>'
    "<li><a href=/tours/>Tours</a></li></ul></nav></header><main>"
    '<section class="hero" data-omo-slot="hero"><h1 class=title>Autumn in Kyoto</h1></section>'
)
TAIL = (
    '<aside data-omo-slot="sidebar"><p>Ask us anything.</p></aside>'
    '<form method=post action=/cart/><input type=hidden name=csrfmiddlewaretoken value="{token}">'
    '<button data-omo-slot="cta" type=submit>Add to cart</button></form>'
    "<footer><p>Rendered {time}</p></footer></main></body></html>\n"
)
DENSE = "<span><b>a</b><i>b</i><a href=#>c</a></span>"


def ordinary(token: str = "t" * 64, stamp: str = "2026-12-01T10:00:00.000001") -> str:
    cards = "".join(CARD.format(i=i) for i in range(110))
    return HEAD.format(token=token) + cards + TAIL.format(token=token, time=stamp)


def dense() -> str:
    return HEAD.format(token="t" * 64) + DENSE * 2500 + TAIL.format(token="t" * 64, time="now")


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """Calls per second of fn(i): the 20th percentile of per-call times over about ``seconds``
    (robust on a shared machine, where other processes steal whole time slices)."""
    times: list[float] = []
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or n < 5:
        t0 = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - t0)
        n += 1
    times.sort()
    return 1 / times[len(times) // 5]


SLOT_RULES = {"hero": "<h1>Welcome back</h1>", "cta": "Book now", "sidebar": "<p>Hi</p>"}


def splice_slots(page: str) -> str:
    found = scan(page)
    return apply(
        page, [Edit(t, SLOT_RULES.get(t.name or ""), {"data-omo-rule": "r"}) for t in found.slots]
    )


SELECTORS = [parse_selector("section.hero > h1"), parse_selector("aside p")]


def splice_selectors(page: str) -> str:
    found = scan(page, selectors=SELECTORS)
    edits = [Edit(t, "x", {"data-omo-rule": "r"}) for ts in found.matches.values() for t in ts]
    return apply(page, edits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5)
    s = parser.parse_args().seconds
    page = ordinary()
    mb = len(page.encode()) / 1e6
    copies = [page.encode().decode() for _ in range(64)]  # a new string per request
    varying = [
        ordinary(secrets.token_hex(32), f"2026-12-01T10:00:{i % 60:02d}.{i:06d}") for i in range(64)
    ]
    splice_slots(page)
    splice_selectors(page)
    cold = rate(lambda i: apply(page, [Edit(t, "x") for t in scan_page(page).slots]), s)
    cold_sel = rate(lambda i: scan_page(page, selectors=SELECTORS), s)
    warm = rate(lambda i: splice_slots(copies[i % 64]), s)
    differ = rate(lambda i: splice_slots(varying[i % 64]), s)
    warm_sel = rate(lambda i: splice_selectors(copies[i % 64]), s)
    lexbor = rate(lambda i: LexborHTMLParser(page), s)
    dpage = dense()
    dmb = len(dpage.encode()) / 1e6
    dense_cold = rate(lambda i: scan_page(dpage), s)
    dense_lexbor = rate(lambda i: LexborHTMLParser(dpage), s)
    print(f"command: python bench/html_speed.py --seconds {s}")
    print(f"ordinary page: {mb * 1e3:.0f} KB, 3 slots")
    print(f"  lexbor parse alone             {lexbor * mb:8.1f} MB/s")
    print(f"  scan + splice, cold            {cold * mb:8.1f} MB/s")
    print(f"  scan (2 selectors), cold       {cold_sel * mb:8.1f} MB/s")
    print(f"  scan + splice, per request     {warm * mb:8.1f} MB/s  (same page, new string)")
    print(f"  ... page differing per request {differ * mb:8.1f} MB/s  (CSRF token + timestamp)")
    print(f"  selector rules, per request    {warm_sel * mb:8.1f} MB/s")
    print(f"tag-dense page: {dmb * 1e3:.0f} KB")
    print(f"  lexbor parse alone             {dense_lexbor * dmb:8.1f} MB/s")
    print(f"  scan, cold                     {dense_cold * dmb:8.1f} MB/s")
    print(f"ratio differing/identical page: {warm / differ:.2f}  (goal <= 2)")
    print(f"ratio selector/slot page:       {warm / warm_sel:.2f}  (goal <= 2)")
    print(f"ratio selector/slot page, cold: {cold / cold_sel:.2f}")


if __name__ == "__main__":
    main()
