"""Fuzz rule files (issue 11): whatever an editor (or a hostile one) saves, loading gives a rule
set or ``file:line`` errors, never another exception, and never takes long (aliases and deep
nesting are refused before anything expands). Budget: ``OMOTENASHI_FUZZ_EXAMPLES`` (default
150) files per test, derandomized."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omotenashi import RuleSetError, Settings
from omotenashi.loader.reload import load_all

pytestmark = pytest.mark.security
EXAMPLES = int(os.environ.get("OMOTENASHI_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LOCATED = re.compile(r"^.+\.ya?ml:\d+: ")

# Pieces of YAML syntax, so random text often is (almost) YAML.
syntax = st.sampled_from(
    ["rules:", "\n", "  - ", "id: a", "slot: hero", "text: hi", "why: because", ": ", "- ",
     "&a ", "*a", "[", "]", "{", "}", ",", "'", '"', "#", "|", ">", "!!python/object", "!!str",
     "? ", "---", "...", "%YAML 1.1", "\t", "\v", "\x00", "\x85", "\ufeff", "on", "no", "1e9",
     "attrs: {href: 'java\tscript:x'}", "when: {stage: loyalty}", "cap: {views: 0}"]
)  # fmt: skip
texts = st.lists(syntax | st.text(max_size=8), max_size=40).map("".join)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=9), kids),
    max_leaves=15,
)
field_names = st.sampled_from(
    ["id", "slot", "selector", "text", "snippet", "with", "attrs", "allow_attrs", "hide", "when",
     "priority", "category", "why", "cap", "holdout", "schedule", "enabled", "disclose"]
)  # fmt: skip
rule = st.dictionaries(field_names, values, max_size=8) | st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
        "slot": st.just("hero"),
        "attrs": st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=3),
        "why": st.text(min_size=3, max_size=20),
    },
    optional={"allow_attrs": st.lists(st.text(max_size=8), max_size=2)},
)
documents = st.fixed_dictionaries({"rules": st.lists(rule, max_size=4)}).map(
    lambda doc: yaml.safe_dump(doc, allow_unicode=True)
)


def load(folder: Path, name: str, text: str) -> list[str]:
    """Load a folder holding one file of ``text``; the errors, or [] when it loaded."""
    (folder / "snippets").mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_all(Settings(rules={"dir": folder, "snippets_dir": folder / "snippets"}).rules)
    except RuleSetError as exc:
        return [str(e) for e in exc.errors]
    finally:
        path.unlink()
    return []


@FUZZ
@given(text=texts)
def test_any_text_loads_or_gives_located_errors(tmp_path: Path, text: str) -> None:
    errors = load(tmp_path, "site.yaml", text)
    assert all(LOCATED.match(e) for e in errors), errors


@FUZZ
@given(text=documents, cut=st.integers(0, 400), junk=syntax)
def test_rule_shaped_files_with_a_typo_give_located_errors(
    tmp_path: Path, text: str, cut: int, junk: str
) -> None:
    typo = text[:cut] + junk + text[cut:]
    for name, variant in (("site.yaml", text), ("site.yaml", typo), ("journey.yaml", typo)):
        errors = load(tmp_path, name, variant)
        assert all(LOCATED.match(e) for e in errors), errors
