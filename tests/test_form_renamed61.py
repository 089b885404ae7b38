"""reload61: a choice posted from a page served before a ``formerly:`` rename loaded (its
"Don't show me this", or the preferences form) named the rules and kinds by their former
names, and was dropped: the block stayed on. It is taken under the names now."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import Identity
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.respect.preferences import apply_choice

pytestmark = pytest.mark.anyio
RULES = """
categories:
  promos: {formerly: [offers]}
rules:
  - {id: side-new, formerly: [side-r], slot: side, text: x, why: "Our pick.", category: promos}
  - {id: foot-r, slot: foot, text: y, why: "Our pick.", category: general}
"""


@pytest.mark.parametrize(
    ("form", "rules_off", "kinds_off"),
    [
        ({"action": ["dismiss"], "rule": ["side-r"]}, {"side-new"}, set()),
        (
            {
                "action": ["save"],
                "listed": ["side-r,foot-r"],
                "rule": ["foot-r"],
                "listed_kind": [""],
            },
            {"side-new"},
            set(),
        ),
        (
            {"action": ["save"], "listed_kind": ["offers,general"], "category": ["general"]},
            set(),
            {"promos"},
        ),
    ],
)
async def test_a_choice_from_a_page_before_a_rename_is_taken_under_the_names_now(
    form: dict[str, list[str]], rules_off: set[str], kinds_off: set[str], tmp_path: Path
) -> None:
    (tmp_path / "site.yaml").write_text(RULES)
    rules = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    ident = Identity(vid="a" * 22, is_new=False, issued_at=0.0)
    new, _, _ = await apply_choice(None, rules, "/_omotenashi", ident, form)  # type: ignore[arg-type]
    prefs = Prefs.from_cookie(new.prefs)
    assert (set(prefs.off_rules), set(prefs.off_categories)) == (rules_off, kinds_off)
