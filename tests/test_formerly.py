"""A rule or category renamed with ``formerly:`` keeps what visitors chose and what was counted
under its former name: what they switched off stays off (on the page, on the preferences page,
after a save), a cap goes on, a holdout arm is kept and a visitor is measured once. A former
name that is ambiguous refuses the file at its line and field. Against a real Redis."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, RuleSetError, Settings
from omotenashi.cli.editors import schemas
from omotenashi.engine.flash import Flash
from omotenashi.engine.profile import Profile
from omotenashi.engine.renames import Renames
from omotenashi.engine.restraint import in_holdout
from omotenashi.identity.cookie import CookieSigner, Identity, renamed
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.measure.collect import report_for
from omotenashi.store.store import Store

from .conftest import client_for, page_app
from .conftest import form_token as csrf
from .test_switch_back_on import sent

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
SAME_SITE = {"origin": "http://shop.test"}
PAGE = '<html><body><div data-omo-slot="hero">Default hero</div></body></html>'
OFFER = "Spring offer"


def offer(rule_id: str, category: str = "offers", extra: str = "") -> str:
    return (
        f"  - {{id: {rule_id}, slot: hero, text: {OFFER}, category: {category}, "
        f'why: "Our offer."{extra}}}\n'
    )


async def visit(settings: Settings, cookie: str | None, *paths: str) -> tuple[list[str], str]:
    """The pages ``paths`` (a ``POST:`` path posts its form) as one browser sees them, with
    ``cookie`` as its visitor cookie; and the cookie it has after."""
    pages: list[str] = []
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        if cookie:
            client.cookies.set("omo_vid", cookie, domain="shop.test")
        for path in paths:
            pages.append((await client.get(path)).text)
        return pages, client.cookies.get("omo_vid") or ""


async def post(settings: Settings, cookie: str, form: dict[str, list[str] | str]) -> str:
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        client.cookies.set("omo_vid", cookie, domain="shop.test")
        done = await client.post(PREFS, data=form, headers=SAME_SITE)
        assert done.status_code == 303, done.text
        return client.cookies.get("omo_vid") or cookie


def choices(settings: Settings, cookie: str) -> dict[str, object]:
    ident = CookieSigner(settings).read(cookie)
    assert ident is not None
    return ident.prefs


def boxes(page: str, name: str) -> dict[str, bool]:
    """The preferences page's checkboxes named ``name``: value -> ticked."""
    out: dict[str, bool] = {}
    for tag in re.findall(r"<input[^>]*>", page, re.S):
        value = re.search(r'value="([^"]*)"', tag)
        if f'name="{name}"' in tag and 'type="checkbox"' in tag and value:
            out[value.group(1)] = bool(re.search(r"\schecked", tag))
    return out


