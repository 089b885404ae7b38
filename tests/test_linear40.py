"""Linear work on what outsiders and editors send (session 40): a page's meta tags listing
thousands of topics, a journey rule listing thousands, omotenashi check's never-fire test of a
long eq against a long in:. Work is counted (comparisons, characters folded), never timed."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi.engine import limits, understand
from omotenashi.engine.journey import Journey
from omotenashi.loader import never
from omotenashi.rules.journey import JourneyFile, TopicRule
from omotenashi.rules.model import Compare, When
from omotenashi.rules.text import nfc


class Counted(str):
    """A topic that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        Counted.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def counted_topic(value: str) -> str:
    return Counted(value.strip().lower())


def meta_page(*contents: str, kind: str = "topics") -> str:
    tags = "".join(f'<meta name="omotenashi:{kind}" content="{c}">' for c in contents)
    return f"<html><head>{tags}</head><body></body></html>"


@pytest.mark.parametrize("n", [500, 2000, 5000])
def test_page_topics_are_not_each_looked_for_in_the_list_so_far(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(understand, "topic", counted_topic)
    Counted.compared = 0
    page = meta_page(",".join(f"t{i}" for i in range(n)), ",".join(f"u{i}" for i in range(n)))
    topics, _ = understand.page_tags(page, "/", Journey())
    assert topics == [f"t{i}" for i in range(limits.TOPICS_PER_PAGE)]
    assert Counted.compared <= n  # was about n * n / 2: 0.2 s of the event loop at 6,000


PAGES: list[tuple[list[str], str, list[str]]] = [
    (["a,b,a,,B", "b,c"], "topics", ["a", "b", "c"]),
    ([",".join("x" * (limits.MAX_TOPIC + 1) + f"{i}" for i in range(30)) + ",short"], "topics",
     ["short"]),
    ([",".join(f"t{i % 3}" for i in range(300)) + ",z"], "topics", ["t0", "t1", "t2", "z"]),
    ([",".join(f"t{i}" for i in range(40))], "topics", [f"t{i}" for i in range(10)]),
    ([",".join(f"it{i}" for i in range(40)), "it1,new"], "item", [f"it{i}" for i in range(5)]),
    (["x,,x,y", "y,z"], "item", ["x", "y", "z"]),
]  # fmt: skip


@pytest.mark.parametrize(("contents", "kind", "expected"), PAGES)
def test_page_tags_keep_the_first_of_each_in_order(
    contents: list[str], kind: str, expected: list[str]
) -> None:
    understand._read.clear()
    topics, items = understand.page_tags(meta_page(*contents, kind=kind), "/", Journey())
    assert (topics if kind == "topics" else items) == expected


def journey_listing(topics: list[Any]) -> Journey:
    spec = JourneyFile.model_construct(
        topics=[TopicRule.model_construct(path=["/tours/*"], topics=topics, item=True)]
    )
    return Journey(spec=spec)


@pytest.mark.parametrize("n", [500, 2000, 5000])
def test_a_journey_rule_of_many_topics_is_gathered_in_one_pass(n: int) -> None:
    Counted.compared = 0
    names = [Counted(f"t{i}") for i in range(n)]
    topics, items = journey_listing([*names, *names[:10]]).page_tags("/tours/" + "x" * 600)
    assert topics == [f"t{i}" for i in range(n)]
    assert items == ["x" * 600]
    assert Counted.compared <= 2 * n  # was about n * n / 2, again for each path over 512


class Folded:
    """Counts the characters put through NFC (and so folded) by ``equal`` and the never-fire
    check: the work of asking whether an eq can be in its in:."""

    def __init__(self, nfc: Any) -> None:
        self.nfc, self.chars = nfc, 0

    def __call__(self, text: str) -> str:
        self.chars += len(text)
        return str(self.nfc(text))


@pytest.mark.parametrize(
    ("eq", "values"),
    [
        ("x" * 20_000, [f"v{i}" for i in range(200)]),
        ("Straße" * 3_000, [f"STRASSE{i}" for i in range(300)]),
        ("9" * 3_000, [str(i) for i in range(300)]),
    ],
)
def test_a_long_eq_is_folded_once_not_once_per_in_value(
    eq: str, values: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folded = Folded(nfc)
    monkeypatch.setattr("omotenashi.engine.compare.nfc", folded)
    monkeypatch.setattr("omotenashi.loader.never.nfc", folded)
    cmp = Compare.model_validate({"eq": eq, "in": values})
    why = never._impossible_compare(cmp)
    assert why is not None and why.startswith(f"{eq[:40]!r}"[:-1]) and " is not in [" in why
    given = len(eq) + sum(map(len, values))
    assert folded.chars <= 10 * given  # was about 3 * len(eq) per value of the in:


def test_a_long_eq_is_folded_once_not_once_per_ne_part(monkeypatch: pytest.MonkeyPatch) -> None:
    folded = Folded(nfc)
    monkeypatch.setattr("omotenashi.loader.never.nfc", folded)
    eq, parts = "x" * 20_000, [{"attr": {"k": {"ne": f"v{i}"}}} for i in range(200)]
    assert never.contradictions(When.model_validate({"attr": {"k": eq}, "all": parts})) == []
    assert folded.chars <= 10 * len(eq)  # was len(eq) again for each ne part


@pytest.mark.parametrize(
    ("when", "start"),
    [
        ({"attr": {"k": {"eq": "zz", "in": [f"v{i}" for i in range(16_000)]}}}, "'zz' is not in"),
        ({"attr": {"k": {"eq": "x" * 100_000, "in": ["a"]}}}, "'xxxxx"),
        ({"all": [{"attr": {"k": "x" * 50_000}}, {"attr": {"k": "y" * 50_000}}]}, "it must"),
        ({"attr": {"k": {"eq": "x" * 50_000, "ne": "X" * 50_000}}}, "it must equal"),
    ],
)
def test_a_never_fire_message_stays_one_short_line(when: dict[str, Any], start: str) -> None:
    """A long value or a long in: is quoted in part, with how much more (a 116 KB line)."""
    (said,) = never.contradictions(When.model_validate(when))
    assert start in said and "\n" not in said and len(said) <= 300
    assert "more]" in said or "characters)" in said


def test_safe_scan_follows_a_chain_of_sets_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """{% set a0 = a1 %} ... {% set aN = visitor %}{{ a0|safe }}: refused, with the tree searched
    a number of times that grows with the chain, not with its square (2,000 sets took 27 s)."""
    from jinja2 import nodes
    from jinja2.sandbox import SandboxedEnvironment

    from omotenashi.loader.safescan import unsafe_visitor

    n = 300
    src = "".join(f"{{% set a{i} = a{i + 1} %}}" for i in range(n))
    ast = SandboxedEnvironment(autoescape=True).parse(
        f"{src}{{% set a{n} = visitor %}}{{{{ a0|safe }}}}"
    )
    searched, find_all = [0], nodes.Node.find_all

    def counted(self: nodes.Node, node_type: Any) -> Any:
        searched[0] += 1
        return find_all(self, node_type)

    monkeypatch.setattr(nodes.Node, "find_all", counted)
    assert unsafe_visitor(ast, "s.html", lambda name: None, frozenset()) is not None
    assert searched[0] <= 20 * n  # linear (~10 a set, nested searches counted); was ~7 n²


def test_raw_text_search_stops_at_a_tag_that_runs_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After "<b " with no ">" the scanner stops: so does the raw-text search (it went on,
    tag after tag, each searched to the end: 20 s at 80 KB)."""
    from omotenashi.engine.html import rawtext

    searched, token = [0], rawtext.TOKEN

    class Counted:
        def search(self, page: str, pos: int) -> Any:
            searched[0] += 1
            return token.search(page, pos)

    page = "<p>x</p>" + "a<b " * 2000
    monkeypatch.setattr(rawtext, "TOKEN", Counted())
    assert rawtext.in_raw_text(page, [len(page) - 1]) is None
    assert searched[0] <= 5


def test_an_euc_jp_page_is_translated_once_however_many_lookalikes_go_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each "〜" inserted into an EUC-JP page translated the whole page again (a visitor's name
    of 2,000 of them in a 150 KB page: 16 s on the event loop)."""
    from omotenashi.engine import eucjp
    from omotenashi.engine.charset import encode

    class Looked(dict[int, Any]):
        looked = 0

        def __getitem__(self, key: int) -> Any:
            Looked.looked += 1
            return dict.__getitem__(self, key)

    monkeypatch.setattr(eucjp, "_SHOWN", Looked(eucjp._SHOWN))
    page = "<p>" + "あ" * 5000 + "</p>" + "〜" * 200
    assert encode(page, eucjp.EUC_JP).endswith(b"&#12316;" * 200)
    assert Looked.looked <= 3 * len(page)  # was about 200 * len(page)


def _macro_chain_visits(n: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Nodes visited refusing m0(visitor.name), imported, where m0 hands its value to m1 ... and
    m{n} writes it under | safe (the macros written last first)."""
    from jinja2 import nodes
    from jinja2.sandbox import SandboxedEnvironment

    from omotenashi.loader.safescan import unsafe_visitor

    env = SandboxedEnvironment(autoescape=True)
    macros = "".join(
        f"{{% macro m{i}(x) %}}<i>{{{{ m{i + 1}(x) }}}}</i>{{% endmacro %}}" for i in range(n)
    )
    parts = env.parse(f"{{% macro m{n}(x) %}}{{{{ x|safe }}}}{{% endmacro %}}{macros}")
    ast = env.parse("{% from 'parts.html' import m0 %}<p>{{ m0(visitor.name) }}</p>")
    visited, children = [0], nodes.Node.iter_child_nodes

    def counted(self: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        visited[0] += 1
        return children(self, *args, **kwargs)

    monkeypatch.setattr(nodes.Node, "iter_child_nodes", counted)
    found = unsafe_visitor(ast, "s.html", {"parts.html": parts}.get, frozenset())
    monkeypatch.undo()
    assert found is not None and found[:2] == ("parts.html", 1), found
    assert "given the visitor's data by 'parts.html'" in found[2]
    return visited[0]


def test_safe_scan_follows_a_chain_of_imported_macros_in_linear_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each macro is looked at once, and what a snippet's names call is read once: four times
    the macros, about four times the nodes visited (not sixteen)."""
    small, large = _macro_chain_visits(100, monkeypatch), _macro_chain_visits(400, monkeypatch)
    assert large <= 5 * small, (small, large)
