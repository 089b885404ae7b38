"""Simple copy renders exactly as Jinja would, and anything else is left to Jinja."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import StrictUndefined, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from omotenashi.engine.printing import printed
from omotenashi.loader.copytext import parse_simple


def _finalize(value: Any) -> Any:
    printed((value,))  # as copy's own environment prints (engine/sandbox.py)
    return value


JINJA = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, finalize=_finalize)
CONTEXT: dict[str, Any] = {
    "price": 120,
    "city": "Kyoto",
    "nothing": None,
    "visitor": {"name": "Aiko", "stage": "interest", "visits": 3},
}
FIELDS = st.sampled_from(
    ["{{ price }}", "{{city}}", "{{ visitor.name }}", "{{  visitor.visits }}", "{{ nothing }}"]
)
LITERALS = st.text(alphabet=st.characters(blacklist_characters="\r"), max_size=8)


def _jinja(text: str) -> str | None:
    try:
        return JINJA.from_string(text).render(CONTEXT)
    except Exception:
        return None


@given(st.lists(st.one_of(FIELDS, LITERALS), max_size=6).map("".join))
def test_simple_copy_renders_as_jinja_does(text: str) -> None:
    simple = parse_simple(text)
    if simple is None:
        return  # left to Jinja
    expected = _jinja(text)
    try:
        got: str | None = simple.render(CONTEXT)
    except (UndefinedError, SecurityError):  # (None: printed as Python writes it, refused)
        got = None
    assert got == expected


@pytest.mark.parametrize(
    ("text", "simple"),
    [
        ("Welcome back", True),
        ("Hello {{ visitor.name }}!", True),
        ("{{ price | round }}", False),
        ("{% if x %}a{% endif %}", False),
        ("{# note #}hi", False),
        ("{{- city }}", False),
        ("{{ visitor.items }}", False),
        ("line\r\nbreak", False),
        ("{{{ price }}", False),  # found by hypothesis: Jinja refuses it, so must we
        ("a { {{ price }}", True),
    ],
)
def test_only_plain_substitutions_skip_jinja(text: str, simple: bool) -> None:
    assert (parse_simple(text) is not None) is simple


@pytest.mark.parametrize(
    ("text", "uses_name"),
    [("Hi {{ visitor.name }}", True), ("Hi {{ visitor.stage }}", False), ("Hi", False)],
)
def test_simple_copy_knows_whether_it_prints_the_name(text: str, uses_name: bool) -> None:
    simple = parse_simple(text)
    assert simple is not None and simple.uses_name is uses_name


def test_a_missing_value_fails_the_copy_as_strict_jinja_does() -> None:
    simple = parse_simple("From {{ missing }}")
    assert simple is not None
    with pytest.raises(UndefinedError):
        simple.render(CONTEXT)
