"""A referrer glob written with an international host (``*bücher.de*``, as editors read it)
matches the punycode host browsers send (``xn--bcher-kva.de``), for the page's referrer and the
first visit's; a punycode glob still matches, and nothing else starts to."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Facts
from omotenashi.rules.model import When

from ..test_conditions import BASE

BUECHER = "https://www.xn--bcher-kva.de/angebote?x=1"


@pytest.mark.parametrize(
    ("glob", "referrer", "expected"),
    [
        ("*bücher.de*", BUECHER, True),
        ("*://www.bücher.de/angebote*", BUECHER, True),
        ("*xn--bcher-kva.de*", BUECHER, True),  # as sent, still
        ("*bücher.de*", "https://bucher.de/", False),
        ("*bücher.de*", "https://example.com/?next=xn--bcher-kva.de", False),  # not its host
        ("*bücher.de*", "https://user@xn--bcher-kva.de:8443/", True),
        ("*.de*", "https://xn--zz.de/", True),  # not punycode at all: as it is
        ("*日本.jp*", "https://xn--wgv71a.jp/", True),
    ],
)
@pytest.mark.parametrize("field", ["referrer", "first_referrer"])
def test_a_referrer_glob_matches_an_international_host(
    field: str, glob: str, referrer: str, expected: bool
) -> None:
    facts: Facts = (
        replace(BASE, referrer=referrer)
        if field == "referrer"
        else replace(BASE, referrer="", first_touch={"referrer": referrer})
    )
    when: dict[str, Any] = {field: [glob]}
    assert all_hold(compile_when(When.model_validate(when), "UTC"), facts) is expected
