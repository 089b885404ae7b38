"""Editor and QA tooling: check, schema, preview, force, profile, hot reload, fixtures."""

from __future__ import annotations

import json
import os
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from starlette.requests import Request

from omotenashi import Omotenashi, Settings, identify
from omotenashi.cli.editors import schemas
from omotenashi.cli.main import main
from omotenashi.errors import CommandError
from omotenashi.identity.preview import ForceSigner
from omotenashi.store.embedded import EmbeddedRedis
from omotenashi.testing import SeededVisitor, find_chromium, unavailable

from .conftest import ROOT, client_for, page_app
from .own_suite import run_own_suite

Make = Callable[..., Settings]

PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default hero</div><p data-omo-slot="tagline">Default</p>'
    "</body></html>"
)


def write_site(tmp_path: Path, rules: str, snippets: dict[str, str] | None = None) -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    for name, text in (snippets or {}).items():
        (tmp_path / "snippets" / name).write_text(text)
    (tmp_path / "templates" / "page.html").write_text(PAGE)
    return tmp_path


def test_check_passes_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(ROOT / "rules"), "--templates", str(ROOT / "demo_site/templates")])
    out, err = capsys.readouterr()
    assert code == 0 and "0 error(s)" in err
    assert "error" not in out


def test_check_finds_what_editors_should_hear_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(
        tmp_path,
        """
        rules:
          - {id: a, slot: hero, text: A, why: "because a"}
          - {id: b, slot: hero, text: B, why: "because b"}
          - {id: c, slot: hero, text: C, when: {stage: loyalty}, why: "because c"}
          - {id: d, slot: hero, text: D, when: {stage: interest}, priority: 60, why: "because d"}
          - {id: e, slot: hero, text: E, when: {stage: purchase}, priority: 60, why: "because e"}
          - id: never
            slot: tagline
            text: N
            when: {new: true, visits: {at_least: 3}}
            why: "never"
          - id: ended
            slot: tagline
            text: X
            schedule: {end: 2020-01-01T00:00:00Z}
            why: "an old campaign"
          - {id: ghost, slot: sidebar, text: G, why: "no such slot"}
    """,
        {"unused.html": "<p>hi</p>"},
    )
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules", "--templates", "templates"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0] == (
        "rules/site.yaml:11: error: rule 'never' can never fire: a first visit "
        "(new: true) has exactly 1 visit"
    )
    assert (
        "rules/site.yaml:3: warning: rules 'a', 'b' and 'c' fill 'hero' with the same priority "
        "(50) and more than one can hold at once: the first listed that holds wins; give one a "
        "higher priority if that is not what you mean"
    ) in out
    assert not any("'d' and 'e'" in line for line in out)  # stages differ: never together
    assert any(
        line.startswith(
            "rules/site.yaml:13: warning: rule 'ended' can never fire: its schedule ended"
        )
        for line in out
    )
    assert any("no template in templates declares the slot 'sidebar'" in line for line in out)
    assert "snippets/unused.html:1: warning: no rule uses the snippet 'unused.html'" in out


