"""hunt46: 'android-app://com.google.android.gm' is what Chromium sends (a non-special
scheme: no '/' path, host not lower-cased): check must not say it never matches, nor
advise a '/*' glob that never matches it."""

from __future__ import annotations

import pytest

from omotenashi.engine.globs import url_matcher
from omotenashi.loader.referrerchecks import referrer_problem

SENT = "android-app://com.google.android.gm"  # new URL(...).href in Chromium


@pytest.mark.parametrize(
    "glob", [SENT, "android-app://com.google.*", "android-app://com.Example.App"]
)
def test_no_warning_for_a_glob_that_matches_what_is_sent(glob: str) -> None:
    if glob == SENT:
        assert url_matcher([glob])(SENT)
    assert referrer_problem("referrer", glob) is None


@pytest.mark.parametrize(
    ("glob", "hint"),
    [("//x.com/*", "https://x.com/*")],
)
def test_the_hint_is_a_glob_that_matches(glob: str, hint: str) -> None:
    said = referrer_problem("referrer", glob)
    assert said is not None and said[1] == f"write {hint!r}"


@pytest.mark.parametrize(
    ("glob", "said"),
    [
        ("/search?q=*", "write the path '/search' and the query as a condition: query: {q: ...}"),
        ("/tours#x", "write '/tours'; '[#]' matches an escaped '#', '%23'"),
        ("/x/[?]=1", None),  # a set: an escaped '?' (%3F) in the path, not a query
        ("/x/c[#]", None),  # an escaped '#' (%23), written so
        ("/a?b", None),  # '?': any one character, no query named
        # a name that is a glob of its own is no name to write (final46: query: {*: ...})
        ("/p?*=1", "write the path '/p' and the query as a condition: query: {<name>: ...}"),
    ],
)
def test_a_path_glob_names_a_query_or_fragment_only_outside_a_set(
    glob: str, said: str | None
) -> None:
    from omotenashi.loader.referrerchecks import path_query_problem

    got = path_query_problem(glob)
    assert (got and got[1]) == said


@pytest.mark.parametrize(
    ("glob", "char", "at"),
    [
        ("/x/[]?]=1", "?", -1),  # ']' first in a set is a member: the '?' is in it
        ("/x/[!]?]=1", "?", -1),
        ("/x/[]#]", "#", -1),
        ("/x/[?=1", "?", 4),  # a '[' never closed is itself
        ("/x/[[?]", "?", -1),
        ("/a?b", "?", 2),
    ],
)
def test_a_set_is_read_as_fnmatch_reads_it(glob: str, char: str, at: int) -> None:
    """hunt46b P3: ``]`` right after ``[`` ended the set (false warnings on /x/[]?]=1)."""
    from omotenashi.loader.referrerchecks import _outside_sets

    assert _outside_sets(glob, char) == at


@pytest.mark.parametrize(
    ("glob", "said"),
    [
        ("https://example.com?", None),  # '?' matches the '/' after the host
        ("https://news.example#x", "write 'https://news.example/*'"),  # never a fragment
    ],
)
def test_a_hint_never_keeps_what_cannot_match(glob: str, said: str | None) -> None:
    """final46 P3: 'https://example.com?' was told to add '/*', and a fragment was kept."""
    got = referrer_problem("referrer", glob)
    assert (got and got[1]) == said