@pytest.mark.parametrize(
    ("old_rules", "new_rules", "switch", "field", "now", "before"),
    [
        (
            offer("spring"),
            offer("spring-sale", extra=", formerly: [spring]"),
            "dismiss",
            "rule",
            "spring-sale",
            "spring",
        ),
        (
            offer("spring"),
            offer("spring-sale", extra=", formerly: spring"),  # one name, without brackets
            "dismiss",
            "rule",
            "spring-sale",
            "spring",
        ),
        (
            offer("spring"),
            "categories:\n  deals: {formerly: [offers]}\nrules:\n"
            + offer("spring", category="deals"),
            "kind",
            "category",
            "deals",
            "offers",
        ),
    ],
    ids=["rule", "rule-bare-name", "category"],
)
async def test_what_a_visitor_switched_off_stays_off_under_its_new_name(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    old_rules: str,
    new_rules: str,
    switch: str,
    field: str,
    now: str,
    before: str,
) -> None:
    old = make_settings("rules:\n" + old_rules, respect={"disclosure": True})
    (shown, prefs), cookie = await visit(old, None, "/", PREFS)
    if switch == "dismiss":  # "Don't show me this" on the block
        form = {"csrf": csrf(shown), "action": "dismiss", "rule": before, "next": "/"}
    else:  # its kind unticked on the preferences page
        form = sent(prefs, leave=before)
    cookie = await post(old, cookie, form)
    (gone,), cookie = await visit(old, cookie, "/")
    assert OFFER in shown and OFFER not in gone

    new = make_settings(new_rules if new_rules.startswith("categories") else "rules:\n" + new_rules)
    (page, listed, exported), cookie = await visit(new, cookie, "/", PREFS, PREFS + "/export")
    switches = {k: v for value, v in boxes(listed, field).items() for k in value.split(",")}
    saved = await post(new, cookie, sent(listed))
    (after, relisted), _ = await visit(new, saved, "/", PREFS)

    assert OFFER not in page  # still off, under the name it has now
    assert switches.get(now) is False and before not in switches  # listed once, unticked
    key = "r" if field == "rule" else "c"
    assert json.loads(exported)["choices"][key] == [now]  # the download names it as it is now
    # a save keeps it off, under the name now, then the former name (for a release without
    # the rename: a rolling deploy, a rollback; test_rolling_choices.py)
    assert choices(new, saved)[key] == [now, before]
    assert OFFER not in after and boxes(relisted, field).get(now) is False
    if field == "rule":  # what was shown lists it once, under its id now
        assert json.loads(exported)["profile"]["shown"] == {now: 1}


@pytest.mark.parametrize("per", ["week", "ever"])
async def test_a_cap_counted_under_a_former_id_holds_for_the_new_one(
    make_settings: Make, omotenashi_redis: redis.Redis, per: str
) -> None:
    cap = f", cap: {{views: 1, per: {per}}}"
    old = make_settings("rules:\n" + offer("spring", extra=cap))
    (first, second), cookie = await visit(old, None, "/", "/")
    new = make_settings("rules:\n" + offer("spring-sale", extra=cap + ", formerly: [spring]"))
    (renamed,), _ = await visit(new, cookie, "/")
    (someone_else,), _ = await visit(new, None, "/")
    anew = make_settings("rules:\n" + offer("spring-sale", extra=cap))  # no formerly: anew
    (unrelated,), _ = await visit(anew, cookie, "/")
    assert OFFER in first and OFFER not in second  # the cap, as before
    assert OFFER not in renamed  # its one showing this period was under the former id
    assert OFFER in someone_else and OFFER in unrelated


def vids(count: int) -> list[str]:
    """Visitor ids whose holdout draw for ``spring`` and ``spring-sale`` differ: half held out
    of ``spring``, half of ``spring-sale`` (deterministic)."""
    out: dict[bool, list[str]] = {True: [], False: []}
    n = 0
    while min(len(out[True]), len(out[False])) < count // 2:
        vid, n = f"{n:032x}", n + 1
        held = in_holdout(vid, "spring", 50)
        if held != in_holdout(vid, "spring-sale", 50) and len(out[held]) < count // 2:
            out[held].append(vid)
    return out[True] + out[False]


@pytest.mark.parametrize(
    ("formerly", "exposed_before"),
    [
        ("[spring]", True),  # the arm recorded at the first exposure
        ("[spring]", False),  # never exposed: drawn on the first id
        ("[spring, spring-offer]", False),  # renamed twice: still the first id
    ],
    ids=["recorded", "drawn", "renamed-twice"],
)
async def test_a_visitor_keeps_their_holdout_arm_and_is_measured_once(
    make_settings: Make,
    store: Store,
    tmp_path: Path,
    formerly: str,
    exposed_before: bool,
) -> None:
    old = make_settings("rules:\n" + offer("spring", extra=", holdout: 50%"))
    new = make_settings(
        "rules:\n" + offer("spring-sale", extra=f", holdout: 50%, formerly: {formerly}")
    )
    signer = CookieSigner(old)
    seen: dict[str, tuple[bool, bool]] = {}
    for vid in vids(6):
        cookie = signer.sign(Identity(vid=vid, is_new=False, issued_at=1e9 * 1.7))
        if exposed_before:
            (page,), cookie = await visit(old, cookie, "/")
        (renamed,), _ = await visit(new, cookie, "/")
        then = OFFER in page if exposed_before else not in_holdout(vid, "spring", 50)
        seen[vid] = (then, OFFER in renamed)
    assert all(then == now for then, now in seen.values()), seen
    assert {now for _, now in seen.values()} == {True, False}

    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    report = await report_for(store, ruleset, new, since=None, until=None)
    rows = [row for row in report.rows if row.holdout]
    assert [(row.rule, row.formerly, row.n_t + row.n_c) for row in rows] == [
        ("spring-sale", tuple(formerly.strip("[]").split(", ")), 6)
    ]
    assert rows[0].named.startswith("spring-sale (formerly spring")


