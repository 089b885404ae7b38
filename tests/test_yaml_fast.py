"""The one-pass YAML reader reads what the precise reader reads, or leaves the file to it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from omotenashi.errors import RuleError
from omotenashi.rules import yamlsource
from omotenashi.rules.yamlfast import Unusual, fast_load


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _fast(text: str) -> tuple[Any, dict[Any, int]] | None:
    loader = yamlsource._Loader(text)
    try:
        return fast_load(loader)
    except Unusual:
        return None
    finally:
        loader.dispose()


READ_FAST = [
    "",
    "# only a comment\n",
    "---\n",
    "rules:\n  - id: a\n    slot: hero\n    text: 'Hi'\n    why: because\n",
    "rules:\n  - {id: a, when: {stage: [interest], interest: {kyoto: {at_least: 2}}}}\n",
    "- 1\n- 0x1f\n- 010\n- 1_000\n- 1:30\n- 1.5\n- .inf\n- .nan\n- null\n- ~\n- -5\n- +5\n- 0\n",
    "- true\n- True\n- false\n- on\n- off\n- yes\n- no\n- NO\n- y\n",
    "- 2026-01-01\n- 2026-01-01T10:00:00Z\n- '1'\n- \"x\"\n- |\n  block\n- >\n  folded\n",
    "x:\n  - a: 1\n    b:\n      c: 2\n  - z\n",
    "a:\nb:\n",
    "- \n- x\n",
    "a: 1 # note\n# more\n",
    "\ufeffa: 1\n",
    "- - - x\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
]


@pytest.mark.parametrize("text", READ_FAST)
def test_a_plain_file_reads_fast_to_the_same_data_and_lines(text: str) -> None:
    fast = _fast(text)
    assert fast is not None
    data, lines = yamlsource._precise(text, "f.yaml")
    assert _same(fast[0], data)
    assert fast[1] == lines


LEFT_TO_THE_PRECISE_READER = [
    "a: 1\n---\nb: 2\n",  # two documents
    "a: &x 1\n",  # an anchor
    "a: &x foo\nb: *x\n",  # an alias
    "- &a [1]\n",
    "a: 1\na: 2\n",  # a duplicate field
    "a:\n  b: 1\n  b: 2\n",
    "1: a\n'1': b\n",  # the same field, once a number and once text
    "? [a]\n: 1\n",  # a key that is not text
    "null: 1\n",
    "1: a\n2: b\n",  # keys read as numbers: refused by the precise reader, at their line
    "a: 1\nb: {1: x}\n",  # (a value met first: the fast reader's cache)
    "a: !!str 1\n",  # explicit tags
    "a: !foo x\n",
    "<<: {a: 1}\n",  # a merge key
    "a: =\n",
    "a: b: c\n",  # not valid YAML
    "key: 'unterminated\n",
    "a: [1, 2\n",
    "[" * 50 + "]" * 50,  # deeper than the guard allows
]


@pytest.mark.parametrize("text", LEFT_TO_THE_PRECISE_READER)
def test_anything_unusual_is_left_to_the_precise_reader(text: str) -> None:
    assert _fast(text) is None


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: 1\nb: &x 2\n", 2, "YAML anchors (&x) are not allowed"),
        ("a: [1]\nb: *x\n", 2, "YAML aliases (*x) are not allowed"),
        ("rules:\n  - id: a\n    id: b\n", 3, "the field 'id' appears twice"),
        ("a: 1\n---\nb: 2\n", 2, "not valid YAML"),
    ],
)
def test_a_bad_file_is_reported_as_the_precise_reader_words_it(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(RuleError) as caught:
        yamlsource.load_yaml(path, "bad.yaml")
    assert caught.value.line == line
    assert problem in caught.value.problem
