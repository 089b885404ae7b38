"""The engine's inputs made in fewer steps on every request are what the plain steps make:
the facts built from one dict (quick.py ``quick_dict``), the interests decayed once per time
and rounded once per value, the profile as it arrives (every container its own copy), headers
read by name whatever their case."""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.change import Change, apply
from omotenashi.engine.charset import encode
from omotenashi.engine.facts import (
    _PLAIN_PATH,
    URL_PATH_SAFE,
    Facts,
    RequestInfo,
    evolve,
)
from omotenashi.engine.headers import get
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import Visit, page_tags, understand
from omotenashi.errors import PageRefused
from omotenashi.quick import quick_dict
from omotenashi.rules.text import nfc

from .test_quick_builds import FACTS, same_record


def every_field(values: dict[str, Any]) -> dict[str, Any]:
    named: dict[str, Any] = vars(Facts(**values))
    return {**named, **values}


EVERY_FACT = FACTS.map(every_field)
NOW = 1_800_000_000.0
DAY = 86400.0


@given(EVERY_FACT)
def test_facts_built_from_one_dict_are_the_facts_init_builds(values: dict[str, Any]) -> None:
    assert values.keys() == {f.name for f in dataclasses.fields(Facts)}
    plain = Facts(**values)
    same_record(quick_dict(Facts, dict(values)), plain)
    same_record(
        evolve(quick_dict(Facts, dict(values)), stage="x"), dataclasses.replace(plain, stage="x")
    )


def test_evolve_refuses_a_field_facts_do_not_have() -> None:
    with pytest.raises(TypeError, match="Facts has no field 'mood'"):
        evolve(Facts(), mood="happy", stage="x")


PROFILE = Profile(
    visits=2,
    views=5,
    first_seen=NOW - 9 * DAY,
    last_seen=NOW - 3 * DAY,
    visit_start=NOW - 3 * DAY,
    stage="interest",
    segments=frozenset({"vip"}),
    attrs={"first_name": "Aiko"},
    interests={"kyoto": (2.0, NOW - 3 * DAY), "japan": (1.0, NOW - 3 * DAY)},
    shown={"hero-1": 2},
    events={"view_item": 1},
    cart={"kyoto-autumn": 1},
    cart_at=NOW - 3 * DAY,
    viewed={"kyoto-autumn": NOW - 3 * DAY},
    first_touch={"utm_source": "mail"},
    caps={"hero-1": ("d1", 1)},
)


@pytest.mark.parametrize("events", [(), (("add_to_cart", {"item": "lapland"}),)])
def test_understand_builds_every_fact(events: tuple[tuple[str, dict[str, Any]], ...]) -> None:
    visit = Visit("v1", PROFILE, NOW, events=events)
    change = Change(now=NOW, view=True)
    for name, data in events:
        change.add_event(name, data)
    after, facts = understand(visit, change, Journey())
    assert vars(facts).keys() == {f.name for f in dataclasses.fields(Facts)}
    same_record(facts, Facts(**vars(facts)))
    assert (facts.interests, facts.cart_items) == ({"kyoto": 1.9, "japan": 0.9}, len(events) + 1)
    assert (after.last_seen, facts.viewed) == (NOW, frozenset({"kyoto-autumn"}))


@pytest.mark.parametrize(
    "change",
    [Change(now=NOW), Change(now=NOW - DAY, new_visit=True), Change(now=NOW - 5 * DAY)],
)
def test_the_profile_as_it_arrives_is_a_copy_that_shares_no_container(change: Change) -> None:
    kept = copy.deepcopy(PROFILE)
    after = apply(PROFILE, change, 30 * DAY, page=False)
    assert PROFILE == kept  # the profile read is left as it was
    assert after.last_seen == max(PROFILE.last_seen or 0.0, change.now)
    for name in ("first_touch", "interests", "viewed", "events", "cart", "attrs", "shown", "caps"):
        assert getattr(after, name) is not getattr(PROFILE, name), name  # changed by requests
        assert getattr(after, name) == getattr(PROFILE, name), name


