"""What the at-scale paths answer, whatever their speed (bench/scalepaths.py measures that):
the preferences page's per-rule-set index gives what the whole rule set gave, the indexed
"did you mean" finds what difflib over every name finds, and a snippet many rules share is
located once at its own file and line."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.namechecks import Near, _close
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.respect import shown
from omotenashi.respect.choices import IN_A_THREAD, Choices, ChoicesCache

SAME_WHY = """
rules:
  - {id: a1, slot: s1, text: A, why: "Our offer.", category: offers}
  - {id: b1, slot: s2, text: B, why: "Other.", category: offers}
  - {id: a2, slot: s3, text: A2, why: "Our offer.", category: offers}
  - {id: c1, slot: s4, text: C, why: "Tips.", category: tips, when: {device: [mobile]}}
"""


def ruleset_of(tmp_path: Path, text: str) -> RuleSet:
    (tmp_path / "rules").mkdir(parents=True, exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(text)
    return load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))


def seen(*ids: str) -> Profile:
    profile = Profile()
    for n, rule_id in enumerate(ids, 1):
        profile.shown[rule_id] = n
        profile.shown_why[rule_id] = (1_700_000_000.0 + n, [])
    return profile


PREFS = [
    Prefs(),
    Prefs(off_rules=frozenset({"a1"})),
    Prefs(off_rules=frozenset({"a2", "gone"}), off_categories=frozenset({"tips"})),
    Prefs(off_categories=frozenset({"offers", "tips"}), nothing=True),
]


@pytest.mark.parametrize("prefs", PREFS)
@pytest.mark.parametrize("shown_ids", [(), ("a1",), ("a2", "c1", "gone"), ("b1", "a1", "a2")])
def test_the_index_answers_as_the_whole_rule_set(
    prefs: Prefs, shown_ids: tuple[str, ...], tmp_path: Path
) -> None:
    ruleset = ruleset_of(tmp_path, SAME_WHY)
    choices = Choices.of(ruleset)
    profile = seen(*shown_ids)
    recent = shown.shown_recently(profile, ruleset, prefs)
    assert shown.shown_recently(profile, ruleset, prefs, choices.by_id) == recent
    assert choices.kinds_for(prefs, recent) == shown.categories(ruleset, prefs, recent)
    assert shown.data_sections(profile, ruleset, prefs, by_id=choices.by_id) == (
        shown.data_sections(profile, ruleset, prefs)
    )
    groups = shown.entries(ruleset)
    assert {i: choices.entry(i) for i in groups} == groups
    listing = choices.listing_for(prefs)
    assert [(c["name"], c["on"]) for c in listing] == [
        ("offers", "offers" not in prefs.off_categories),
        ("tips", "tips" not in prefs.off_categories),
    ]
    assert [(r["id"], r["on"]) for r in listing[0]["rules"]] == [
        ("a1,a2", prefs.off_rules.isdisjoint({"a1", "a2"})),
        ("b1", True),
    ]


def test_the_cache_follows_the_rule_set_in_force(tmp_path: Path) -> None:
    first = ruleset_of(tmp_path / "one", SAME_WHY)
    second = ruleset_of(tmp_path / "two", SAME_WHY.replace("id: b1", "id: b9"))
    cache = ChoicesCache()

    async def ids() -> list[list[str]]:
        return [sorted((await cache.get(r)).by_id) for r in (first, first, second, first)]

    assert asyncio.run(ids()) == [["a1", "a2", "b1", "c1"]] * 2 + [
        ["a1", "a2", "b9", "c1"],
        ["a1", "a2", "b1", "c1"],
    ]


def test_a_big_rule_set_is_indexed_in_a_thread_alike(tmp_path: Path) -> None:
    ruleset = ruleset_of(
        tmp_path,
        "rules:\n"
        + "".join(
            f'  - {{id: r{i}, slot: s{i % 50}, text: T, why: "Why {i % 7}.", category: k{i % 3}}}\n'
            for i in range(IN_A_THREAD + 10)
        ),
    )
    built = asyncio.run(ChoicesCache().get(ruleset))
    inline = Choices.of(ruleset)
    assert built == inline
    assert built.form_limit == sum(6 * len(r.id + r.rule.category) + 64 for r in ruleset.rules)


def test_requests_that_come_while_a_big_index_is_built_wait_for_that_one_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = "".join(
        f"  - {{id: r{i}, slot: s{i % 50}, text: T, why: Why, category: k{i % 3}}}\n"
        for i in range(IN_A_THREAD + 10)
    )
    ruleset = ruleset_of(tmp_path, "rules:\n" + rules)
    builds: list[int] = []
    of = Choices.of

    def counted(rules: RuleSet, always: frozenset[str] = frozenset()) -> Choices:
        builds.append(1)
        return of(rules, always)

    monkeypatch.setattr(Choices, "of", staticmethod(counted))
    cache = ChoicesCache()

    async def many() -> list[Choices]:
        return await asyncio.gather(*(cache.get(ruleset) for _ in range(20)))

    got = asyncio.run(many())
    assert len(builds) == 1 and all(g is got[0] for g in got)
    asyncio.run(many())  # a new loop, the index kept: no build at all
    assert len(builds) == 1


NAMES = st.text(alphabet="abcdeo-1", min_size=0, max_size=12)


@given(st.lists(NAMES, max_size=40), NAMES, st.sampled_from([0.0, 0.5, 0.6, 0.8, 0.95]))
def test_the_indexed_did_you_mean_finds_what_difflib_finds(
    known: list[str], name: str, cutoff: float
) -> None:
    everyone = sorted(set(known) - {name})
    assert Near(known).close(name, cutoff) == _close(name, everyone, cutoff)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cutoff", [0.6, 0.8])
def test_the_indexed_did_you_mean_finds_it_among_many(seed: int, cutoff: float) -> None:
    rng = random.Random(seed)
    words = ["kyoto", "tokyo", "hawaii", "family", "temples", "beach", "gold", "member"]

    def name() -> str:
        text = "-".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        at = rng.randrange(len(text))
        return text[:at] + rng.choice("xyz-") * rng.randint(0, 2) + text[at + 1 :]

    known = [name() for _ in range(300)]
    index = Near(known)
    for probe in [name() for _ in range(60)]:
        everyone = sorted(set(known) - {probe})
        assert index.close(probe, cutoff) == _close(probe, everyone, cutoff), probe


@pytest.mark.parametrize("count", [1, 6, 40])
def test_a_shared_failing_snippet_is_one_warning_at_its_line(tmp_path: Path, count: int) -> None:
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "by-stage.html").write_text(
        "<p>\n{{ messages[visitor.stage] }}\n</p>\n"
    )
    (tmp_path / "site.yaml").write_text(
        "rules:\n"
        + "".join(
            f"  - {{id: rule-{i}, slot: s{i}, snippet: by-stage.html, why: Because.,"
            " with: {messages: {consideration: Compare, purchase: Book}}}\n"
            for i in range(count)
        )
    )
    noted: list[LoadWarning] = []
    renderer = Renderer(tmp_path / "snippets")
    for _ in range(2):  # a reload (a renewed renderer) locates it alike
        noted.clear()
        load_ruleset(tmp_path, renderer, warnings=noted)
        assert len(noted) == 1, noted
        error = noted[0].error
        assert (Path(error.file).name, error.line) == ("by-stage.html", 2)
        assert "rule 'rule-0' is kept" in error.problem
        users = [ids for _, ids in renderer.reported.values()]
        assert users == [[f"rule-{i}" for i in range(count)]]  # every rule, at one place
        renderer = renderer.renewed()