BAD = [
    (
        "rules:\n" + offer("a") + offer("b", extra=", formerly: [a]"),
        "site.yaml:3: rules[1].formerly[0]: 'a' is the id of the rule at rules/site.yaml:2",
    ),
    (
        "rules:\n" + offer("a", extra=", formerly: [b]") + offer("b", extra=", formerly: [a]"),
        "site.yaml:2: rules[0].formerly[0]: 'b' is the id of the rule at rules/site.yaml:3, which "
        "names 'a' as its former name: a cycle",
    ),
    (
        "rules:\n" + offer("a", extra=", formerly: [a]"),
        "site.yaml:2: rules[0].formerly[0]: 'a' is this rule's own name",
    ),
    (
        "rules:\n" + offer("b", extra=", formerly: [a]") + offer("c", extra=", formerly: [x, a]"),
        "site.yaml:3: rules[1].formerly[1]: the former name 'a' is claimed already by the rule "
        "'b' (rules/site.yaml:2)",
    ),
    (
        "rules:\n" + offer("b", extra=", formerly: [Old_Id]"),
        "site.yaml:2: rules[0].formerly[0]: ",
    ),
    (
        "rules:\n" + offer("b", extra=f", formerly: [{'o' * 64}]"),
        "site.yaml:2: rules[0].formerly[0]: ",
    ),
    (
        "categories:\n  deals:\n    formerly: [offers]\nrules:\n" + offer("a"),
        "site.yaml:3: categories.deals.formerly[0]: 'offers' is a category in use (rule 'a'",
    ),
    (
        "categories:\n  deals: {formerly: [x]}\n  sales: {formerly: [x]}\nrules:\n" + offer("a"),
        "site.yaml:3: categories.sales.formerly[0]: the former name 'x' is claimed already by "
        "the category 'deals'",
    ),
    (
        "categories:\n  deals: {formerly: [sales]}\n  sales: {formerly: [deals]}\nrules:\n"
        + offer("a", category="deals"),
        "site.yaml:2: categories.deals.formerly[0]: 'sales' is a category in use "
        "(rules/site.yaml:3), which names 'deals' as its former name: a cycle",
    ),
]


