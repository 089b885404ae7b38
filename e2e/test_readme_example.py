"""The README's copyable QA test, run as written against the demo (so the README stays true)."""

from __future__ import annotations

from .conftest import ROOT

MARK = "A test a QA engineer can copy"
_after = (ROOT / "README.md").read_text().split(MARK, 1)[1]
EXAMPLE = _after.split("```python\n", 1)[1].split("```", 1)[0]
exec(compile(EXAMPLE, "README.md (the QA guide's example)", "exec"))  # defines its tests


def test_the_readme_example_defines_the_tests_run_here() -> None:
    tests = [line for line in EXAMPLE.splitlines() if line.startswith("def test_")]
    assert len(tests) == 2 and all(t.split("(")[0][4:] in globals() for t in tests)
