from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Facts, parse_languages
from omotenashi.identity.device import parse_device
from omotenashi.rules.model import When

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
# Saturday 2026-11-21 10:30 UTC = 19:30 in Tokyo
SATURDAY = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)

BASE = Facts(
    stage="interest",
    segments=frozenset({"family"}),
    attrs={"plan": "gold", "age": 41},
    interests={"hawaii": 3.0, "kyoto": 1.0},
    visits=4,
    is_new=False,
    device=parse_device(DESKTOP),
    path="/tours/hawaii-family",
    query={"utm_campaign": "winter-sale"},
    referrer="https://www.google.com/search?q=hawaii",
    languages=parse_languages("ja-JP,ja;q=0.9,en;q=0.5"),
    country="JP",
    now=SATURDAY,
)


def holds(when: dict[str, Any], facts: Facts = BASE) -> bool:
    return all_hold(compile_when(When.model_validate(when), "UTC"), facts)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({}, True),
        ({"stage": "interest"}, True),
        ({"stage": ["awareness", "consideration"]}, False),
        ({"segment": "family"}, True),
        ({"segment": ["couple"]}, False),
        ({"attr": {"plan": "gold"}}, True),
        ({"attr": {"plan": "GOLD"}}, True),
        ({"attr": {"plan": {"ne": "gold"}}}, False),
        ({"attr": {"age": {"at_least": 40, "lt": 50}}}, True),
        ({"attr": {"age": {"gt": 41}}}, False),
        ({"attr": {"missing": {"exists": False}}}, True),
        ({"attr": {"plan": {"in": ["silver", "gold"]}}}, True),
        ({"interest": {"hawaii": {"at_least": 3}}}, True),
        ({"interest": {"kyoto": {"at_least": 2}}}, False),
        ({"interest": {"lapland": {"at_most": 0}}}, True),
        ({"visits": {"at_least": 2}}, True),
        ({"visits": 1}, False),
        ({"new": True}, False),
        ({"returning": True}, True),
        ({"device": "desktop"}, True),
        ({"device": ["mobile", "tablet"]}, False),
        ({"browser": "chrome"}, True),
        ({"os": "Linux"}, True),
        ({"path": "/tours/*"}, True),
        ({"path": ["/", "/cart"]}, False),
        ({"query": {"utm_campaign": "winter-sale"}}, True),
        ({"query": {"utm_source": {"exists": True}}}, False),
        ({"referrer": "*google.*"}, True),
        ({"language": "ja"}, True),
        ({"language": "en-GB"}, False),
        ({"country": ["jp", "kr"]}, True),
        ({"time": "10:00-11:00"}, True),
        ({"time": "18:00-23:00", "timezone": "Asia/Tokyo"}, True),
        ({"time": "22:00-06:00"}, False),
        ({"weekday": ["sat", "sun"]}, True),
        ({"weekday": "Friday"}, False),
        ({"any": [{"stage": "loyalty"}, {"segment": "family"}]}, True),
        ({"any": [{"stage": "loyalty"}, {"segment": "couple"}]}, False),
        ({"all": [{"stage": "interest"}, {"device": "desktop"}]}, True),
        ({"not": {"device": "mobile"}}, True),
        ({"not": {"stage": "interest"}}, False),
    ],
)
def test_condition_table(when: dict[str, Any], expected: bool) -> None:
    assert holds(when) is expected


def test_overnight_window_wraps_midnight() -> None:
    late = Facts(now=datetime(2026, 11, 21, 23, 30, tzinfo=UTC))
    early = Facts(now=datetime(2026, 11, 21, 5, 59, tzinfo=UTC))
    noon = Facts(now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    window = {"time": "22:00-06:00"}
    assert holds(window, late) and holds(window, early) and not holds(window, noon)


def test_device_facts_come_from_the_user_agent() -> None:
    phone = parse_device(IPHONE)
    assert (phone.kind, phone.os) == ("mobile", "iOS")
    assert parse_device(IPHONE) is phone  # parsed once per distinct user agent


def test_languages_are_ordered_by_quality() -> None:
    assert parse_languages("en;q=0.5, fr-CA, de;q=0") == ("fr-ca", "en")


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("ja-" + "x" * 1000 + ", en", ("en",)),  # a "tag" of a kilobyte: not one
        ("zh-Hant-TW, de-CH-1996;q=0.5", ("zh-hant-tw", "de-ch-1996")),
        ("<b>hi</b>, fr", ("fr",)),  # markup: not a tag
        ("en_US, fr;q=0.5", ("en-us", "fr")),  # a locale's underscore: the tag it means
        ("*, -en, en-, en--us, i-klingon", ("i-klingon",)),
        ("a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t, sgn-be-fr", ("sgn-be-fr",)),  # over 35
    ],
)
def test_only_language_tags_are_kept_from_accept_language(
    header: str, tags: tuple[str, ...]
) -> None:
    """What a reason may quote to the visitor (and keep with their profile) is a tag."""
    assert parse_languages(header) == tags
