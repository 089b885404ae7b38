"""A renamed block (``formerly:``) stays off on the release before this one, during a rolling
deploy and after a rollback.

The release before (26754c7) has no ``formerly:``: it runs with the rule files from before the
rename, where the block has its former name, and it reads a visitor's choices from the same
cookie as this one (``Prefs.from_cookie``, unchanged since). This release wrote that cookie with
the names now only: a block switched off on it came back on every page of the release before,
and a visitor who switched it off there had it switched back on by any page of this one that
signed their cookie again (the next page after a dismiss, which says "Done"). The cookie keeps
the former names after the names now; switched back on, both go. Two middlewares, the rule
files before and after the rename, one Redis, one cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omotenashi import Settings
from omotenashi.engine.renames import Renames

from .conftest import form_token as csrf
from .test_formerly import OFFER, PREFS, offer, post, visit
from .test_switch_back_on import sent

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
RENAMES = [
    (  # a rule renamed: its "Don't show me this"
        "rules:\n" + offer("spring"),
        "rules:\n" + offer("spring-sale", extra=", formerly: [spring]"),
        "rule",
    ),
    (  # a kind renamed: unticked on the preferences page
        "rules:\n" + offer("spring"),
        "categories:\n  deals: {formerly: [offers]}\nrules:\n" + offer("spring", category="deals"),
        "category",
    ),
]


def releases(make: Make, tmp_path: Path, before: str, after: str) -> tuple[Settings, Settings]:
    """The settings of the release before (the rule files before the rename) and of this one
    (after it): two rules folders, one Redis, one signing key."""
    out = []
    for name, rules in (("before", before), ("after", after)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "site.yaml").write_text(rules)
        made = make(respect={"disclosure": True})
        out.append(made.model_copy(update={"rules": made.rules.model_copy(update={"dir": folder})}))
    return out[0], out[1]


async def switch_off(settings: Settings, cookie: str | None, kind: str, rule: str) -> str:
    """The visitor's cookie after they switched the offer off on ``settings``' release."""
    (shown, prefs), cookie = await visit(settings, cookie, "/", PREFS)
    assert OFFER in shown
    if kind == "rule":
        form = {"csrf": csrf(shown), "action": "dismiss", "rule": rule, "next": "/"}
    else:
        form = sent(prefs, leave="deals" if "deals" in prefs else "offers")
    return await post(settings, cookie, form)


@pytest.mark.parametrize(("before", "after", "kind"), RENAMES, ids=["rule", "category"])
async def test_switched_off_on_this_release_it_stays_off_on_the_one_before(
    make_settings: Make, tmp_path: Path, before: str, after: str, kind: str
) -> None:
    old, new = releases(make_settings, tmp_path, before, after)
    cookie = await switch_off(new, None, kind, "spring-sale")
    (old_page, new_page, old_again), _ = await visit(old, cookie, "/", "/", "/")
    assert OFFER not in old_page and OFFER not in old_again
    (new_page,), _ = await visit(new, cookie, "/")
    assert OFFER not in new_page


@pytest.mark.parametrize(("before", "after", "kind"), RENAMES, ids=["rule", "category"])
async def test_switched_off_on_the_release_before_a_page_of_this_one_keeps_it_off(
    make_settings: Make, tmp_path: Path, before: str, after: str, kind: str
) -> None:
    old, new = releases(make_settings, tmp_path, before, after)
    cookie = await switch_off(old, None, kind, "spring")
    (done,), cookie = await visit(new, cookie, "/")  # signs the cookie again (after "Done")
    assert OFFER not in done
    (old_page,), _ = await visit(old, cookie, "/")
    assert OFFER not in old_page


async def test_switched_back_on_here_it_is_on_for_the_release_before_too(
    make_settings: Make, tmp_path: Path
) -> None:
    before, after, _ = RENAMES[0]
    old, new = releases(make_settings, tmp_path, before, after)
    cookie = await switch_off(new, None, "rule", "spring-sale")
    (prefs,), cookie = await visit(new, cookie, PREFS)
    cookie = await post(new, cookie, sent(prefs, tick="spring-sale"))
    (new_page,), cookie = await visit(new, cookie, "/")
    (old_page,), _ = await visit(old, cookie, "/")
    assert OFFER in new_page and OFFER in old_page


@pytest.mark.parametrize(
    ("prefs", "most", "written"),
    [
        ({"r": ["b"]}, 200, {"r": ["b", "a", "m"]}),  # the names now first: never cut
        ({"r": ["b", "x"], "n": True}, 200, {"r": ["b", "x", "a", "m"], "n": True}),
        ({"c": ["deals"]}, 200, {"c": ["deals", "offers"]}),
        ({"c": ["mine"]}, 200, {"c": ["mine"]}),  # never the history's kind: it would go off
        ({"r": ["b", "a"]}, 200, {"r": ["b", "a", "m"]}),
        ({"r": ["b"]}, 2, {"r": ["b", "a"]}),  # at most as many as a cookie is read with
        ({"r": ["b", "c"]}, 2, {"r": ["b", "c"]}),
        ({"r": ["x"]}, 200, {"r": ["x"]}),
    ],
)
def test_a_cookie_keeps_the_former_names_after_the_names_now(
    prefs: dict[str, object], most: int, written: dict[str, object]
) -> None:
    renames = Renames(
        {"a": "b", "m": "b"}, {"offers": "deals", "history": "mine"}, {"a": 0, "m": 1}
    )
    assert renames.written(prefs, "history", most) == written
    assert renames.cookie(written, "history") == renames.cookie(prefs, "history")  # read back
