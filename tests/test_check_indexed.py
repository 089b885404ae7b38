"""``omotenashi check``'s indexed comparisons answer as one pair at a time would: which rules
sharing a slot and priority can hold with another (``_overlapping`` against ``_disjoint``),
which snippets another includes (one read of each file against a search per name), and the
names the indexed "did you mean" compares and the one it picks (against difflib)."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.cli.main import main
from omotenashi.loader.filechecks import _included
from omotenashi.loader.namechecks import Near, _close
from omotenashi.loader.overlap import disjoint as _disjoint
from omotenashi.loader.overlap import overlapping as _overlapping
from omotenashi.rules.model import When

from .test_tooling import write_site

FLAG = st.sampled_from([None, True, False])
EQS = st.dictionaries(
    st.sampled_from(["utm_campaign", "tier"]),
    st.fixed_dictionaries({"eq": st.sampled_from(["A", "a", "b", 1, "1"])})
    | st.fixed_dictionaries({"exists": st.just(True)}),
    max_size=2,
)
WHEN = st.fixed_dictionaries(
    {},
    optional={
        "stage": st.lists(
            st.sampled_from(["awareness", "interest", "purchase"]), min_size=1, max_size=2
        ),
        "device": st.lists(st.sampled_from(["mobile", "desktop"]), min_size=1, max_size=2),
        "new": FLAG,
        "returning": FLAG,
        "cart_abandoned": FLAG,
        "query": EQS,
        "attr": EQS,
        "path": st.lists(
            st.sampled_from(["/ja/*", "/en/*", "/ja", "/j*", "/*", "/en/x", "*"]),
            min_size=1,
            max_size=2,
        ),
    },
)


@given(st.lists(WHEN, max_size=12))
def test_rules_that_can_hold_with_another_are_those_pairwise(raw: list[dict[str, Any]]) -> None:
    whens = [When.model_validate(w) for w in raw]
    pairwise = [
        any(j != i and not _disjoint(w, o) for j, o in enumerate(whens))
        for i, w in enumerate(whens)
    ]
    assert _overlapping(whens) == pairwise


@pytest.mark.parametrize(
    ("files", "included"),
    [
        ({"a.html": "A", "b.html": "{% include 'a.html' %}"}, {"a.html": True, "b.html": False}),
        ({"a.html": "A", "a.html.bak": "B", "c.html": '{%- extends "a.html.bak" %}'}, None),
        (
            {
                "x/m.html": "{% macro m() %}{% endmacro %}",
                "p.html": "{% from 'x/m.html' import m %}",
            },
            None,
        ),
        ({"s.html": "{% import 's.html' as me %}", "t.html": "{%include 's.html'%}"}, None),
        ({"a.html": "A", "b.html": "{{ 'a.html' }} {% include  \t'a.htm' %}"}, None),
    ],
)
def test_included_snippets_are_those_a_search_per_name_finds(
    tmp_path: Path, files: dict[str, str], included: dict[str, bool] | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = _included(tmp_path)
    by_search = {
        name: any(
            re.search(r"""{%-?\s*(include|extends|import|from)\s+["']""" + re.escape(name), text)
            for text in files.values()
        )
        for name in files
    }
    assert {name: name in found for name in files} == by_search
    if included is not None:
        assert by_search == included


NAMES = st.text(alphabet="abcdeo-1", min_size=0, max_size=12)
CUTOFFS = st.sampled_from([0.0, 0.5, 0.6, 0.8, 0.95])


@given(st.lists(NAMES, max_size=40), NAMES, CUTOFFS)
def test_the_index_finds_the_names_that_pass_difflibs_quick_tests(
    known: list[str], name: str, cutoff: float
) -> None:
    matcher = difflib.SequenceMatcher(None, "", name)
    passing = set()
    for other in known:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            passing.add(other)
    found = Near(known).candidates(name, cutoff)
    unindexed = {other for other in known if not other or not name or cutoff <= 0}
    assert passing <= found and found - passing <= unindexed  # empty: every name, as difflib


@given(st.lists(NAMES, max_size=40), NAMES, CUTOFFS)
def test_the_closest_name_is_difflibs(known: list[str], name: str, cutoff: float) -> None:
    expected = difflib.get_close_matches(name, known, n=1, cutoff=cutoff)
    assert _close(name, known, cutoff) == (expected[0] if expected else None)


@pytest.mark.parametrize(
    ("name", "known", "cutoff", "picked"),
    [
        ("ab", ["ba", "bx"], 0.5, "bx"),  # 'ba' first (bound 1.0) but 'bx' ties it and sorts last
        ("ab", ["bx", "ba"], 0.5, "bx"),
        ("kyoto", ["tokyo", "kyoti", "kyota"], 0.6, "kyoti"),
        ("kyoto", ["tokyo"], 0.8, None),
    ],
)
def test_the_closest_name_ties_as_difflib_does(
    name: str, known: list[str], cutoff: float, picked: str | None
) -> None:
    assert difflib.get_close_matches(name, known, n=1, cutoff=cutoff) == (
        [picked] if picked else []
    )
    assert _close(name, known, cutoff) == picked


@pytest.mark.parametrize(
    ("one", "other"),
    [(1, '"1.0"'), ("Gold", "gold"), ("Straße", "STRASSE"), ("true", "TRUE"), ('"10"', '"010"')],
)
def test_values_the_engine_holds_equal_are_values_two_rules_can_share(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    one: object,
    other: object,
) -> None:
    """``attr: {tier: 1}`` and ``attr: {tier: "1.0"}`` hold for the same visitor (the engine
    compares them as numbers), so two such rules at one priority are said to compete."""
    write_site(
        tmp_path,
        f"""
        rules:
          - {{id: a, slot: hero, text: A, why: "because a", when: {{attr: {{tier: {one}}}}}}}
          - {{id: b, slot: hero, text: B, why: "because b", when: {{attr: {{tier: {other}}}}}}}
    """,
    )
    monkeypatch.chdir(tmp_path)
    main(["check", "rules", "--templates", "templates"])
    out = capsys.readouterr().out
    assert "rules 'a' and 'b' fill 'hero' with the same priority (50)" in out
