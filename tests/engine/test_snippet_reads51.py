"""editor51: what a snippet's work reads is weighed, so no render holds a request for long.
Before, a loop over ``'aab' in s``, ``s == t``, ``s.find(x)`` or ``s[::-1]`` on a long text
``s`` read megabytes the budget never saw (12 s of event loop per request, every visitor
waiting), ``'x'.encode()`` made bytes it did not weigh (2 GB from one line), and a render at
request time had no clock at all. Each row here reads about 5 MB: refused by the budget."""

from __future__ import annotations

import pytest

from omotenashi.engine import budget
from omotenashi.engine.budget import MAX_HANDLED
from omotenashi.engine.render import SnippetUndefined, render
from omotenashi.engine.sandbox import BudgetedSandbox
from omotenashi.errors import SnippetError

LONG = "{% set s = 'a' * 500000 %}{% set t = 'a' * 499999 ~ 'b' %}"
HANDLED = f"handles more than {MAX_HANDLED} characters of text in one render"
VISITOR = {"stage": "interest", "tours": ["kyoto", "bali"], "name": "Ann"}


def rendered(source: str) -> str:
    env = BudgetedSandbox(autoescape=True, undefined=SnippetUndefined)
    return render(env.from_string(source), {}, VISITOR)


@pytest.mark.parametrize(
    ("work", "said"),
    [
        ("{{ 'aab' in s }}", HANDLED),
        ("{{ 'aab' not in s }}", HANDLED),
        ("{{ s == t }}", HANDLED),
        ("{{ s < t }}", HANDLED),
        ("{{ 'aab' is in s }}", HANDLED),
        ("{{ s is eq t }}", HANDLED),
        ("{{ s.find('aab') }}", HANDLED),
        ("{{ s.count('b') }}", HANDLED),
        ("{{ s[::-1][:1] }}", HANDLED),
        ("{{ s[1:2] }}", HANDLED),
        ("{{ range(3)|map('string')|select('in', s)|list|length }}", HANDLED),  # (eye51)
        ("{{ ['x', 'y']|reject('in', s)|list|length }}", HANDLED),
    ],
    ids=[
        "in",
        "not-in",
        "eq",
        "lt",
        "is-in",
        "is-eq",
        "find",
        "count",
        "reversed",
        "slice",
        "select-in",
        "reject-in",
    ],
)
def test_what_work_reads_is_weighed(work: str, said: str) -> None:
    with pytest.raises(SnippetError, match=said):
        rendered(LONG + "{% for i in range(10) %}" + work + "{% endfor %}")


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x'.encode()|length }}",
        "{{ ('x'.encode() * 3)|length }}",
        "{% set e = 'x'.encode %}{{ e()|length }}",
    ],
    ids=["encode", "times", "taken"],
)
def test_a_snippet_makes_no_bytes(source: str) -> None:
    with pytest.raises(SnippetError, match="attribute 'encode' of 'str' object is unsafe"):
        rendered(source)


def test_every_test_a_filter_runs_is_a_step() -> None:
    """(eye51) ``select`` calls its test once an item, outside any loop: each call counts."""
    with pytest.raises(SnippetError, match="loops more than 10000 times"):
        rendered("{{ range(20000)|select('odd')|list|length }}")


def test_every_filter_call_is_a_step() -> None:
    """(eye51b) ``map`` calls its filter once an item, outside any loop: each call counts."""
    with pytest.raises(SnippetError, match="loops more than 10000 times"):
        rendered("{{ range(20000)|map('abs')|list|length }}")
    assert rendered("{{ range(20)|map('abs')|map('string')|join(',') }}").startswith("0,1,2")


def test_a_render_at_request_time_has_a_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "RENDER_SECONDS", -1.0, raising=False)  # over at its first step
    monkeypatch.setattr("omotenashi.engine.sandbox.RENDER_SECONDS", -1.0, raising=False)
    with pytest.raises(SnippetError, match=r"takes too long to render \(over -1s\)"):
        rendered("{% for i in range(3) %}{{ i }}{% endfor %}")


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{% if visitor.stage == 'interest' %}yes{% endif %}", "yes"),
        ("{% if 'kyoto' in visitor.tours %}yes{% endif %}", "yes"),
        ("{% if 'kyoto' is in visitor.tours %}yes{% endif %}", "yes"),
        ("{{ visitor.tours[:1]|join(',') }}-{{ visitor.name[::-1] }}", "kyoto-nnA"),
        ("{{ visitor.name.upper() }} {{ visitor.name.find('n') }}", "ANN 1"),
        ("{% for i in range(3) if i > 0 %}{{ i }}{% endfor %}", "12"),
        ("{{ 3 is odd }} {{ visitor.stage is string }}", "True True"),
        ("{{ 'a' * 400000 in 'b' }}", "False"),  # (one read of a long text: within)
    ],
    ids=["eq", "in", "is-in", "slices", "methods", "loop-if", "tests", "one-long-read"],
)
def test_ordinary_comparisons_methods_and_slices_render_as_before(source: str, shown: str) -> None:
    assert rendered(source) == shown
