"""A list cut with "and N more" never says "and 1 more": the one left would take no more room
named (visitor62: "…, food (some), and 1 more." on the preferences page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omotenashi import Settings
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.loader.loadall import load_all
from omotenashi.respect.facts import describe, listed, over
from omotenashi.respect.preferences import PreferencesPage
from omotenashi.respect.yourdata import cut
from omotenashi.settings import RulesSettings

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


@pytest.mark.parametrize(("n", "listed_", "more"), [(31, 31, ""), (32, 30, "… and 2 more")])
def test_the_preferences_page_lists_the_last_block_shown_rather_than_one_more(
    tmp_path: Path, n: int, listed_: int, more: str
) -> None:
    # (final62: its "shown to you before" list said "… and 1 more shown to you before")
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n"
        + "".join(
            f"  - {{id: r{i:02d}, slot: s{i:02d}, text: x, why: Reason {i:02d}.}}\n"
            for i in range(n)
        )
    )
    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    loaded = load_all(cfg)
    settings = Settings(secret_keys=["one-more-62-key"])
    page = PreferencesPage(settings, CookieSigner(settings))
    ident = Identity(vid="v" * 22, is_new=False, issued_at=NOW)
    profile = Profile(visits=1, views=1, shown={f"r{i:02d}": 1 for i in range(n)})
    said = page.render(ident, profile, loaded, can_choose=True).decode()
    assert len(set(re.findall(r"Reason \d\d", said))) == listed_
    assert ("1 more" in said) is False and (more in said)