SCORES = st.sampled_from([1.0, 2.0, 1.0, 0.5, 0.25, 0.0, -1.0, 3, math.nan, math.inf, 1e-320])
AGES = st.sampled_from([0.0, DAY, 3 * DAY, 3 * DAY, 400 * DAY, -DAY, math.nan])


@given(st.dictionaries(st.text(max_size=3), st.tuples(SCORES, AGES), max_size=8), AGES)
def test_interests_now_are_each_topic_decayed_and_rounded(
    topics: dict[str, tuple[float, float]], later: float
) -> None:
    """Topics of one page share a time and often a score: each decayed and rounded alike."""
    half_life = 30 * DAY
    profile = Profile(interests={t: (score, NOW - age) for t, (score, age) in topics.items()})
    now = NOW + (0.0 if math.isnan(later) else later)
    plain = {
        topic: 0.0
        if score <= 0
        else round(float(score * 0.5 ** (max(0.0, now - at) / half_life)), 1)
        for topic, (score, at) in profile.interests.items()
    }
    assert repr(profile.interest_now(now, half_life)) == repr(plain)  # (NaN and -0.0 too)


@pytest.mark.parametrize(
    ("headers", "name", "value"),
    [
        ([(b"Content-Type", b"text/html")], b"content-type", b"text/html"),
        ([(b"content-typ", b"x"), (b"CONTENT-TYPE", b"y")], b"content-type", b"y"),
        ([(bytearray(b"Content-Encoding"), b"gzip")], b"content-encoding", b"gzip"),
        ([(b"content-length", b"1"), (b"vary", b"Cookie")], b"content-encoding", None),
        ([(b"x", b"1"), (b"x", b"2")], b"x", b"1"),
        ([], b"x", None),
    ],
)
def test_a_header_is_found_by_name_whatever_its_case(
    headers: list[tuple[bytes, bytes]], name: bytes, value: bytes | None
) -> None:
    assert get(headers, name) == value


@pytest.mark.parametrize(
    ("page", "path", "tags"),
    [
        ("<p>no tags</p>", "/", ([], [])),
        ('<meta name="omotenashi:topics" content="Tea, tea,  ">', "/", (["tea"], [])),
        ('<meta name="omotenashi:item" content="a,b">', "/", ([], ["a", "b"])),
    ],
)
def test_page_tags_with_and_without_meta_tags(
    page: str, path: str, tags: tuple[list[str], list[str]]
) -> None:
    topics, items = page_tags(page, path, Journey())
    assert (topics, items) == tags
    topics.append("mine")  # the caller's lists to change: the next page gets fresh ones
    assert page_tags(page, path, Journey()) == tags


def plain_written(info: RequestInfo) -> str:
    """``RequestInfo._written`` as it reads every raw path: unquoted and NFC."""
    raw = info.raw_path
    if not raw or not _PLAIN_PATH.fullmatch(raw) or raw.startswith("//"):
        return ""
    written = nfc(unquote(raw))
    if written == info.path:
        return info.root + raw
    return raw if info.root and written == nfc(unquote(info.root)) + info.path else ""


RAW = st.text("/aB-~%2F", max_size=10).map(lambda raw: "/" + raw)


@given(RAW, st.sampled_from(["same", "unquoted", "other"]), st.sampled_from(["", "/app"]))
def test_a_path_as_written_is_read_as_every_path_is(raw: str, path: str, root: str) -> None:
    decoded = {"same": raw, "unquoted": nfc(unquote(raw)), "other": "/other"}[path]
    info = RequestInfo(path=decoded, root=root, raw_path=raw)
    assert info._written == plain_written(info)
    assert info.back == (plain_written(info) or root + quote(decoded, safe=URL_PATH_SAFE))


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("plain", b"plain"),
        ("a “b” → c", "a “b” → c".encode()),
        ("<p>x\ud800y</p>", b"<p>x&#55296;y</p>"),  # a lone surrogate: a reference, as before
        ("<script>x\ud800</script>", None),  # ... which raw text would show as it is
    ],
)
def test_a_utf8_page_encodes_as_every_page_does(text: str, out: bytes | None) -> None:
    if out is None:
        with pytest.raises(PageRefused, match="cannot hold"):
            encode(text, "utf-8")
    else:
        assert encode(text, "utf-8") == out