def test_check_reports_invalid_files_as_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(tmp_path, "rules:\n  - {id: a, slot: hero, snippet: nope.html, why: because}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 1
    assert capsys.readouterr().out.startswith("rules/site.yaml:2: error: rules[0].snippet:")


def test_the_committed_schemas_are_current_and_rule_files_point_at_them() -> None:
    for name, schema in schemas().items():
        committed = json.loads((ROOT / "schema" / name).read_text())
        assert committed == json.loads(json.dumps(schema)), f"run: omotenashi schema ({name})"
    for path in (ROOT / "rules").glob("*.yaml"):
        kind = {"journey.yaml": "journey", "catalog.yaml": "catalog"}.get(path.name, "rules")
        assert path.read_text().startswith(
            f"# yaml-language-server: $schema=../schema/{kind}.schema.json"
        ), path
    rule_props = schemas()["rules.schema.json"]["$defs"]["Rule"]["properties"]
    assert {"slot", "snippet", "when", "priority", "why", "cap", "with"} <= set(rule_props)


def test_preview_lists_fired_rules_and_writes_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(
        tmp_path,
        """
        rules:
          - {id: loyal, slot: hero, text: "Hi {{ visitor.name }}", when: {stage: loyalty},
             why: "loyal"}
          - {id: phone, slot: tagline, text: Phone, when: {device: mobile}, why: "phone"}
    """,
    )
    out_file = tmp_path / "out.html"
    code = main(
        [
            "preview",
            str(site / "templates/page.html"),
            "--rules",
            str(site / "rules"),
            "--stage",
            "loyalty",
            "--attr",
            "first_name=Aiko",
            "--out",
            str(out_file),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "fired      loyal" in out
    assert "because you have reached the furthest stage of your journey with us" in out
    assert "not fired  phone" in out and "unmet: on a mobile" in out
    assert 'data-omo-rule="loyal">Hi Aiko</div>' in out_file.read_text()


@pytest.mark.anyio
async def test_a_signed_preview_link_forces_a_variant_for_one_browser(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    rules = """
    rules:
      - {id: normal, slot: hero, text: Normal, why: "everyone"}
      - {id: forced, slot: hero, text: "Forced {{ visitor.stage }}", priority: 1,
         when: {stage: loyalty, segment: vip}, why: "only loyal VIPs"}
    """
    settings = make_settings(rules, debug_header=False)
    token = ForceSigner(settings).make(rules=["forced"], stage="purchase", ttl=60)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        page = await client.get(f"/?omo_preview={token}")
        assert 'data-omo-rule="forced">Forced purchase<' in page.text
        assert page.headers["x-omotenashi-rules"] == "forced"
        assert f"omo_preview={token}" in page.headers["set-cookie"]
        again = await client.get("/")  # the cookie keeps the variant in this browser
        assert "Forced purchase" in again.text
    assert omotenashi_redis.keys("omo:*") == []  # a preview browser is not recorded
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as other:
        assert "Normal" in (await other.get("/")).text  # only that browser


@pytest.mark.anyio
async def test_a_force_link_in_a_gpc_browser_says_why_it_changes_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    rules = """
    rules:
      - {id: normal, slot: hero, text: Normal, why: "everyone"}
      - {id: forced, slot: hero, text: Forced, priority: 1, when: {stage: loyalty}, why: "loyal"}
    """
    settings = make_settings(rules)
    token = ForceSigner(settings).make(rules=["forced"], ttl=60)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw, headers={"sec-gpc": "1"}) as client:
        page = await client.get(f"/?omo_preview={token}")
    assert ">Normal<" in page.text and ">Forced<" not in page.text
    assert page.headers["x-omotenashi-preview"] == (
        "not applied: this browser sends Global Privacy Control or Do Not Track: it is never forced"
    )
    async with client_for(mw, headers={"sec-gpc": "1"}) as client:
        bad = await client.get("/?omo_preview=garbage")  # no good as a link: says that instead
    assert bad.headers["x-omotenashi-preview"].startswith("refused: ")


@pytest.mark.anyio
async def test_a_preview_browser_that_signs_in_leaves_no_trace_in_the_user_s_profile(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The sign-in links the QA browser to the user (their profile is read for the preview),
    but no merge of the browser's id is written into it, as no view of theirs is."""

    async def login(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/login":
            await identify(Request(scope), "qa-tester")
        await page_app(PAGE)(scope, receive, send)

    settings = make_settings("rules: []")
    token = ForceSigner(settings).make(stage="purchase", ttl=60)
    mw = Omotenashi(login, settings=settings)
    async with client_for(mw) as client:
        await client.get(f"/?omo_preview={token}")
        signed_in = await client.get("/login")
        assert "set-cookie" in signed_in.headers  # linked: the user's profile is read
    assert omotenashi_redis.keys("omo:*") == []


@pytest.mark.parametrize(
    "token",
    ["garbage", "forged", "expired"],
)
@pytest.mark.anyio
async def test_unsigned_or_expired_preview_tokens_are_ignored(
    make_settings: Make, token: str
) -> None:
    rules = """
    rules:
      - {id: normal, slot: hero, text: Normal, why: "everyone"}
      - {id: forced, slot: hero, text: Forced, priority: 1, when: {stage: loyalty}, why: "xyz"}
    """
    settings = make_settings(rules)
    if token == "forged":
        token = ForceSigner(Settings(secret_keys=["another"])).make(rules=["forced"])
    elif token == "expired":
        signer = ForceSigner(settings)  # (expired: made as a link is, its time gone by)
        token = signer._serializer.dumps({"r": ["forced"], "x": int(time.time()) - 1})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        page = await client.get(f"/?omo_preview={token}")
    assert "Normal" in page.text and "omo_preview" not in page.headers.get("set-cookie", "")


def test_profile_show_set_delete(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    vid = "ab" * 16
    assert (
        main(
            [
                "profile",
                "set",
                vid,
                "stage=loyalty",
                "interest.hawaii=3",
                "attr.first_name=Aiko",
                "visits=4",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["profile", "show", vid]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["stage"], shown["visits"], shown["attributes"]) == (
        "loyalty",
        4,
        {"first_name": "Aiko"},
    )
    assert shown["interests"] == {"hawaii": 3.0}
    assert main(["profile", "delete", vid]) == 0
    assert omotenashi_redis.keys("omo:*") == []


@pytest.mark.anyio
async def test_rule_edits_take_effect_without_a_restart(
    make_settings: Make, tmp_path: Path
) -> None:
    rules = 'rules:\n  - {id: a, slot: hero, text: "First", why: "because"}\n'
    settings = make_settings(rules)
    settings.rules.reload_interval = 0.01
    rule_file = settings.rules.dir / "site.yaml"
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        assert "First" in (await client.get("/")).text
        rule_file.write_text(rules.replace("First", "Second"))
        await mw.rules.check()  # what the background watcher does every interval
        assert "Second" in (await client.get("/")).text
        rule_file.write_text("rules:\n  - {id: a, slot: hero, text: Broken}\n")  # no why
        await mw.rules.check()
        assert "Second" in (await client.get("/")).text  # the last good set stays
        assert mw.metrics["rule_error"] == 1
        rule_file.write_text('rules:\n  - {id: a, slot: hero, snippet: s.html, why: "because"}\n')
        (settings.rules.snippets_dir / "s.html").write_text("<b>Snippet one</b>")
        await mw.rules.check()
        assert "Snippet one" in (await client.get("/")).text
        time.sleep(0.01)  # a new modification time
        (settings.rules.snippets_dir / "s.html").write_text("<b>Snippet number two</b>")
        await mw.rules.check()
        assert "Snippet number two" in (await client.get("/")).text


@pytest.mark.anyio
async def test_the_visitor_fixture_seeds_a_profile_for_httpx(
    make_settings: Make,
    omotenashi_settings: Settings,
    omotenashi_visitor: Callable[..., SeededVisitor],
    omotenashi_force: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = """
    rules:
      - {id: loyal, slot: hero, text: "Welcome back {{ visitor.name }}", when: {stage: loyalty},
         why: "loyal"}
      - {id: fan, slot: tagline, text: "Hawaii fan", when: {interest: {hawaii: {at_least: 3}}},
         why: "fan"}
    """
    visitor = omotenashi_visitor(
        stage="loyalty", interests={"hawaii": 4}, attrs={"first_name": "Ken"}, visits=3
    )
    settings = make_settings(rules, secret_keys=["test-key"])
    monkeypatch.setattr(omotenashi_settings, "rules", settings.rules)  # the fixtures' rules too
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        visitor.apply(client)
        page = await client.get("/")
    assert "Welcome back Ken" in page.text and "Hawaii fan" in page.text
    async with client_for(mw) as client:  # a new visitor, forced by the fixture's token
        client.cookies.set("omo_preview", omotenashi_force(rules=["fan"], stage="loyalty"))
        forced = await client.get("/")
    assert "Welcome back" in forced.text and "Hawaii fan" in forced.text


def test_preview_renders_a_site_template_with_its_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "home.html"
    context = json.dumps({"tours": {"kyoto-autumn": {"title": "Kyoto", "price": 1}}})
    code = main(
        [
            "preview",
            str(ROOT / "demo_site/templates/home.html"),
            "--rules",
            str(ROOT / "rules"),
            "--stage",
            "loyalty",
            "--visits",  # the loyalty hero thanks someone who has booked with us
            "2",
            "--purchases",
            "1",
            "--context",
            context,
            "--out",
            str(out_file),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "(6 slots: also-like, featured, hero, hero-image, notice, tagline)" in out
    html = out_file.read_text()
    assert "<h1>Where to next?</h1>" in html


def test_force_prints_a_link_or_a_cookie(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", "test-key")
    assert main(["force", "--rule", "a", "--url", "https://shop.example/tours?x=1"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://shop.example/tours?x=1&omo_preview=")
    assert main(["force", "--stage", "loyalty", "--cookie"]) == 0
    token = capsys.readouterr().out.strip().removeprefix("omo_preview=")
    signer = ForceSigner(Settings(secret_keys=["test-key"]))
    forced = signer.read(token, "127.0.0.1:8000")  # the cookie too is bound to --url's host
    assert forced is not None and forced.stage == "loyalty"
    assert signer.check(token, "shop.example") == (
        "refused: made for 127.0.0.1:8000, this is shop.example"
    )
    assert main(["force", "--stage", "nirvana"]) == 2
    assert "not a journey stage" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "args", "code", "said"),
    [
        ({"OMOTENASHI_PREVIEW_KEYS": "qa-key"}, [], 0, ""),  # a QA key alone is enough
        ({"OMOTENASHI_PREVIEW_KEYS": "qa-key"}, ["--time", "2026-12-24T19:00+09:00"], 0, ""),
        ({"OMOTENASHI_PREVIEW_KEYS": "qa-key"}, ["--time", "xmas"], 2, "'xmas' is not a date"),
        (  # (a zone moved it out of Python's years: every forced page failed, unsaid: time53)
            {"OMOTENASHI_PREVIEW_KEYS": "qa-key", "OMOTENASHI_RULES_TIMEZONE": "America/New_York"},
            ["--time", "9999-12-31T23:00"],
            2,
            "'9999-12-31T23:00' is outside the years 0002 to 9998",
        ),
        (  # no offset: in the rules' time zone, as schedules and preview --time read it
            {"OMOTENASHI_PREVIEW_KEYS": "qa-key", "OMOTENASHI_RULES_TIMEZONE": "Asia/Tokyo"},
            ["--time", "2026-12-24T19:00"],
            0,
            "",
        ),
        (
            {"OMOTENASHI_PREVIEW_KEYS": "qa-key", "OMOTENASHI_PREVIEW_ENABLED": "false"},
            [],
            2,
            "OMOTENASHI_PREVIEW_ENABLED is false",
        ),
        (
            {"OMOTENASHI_PREVIEW_KEYS": "k", "OMOTENASHI_SECRET_KEYS": "k"},
            [],
            2,
            "OMOTENASHI_PREVIEW_KEYS: a preview key is also a cookie key",
        ),
    ],
)
def test_force_signs_with_the_preview_key_briefly_and_at_a_moment(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    args: list[str],
    code: int,
    said: str,
) -> None:
    monkeypatch.delenv("OMOTENASHI_SECRET_KEYS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        got = main(["force", "--rule", "a", "--url", "https://shop.example:443/", *args])
    except SystemExit as exc:  # (a usage error, from argparse: --time xmas)
        got = exc.code
    assert got == code
    out, err = capsys.readouterr()
    assert said in err
    if code:
        return
    token = out.strip().split("omo_preview=")[1]
    forced = ForceSigner(Settings(preview_keys=["qa-key"])).read(token, "shop.example", "https")
    assert forced is not None and forced.rules == {"a"}
    assert 850 < forced.expires - time.time() <= 900  # 15 minutes unless --ttl says otherwise
    zone = ZoneInfo(env.get("OMOTENASHI_RULES_TIMEZONE", "UTC"))
    moment = datetime.fromisoformat(args[1]) if args else None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    assert forced.at == (moment.timestamp() if moment else None)


SALE = """
rules:
  - {id: sale, slot: hero, text: Sale, why: "the sale is on",
     schedule: {start: 2026-12-01, end: 2026-12-03}}
  - {id: evening, slot: tagline, text: Evening, why: "evening",
     schedule: {start: "2026-12-01T18:00:00", end: 2026-12-01T23:00:00}}
"""


@pytest.mark.parametrize(
    ("zone", "rule", "starts", "ends"),
    [
        ("Asia/Tokyo", "sale", "2026-11-30T15:00Z", "2026-12-03T15:00Z"),  # days in Tokyo
        ("Asia/Tokyo", "evening", "2026-12-01T09:00Z", "2026-12-01T14:00Z"),  # 18:00-23:00
        ("America/New_York", "sale", "2026-12-01T05:00Z", "2026-12-04T05:00Z"),
        ("UTC", "sale", "2026-12-01T00:00Z", "2026-12-04T00:00Z"),  # through the end date
    ],
)
def test_a_schedule_without_an_offset_is_in_the_rules_time_zone_through_its_end_date(
    zone: str, rule: str, starts: str, ends: str, tmp_path: Path
) -> None:
    from datetime import datetime, timedelta

    from omotenashi.engine.decide import eligible
    from omotenashi.loader.ruleset import load_ruleset
    from omotenashi.loader.snippets import Renderer

    site = write_site(tmp_path, SALE)
    rules = load_ruleset(site / "rules", Renderer(site / "snippets"), timezone=zone)
    scheduled = next(r for r in rules.rules if r.id == rule)
    start, end, minute = (
        datetime.fromisoformat(starts),
        datetime.fromisoformat(ends),
        timedelta(minutes=1),
    )
    on = [eligible(scheduled, at) for at in (start - minute, start, end - minute, end)]
    assert on == [False, True, True, False]


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        ("2026-12-01T05:00:00+09:00", "not fired  sale"),  # 2026-11-30 20:00 UTC: not yet
        ("2026-12-04T08:00:00+09:00", "fired      sale"),  # 2026-12-03 23:00 UTC: the end day
    ],
)
def test_preview_reads_a_bare_date_as_the_engine_does(
    moment: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(tmp_path, SALE)
    out_file = tmp_path / "out.html"
    args = ["preview", str(site / "templates/page.html"), "--rules", str(site / "rules")]
    assert main([*args, "--time", moment, "--out", str(out_file)]) == 0
    sale = next(line for line in capsys.readouterr().out.splitlines() if " sale " in line)
    if said.startswith("not"):
        assert (
            sale
            == f"  {said:39} -> hero: outside its schedule: it starts 2026-12-01T00:00:00+00:00"
        )
    else:
        assert sale.startswith(f"  {said}") and 'data-omo-rule="sale"' in out_file.read_text()


@pytest.mark.parametrize(
    ("zone", "said"),
    [("Asia/Tokyo", "fired      sale"), ("UTC", "not fired  sale")],  # 2026-12-01 00:00 JST
)
def test_preview_with_its_own_rules_folder_keeps_the_rules_time_zone(
    zone: str,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMOTENASHI_RULES_TIMEZONE", zone)
    site = write_site(tmp_path, SALE)
    args = ["preview", str(site / "templates/page.html"), "--rules", str(site / "rules")]
    out_file = str(tmp_path / "out.html")
    assert main([*args, "--time", "2026-11-30T15:00:00+00:00", "--out", out_file]) == 0
    sale = next(line for line in capsys.readouterr().out.splitlines() if " sale " in line)
    assert sale.startswith(f"  {said}")


def test_a_reload_with_a_rule_file_that_has_no_rules_logs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from omotenashi.loader.reload import Reloader
    from omotenashi.metrics import Metrics
    from omotenashi.settings import RulesSettings

    site = write_site(tmp_path, SALE)
    cfg = RulesSettings(dir=site / "rules", snippets_dir=site / "snippets", reload_interval=0.001)
    reloader = Reloader(cfg, Metrics())
    (site / "rules" / "empty.yaml").write_text("# cut short\n")
    time.sleep(0.01)  # past the reload interval (a wait, not a timing assertion)
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        reloader.maybe_reload()
    said = [r.getMessage() for r in caplog.records]
    assert said[0] == "omotenashi: rules reloaded (2 rules)"
    assert said[1:] == [
        f"omotenashi: {site / 'rules' / 'empty.yaml'}: the file has no rules "
        "(it is empty, only comments, or rules: []): if a save was cut short, "
        "restore it; if not, delete the file"
    ]


ARMS_RULES = """
rules:
  - {id: held, slot: hero, text: "Held hero", holdout: 50%, when: {visits: {at_least: 2}},
     why: "held"}
  - {id: steady, slot: tagline, text: "Steady tagline", when: {visits: {at_least: 2}},
     why: "steady"}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("holdouts", "hero"),
    [("shown", "Held hero"), ("held-out", "Default hero"), ({"held": "held-out"}, "Default hero")],
    ids=["shown", "held-out", "by-rule"],
)
async def test_the_visitor_fixture_chooses_its_holdout_arm_and_no_fresh_view(
    make_settings: Make,
    omotenashi_settings: Settings,
    omotenashi_visitor: Callable[..., SeededVisitor],
    monkeypatch: pytest.MonkeyPatch,
    holdouts: object,
    hero: str,
) -> None:
    # 1 page view in 20 fresh (the default) and a 50% holdout: random visitors would miss
    settings = make_settings(ARMS_RULES, respect={"fresh_share": 0.05})
    monkeypatch.setattr(omotenashi_settings, "rules", settings.rules)
    monkeypatch.setattr(omotenashi_settings, "respect", settings.respect)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        for _ in range(20):
            client.cookies.clear()
            omotenashi_visitor(holdouts=holdouts, visits=2).apply(client)
            for _ in range(5):
                page = (await client.get("/")).text
                assert hero in page and "Steady tagline" in page


@pytest.mark.anyio
async def test_the_visitor_fixture_can_ask_for_a_fresh_first_view(
    make_settings: Make,
    omotenashi_settings: Settings,
    omotenashi_visitor: Callable[..., SeededVisitor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(ARMS_RULES, respect={"fresh_share": 0.05})
    monkeypatch.setattr(omotenashi_settings, "rules", settings.rules)
    monkeypatch.setattr(omotenashi_settings, "respect", settings.respect)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        for _ in range(5):
            client.cookies.clear()
            omotenashi_visitor(fresh=True, visits=2).apply(client)
            page = (await client.get("/")).text  # the defaults: a fresh page view
            assert "Default hero" in page and "Steady tagline" not in page


@pytest.mark.parametrize(
    ("call", "says"),
    [
        ({"stage": "loyal"}, "unknown stage 'loyal' (stages: awareness, interest, consideration"),
        ({"cap": {"x": 1}}, "unknown profile field 'cap' (fields: stage, visits, views"),
        ({"visits": "3"}, "profile field 'visits' must be a number, got '3'"),
        ({"caps": {"promo": 0}}, "cap 'promo': expected <visit|day|week|ever>:<count>"),
        ({"holdouts": "control"}, "holdouts: 'control' is not one of ('shown', 'held-out')"),
        ({"holdouts": {"steady": "shown"}}, "'steady' has no holdout in the rules at"),
    ],
    ids=["stage", "field", "number", "cap", "arm", "no-holdout"],
)
def test_the_visitor_fixture_refuses_what_it_does_not_know(
    make_settings: Make,
    omotenashi_settings: Settings,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Callable[..., SeededVisitor],
    monkeypatch: pytest.MonkeyPatch,
    call: dict[str, object],
    says: str,
) -> None:
    monkeypatch.setattr(omotenashi_settings, "rules", make_settings(ARMS_RULES).rules)
    with pytest.raises(CommandError) as raised:
        omotenashi_visitor(**call)
    assert says in str(raised.value)
    assert omotenashi_redis.keys("*") == []  # nothing half-written


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("cap", "seeded", "shown"),
    [("day", "day:1", 2), ("day", "day:3", 0), ("visit", "visit:2", 1), ("ever", "ever:3", 0)],
)
async def test_the_visitor_fixture_seeds_a_cap(
    make_settings: Make,
    omotenashi_visitor: Callable[..., SeededVisitor],
    cap: str,
    seeded: str,
    shown: int,
) -> None:
    rules = f"""
    rules:
      - {{id: promo, slot: hero, text: "Promo", cap: {{views: 3, per: {cap}}}, why: "promo"}}
    """
    mw = Omotenashi(page_app(PAGE), settings=make_settings(rules))
    async with client_for(mw) as client:
        omotenashi_visitor(holdouts=None, visits=2, caps={"promo": seeded}).apply(client)
        pages = [(await client.get("/")).text for _ in range(4)]
    assert sum("Promo" in page for page in pages) == shown


def test_profile_set_seeds_a_cap(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    vid = "ef" * 16
    assert main(["profile", "set", vid, "cap.promo=day:2", "segments=vip,family"]) == 0
    stored = omotenashi_redis.hgetall(f"omo:{{{vid}}}:p2")
    assert stored["kpromo"] == f"d{int(time.time() // 86400)}:2"
    assert stored["SG"] == "vip,family"


PLUGIN_RULES = 'rules:\n  - {id: a, slot: hero, text: "A", holdout: 10%, why: "always"}\n'
SEEDS = "def test_it(omotenashi_visitor):\n    omotenashi_visitor(stage='loyalty')\n"
FLUSHES = "def test_it(omotenashi_redis):\n    omotenashi_redis.set('mine', '1')\n"
BROWSES = (
    "def test_it(page):\n    page.set_content('<p>hi</p>')\n"
    "    assert page.inner_text('p') == 'hi'\n"
)


def _a_chromium() -> bool:
    """A system Chromium, or Playwright's own where `playwright install` puts it."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache/ms-playwright")
    return find_chromium(None) is not None or any(cache.glob("chromium*/chrome-*/chrome"))


@pytest.mark.parametrize(
    ("test", "args", "env", "passes", "says"),
    [
        (
            SEEDS,
            ["--base-url", "http://127.0.0.1:9"],
            {},
            False,
            "set OMOTENASHI_REDIS_URL to the Redis the site at http://127.0.0.1:9 uses",
        ),
        (SEEDS, ["--base-url", "http://127.0.0.1:9"], {"OMOTENASHI_REDIS_URL": "{url}"}, True, ""),
        (
            SEEDS + "    assert False\n",
            [],
            {},
            False,
            "The seeded visitors were written to a private Redis started for these tests",
        ),
        (
            FLUSHES,
            [],
            {"REDIS_URL": "{url}"},
            False,
            "will not FLUSHDB a server these tests did not start",
        ),
        (FLUSHES, [], {"REDIS_URL": "{url}", "OMOTENASHI_TEST_FLUSH": "1"}, True, ""),
        (BROWSES, ["-p", "playwright"], {}, True, ""),
    ],
    ids=["site-without-url", "site-with-url", "failure-hint", "no-flush", "flush", "chromium"],
)
def test_the_plugin_in_a_site_s_own_test_run(
    tmp_path: Path,
    embedded_redis_factory: Callable[..., EmbeddedRedis],
    test: str,
    args: list[str],
    env: dict[str, str],
    passes: bool,
    says: str,
) -> None:
    """The plugin as a QA engineer's suite gets it: its own folder, no conftest, no ini."""
    if test is BROWSES and not _a_chromium():
        unavailable(  # locally a skip; under CI=true a failure: the browser is a real part
            "no Chromium for the plugin to launch: install chromium (apt) or run "
            "`playwright install chromium`"
        )
    server = embedded_redis_factory()
    client = redis.Redis.from_url(server.url, decode_responses=True)
    client.set("theirs", "1")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(PLUGIN_RULES)
    (tmp_path / "test_site.py").write_text(test)
    outside = {"REDIS_URL", "OMOTENASHI_REDIS_URL", "OMOTENASHI_TEST_FLUSH", "CI"}
    done = run_own_suite(
        tmp_path,
        args,
        {"OMOTENASHI_SECRET_KEYS": "k", **env},
        kept=lambda k: k not in outside,
        redis_url=server.url,
    )
    assert (done.returncode == 0) == passes, done.stdout + done.stderr
    assert says in done.stdout
    assert client.exists("theirs") == (not env.get("OMOTENASHI_TEST_FLUSH"))


@pytest.mark.parametrize(
    ("second", "said"),
    [
        ("", "first won the slot (the same priority, and first in the files)"),  # (words52)
        ("priority: 80, ", "second won the slot (higher priority)"),
    ],
)
def test_preview_says_why_a_rule_lost_its_slot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], second: str, said: str
) -> None:
    site = write_site(
        tmp_path,
        f"""
        rules:
          - {{id: first, slot: hero, text: One, why: "one"}}
          - {{id: second, slot: hero, {second}text: Two, why: "two"}}
          - {{id: either, slot: tagline, text: T, when: {{any: [{{device: mobile}}, {{new: true}}],
             not: {{visits: {{at_least: 1}}}}}}, why: "either"}}
    """,
    )
    code = main(["preview", str(site / "templates/page.html"), "--rules", str(site / "rules")])
    out = capsys.readouterr().out
    assert code == 0
    assert said in out
    assert "not: not:" not in out and "one of several things" not in out  # (words52)
