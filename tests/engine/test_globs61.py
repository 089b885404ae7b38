"""rules61: each distinct glob was compiled as a regular expression three times as rules
loaded (10,000 rules each with their own path glob: 1.8 s of CPU). Globs whose only special
characters are a ``*`` at an end (most: ``/tours/*``, ``*.pdf``, ``*google.*``) are tested
without one now, and a glob's test is made once while a rule set holds it; every answer is
``fnmatchcase``'s."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine import globs
from omotenashi.engine.globs import matcher

TEXT = st.text(alphabet="ab/*?[]!\\.-x\n", max_size=7)


@given(st.lists(TEXT, max_size=4), TEXT)
def test_a_glob_matches_as_fnmatchcase_does(patterns: list[str], text: str) -> None:
    assert matcher(patterns)(text) is any(fnmatchcase(text, p) for p in patterns)


def test_a_glob_is_made_once_while_held(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, ...]] = []
    real = globs._compiled

    def counted(key: tuple[str, ...]) -> Callable[[str], bool]:
        made.append(key)
        return real(key)

    monkeypatch.setattr(globs, "_compiled", counted)
    held = matcher(["/tours/k*", "/tours/k*"])
    assert matcher(("/tours/k*",)) is held and made == [("/tours/k*",)]
    assert held("/tours/kyoto") and not held("/about")
