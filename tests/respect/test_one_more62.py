"""A list cut with "and N more" never says "and 1 more": the one left would take no more room
named (visitor62: "…, food (some), and 1 more." on the preferences page)."""

from __future__ import annotations

import pytest

from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.respect.facts import describe, listed, over
from omotenashi.respect.yourdata import cut

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("n", "named", "more"), [(8, 8, ""), (9, 9, ""), (10, 8, ", and 2 more")])
def test_interests_name_the_last_one_rather_than_say_one_more(
    n: int, named: int, more: str
) -> None:
    profile = Profile(interests={f"topic{i:02d}": (5.0, NOW) for i in range(n)})
    [line] = [s for s in describe(profile, NOW, Journey(), None, "UTC") if "interest" in s]
    assert line.count("(strong)") == named and "1 more" not in line
    assert line.endswith(f"{more}.")


@pytest.mark.parametrize(
    ("n", "shown", "said"), [(10, 10, ""), (11, 11, ""), (12, 10, ", and 2 more")]
)
def test_listed_and_over_agree(n: int, shown: int, said: str) -> None:
    items = [str(i) for i in range(n)]
    assert (listed(items), over(items)) == (shown, said)


def test_the_data_page_cut_never_says_one_more() -> None:
    assert cut([str(i) for i in range(31)], 30) == [str(i) for i in range(31)]
    assert cut([str(i) for i in range(32)], 30)[-1] == "… and 2 more (all in the download)"