@pytest.mark.parametrize(("rules", "said"), BAD, ids=[str(n) for n in range(len(BAD))])
def test_an_ambiguous_former_name_refuses_the_file_at_its_line(
    tmp_path: Path, rules: str, said: str
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    with pytest.raises(RuleSetError) as info:
        load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    errors = [str(e) for e in info.value.errors]
    assert any(said in error for error in errors), errors


def test_the_schema_has_the_former_names() -> None:
    schema = schemas()["rules.schema.json"]
    formerly = schema["$defs"]["Rule"]["properties"]["formerly"]["anyOf"]  # (one, or a list)
    assert [f["maxLength"] for f in formerly if "maxLength" in f] == [63]
    assert [f["items"]["maxLength"] for f in formerly if "items" in f] == [63]
    assert "categories" in schema["properties"]


RENAMES = Renames({"a": "b", "m": "b"}, {}, {"a": 0, "m": 1})  # b: formerly [a, m]


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ({"caps": {"a": ("w1", 1)}}, {"caps": {"b": ("w1", 1)}}),
        ({"caps": {"a": ("w1", 1), "b": ("w2", 3)}}, {"caps": {"b": ("w2", 3)}}),  # its own
        ({"caps": {"a": ("w1", 5), "m": ("w2", 1)}}, {"caps": {"b": ("w2", 1)}}),  # the latest
        ({"shown": {"a": 2, "b": 1, "x": 4}}, {"shown": {"b": 3, "x": 4}}),
        (
            {"shown_why": {"a": (5.0, ["old"]), "b": (9.0, ["new"])}},
            {"shown_why": {"b": (9.0, ["new"])}},
        ),
        (
            {"measured": {"r|a": "c:100", "g|a|buy": "1", "r|x": "t:5"}},
            {"measured": {"r|b": "c:100", "g|b|buy": "1", "r|x": "t:5"}},
        ),
        ({"measured": {"r|m": "t:200", "r|a": "c:100"}}, {"measured": {"r|b": "c:100"}}),
        ({"measured": {"r|a": "c:100", "r|b": "t:300"}}, {"measured": {"r|b": "t:300"}}),
        (  # back while its test was off (measure45): under the id now, once
            {"measured": {"r|a": "c:100", "o|a": "400", "o|m": "300"}},
            {"measured": {"r|b": "c:100", "o|b": "400"}},
        ),
    ],
)
def test_what_former_ids_kept_is_read_under_the_id_now(
    stored: dict[str, Any], read: dict[str, Any]
) -> None:
    profile = RENAMES.profile(Profile(**stored))
    assert {name: getattr(profile, name) for name in read} == read


@pytest.mark.parametrize(
    ("prefs", "flash", "read"),
    [
        ({"r": ["a", "x"], "n": True}, None, {"r": ["b", "x"], "n": True}),
        ({"r": ["a", "b", "m"]}, None, {"r": ["b"]}),
        ({"c": ["offers", "tips"]}, "a", {"c": ["deals", "tips"]}),
        ({"r": ["x"]}, "x", {"r": ["x"]}),
    ],
)
def test_a_cookie_s_choices_and_flash_are_read_under_the_names_now(
    prefs: dict[str, object], flash: str | None, read: dict[str, object]
) -> None:
    renames = Renames({"a": "b", "m": "b"}, {"offers": "deals"}, {"a": 0, "m": 1})
    said = Flash(flash, 1.0) if flash else None
    ident = renamed(
        Identity(vid="v" * 22, is_new=False, issued_at=1.0, prefs=prefs, flash=said), renames
    )
    assert ident.prefs == read
    assert ident.flash == (Flash({"a": "b"}.get(flash, flash), 1.0) if flash else None)


@pytest.mark.parametrize(
    ("rules", "warned"),
    [
        # the rules say "deal", the declaration "deals": the old choices would hold for nothing
        ("categories:\n  deals: {formerly: [offers]}\nrules:\n" + offer("a", category="deal"), 1),
        ("categories:\n  deals: {formerly: [offers]}\nrules:\n" + offer("a", category="deals"), 0),
        # the browsing history's kind renamed: a switch of its own, no rule needs to have it
        ("categories:\n  history: {formerly: [old-history]}\nrules:\n" + offer("a"), 0),
    ],
)
def test_a_renamed_category_no_rule_has_is_a_warning_at_its_line(
    tmp_path: Path, rules: str, warned: int
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    noted: list[LoadWarning] = []
    load_ruleset(
        tmp_path / "rules",
        Renderer(tmp_path / "snippets"),
        base=tmp_path,
        warnings=noted,
        history="history",  # as omotenashi check reads it (the live load says nothing)
    )
    said = [str(n.error) for n in noted if "no rule has the category" in str(n.error)]
    assert len(said) == warned
    if warned:
        assert said[0].startswith("rules/site.yaml:2: categories.deals: no rule has the category")
        assert "'offers'" in said[0] and [n.level for n in noted] == ["warning"]
