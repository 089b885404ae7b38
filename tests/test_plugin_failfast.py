"""The QA tools fail loudly where they would otherwise pass by mistake: fixtures that would sign
with a key the site under ``--base-url`` does not have, a Redis that does not answer, a force
link naming rules the site lacks (the fixture, the command and the site each say so), a cookie
read without the keys, pytest-playwright's own ``base_url`` under ``-W error``, and no Chromium
at all (a failure, not a skip a CI without ``CI=true`` would count as a pass)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.cli.main import main
from omotenashi.errors import CommandError
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.identity.preview import ForceSigner
from omotenashi.store.embedded import EmbeddedRedis

from .conftest import ROOT, client_for, page_app
from .own_suite import run_own_suite

SITE = "http://127.0.0.1:9"  # never started: only the plugin's own checks run
SEEDS = "def test_it(omotenashi_visitor):\n    omotenashi_visitor(stage='loyalty')\n"
FORCES = "def test_it(omotenashi_force):\n    omotenashi_force(stage='loyalty')\n"
BASE = f"def test_it(base_url):\n    assert base_url == {SITE!r}\n"
KEYED = (
    "import pytest\nfrom omotenashi import Settings\n\n"
    "@pytest.fixture(scope='session')\ndef omotenashi_settings():\n"
    "    return Settings(secret_keys=['the-site-s-own-key'])\n"
)
OUTSIDE = ("REDIS_URL", "CI", "PYTEST_BASE_URL", "PYTEST_ADDOPTS")


@pytest.mark.parametrize(
    ("files", "args", "env", "passes", "says"),
    [
        (
            {"test_site.py": SEEDS},
            ["--base-url", SITE],
            {"OMOTENASHI_REDIS_URL": "{url}"},
            False,
            f"omotenashi_visitor: set OMOTENASHI_SECRET_KEYS to the keys of the site at {SITE}, "
            "or override omotenashi_settings",
        ),
        (
            {"test_site.py": FORCES},
            ["--base-url", SITE],
            {},
            False,
            "omotenashi_force: set OMOTENASHI_PREVIEW_KEYS (its force-link keys) or "
            "OMOTENASHI_SECRET_KEYS to the keys of the site at",
        ),
        (
            {"test_site.py": FORCES},
            ["--base-url", SITE],
            {"OMOTENASHI_PREVIEW_KEYS": "qa"},
            True,
            "",
        ),
        (
            {"test_site.py": SEEDS},
            ["--base-url", SITE],
            {"OMOTENASHI_REDIS_URL": "{url}", "OMOTENASHI_SECRET_KEYS": "k"},
            True,
            "",
        ),
        (
            {"test_site.py": SEEDS, "conftest.py": KEYED},
            ["--base-url", SITE],
            {"OMOTENASHI_REDIS_URL": "{url}"},
            True,
            "",
        ),
        ({"test_site.py": SEEDS + FORCES.replace("test_it", "test_too")}, [], {}, True, ""),
        (  # (qa66: a token the site refuses, the test failing only at its assertion)
            {"test_site.py": FORCES},
            [],
            {"OMOTENASHI_PREVIEW_ENABLED": "false", "OMOTENASHI_SECRET_KEYS": "k"},
            False,
            "omotenashi_force: OMOTENASHI_PREVIEW_ENABLED is false here",
        ),
        (
            {"test_site.py": SEEDS},
            ["--base-url", SITE],
            {"OMOTENASHI_REDIS_URL": "redis://127.0.0.1:1/0", "OMOTENASHI_SECRET_KEYS": "k"},
            False,
            "omotenashi: cannot reach the site's Redis at redis://127.0.0.1:1/0: ",
        ),
        (  # (qaguide49) a CI service's REDIS_URL would win over the site's server
            {"test_site.py": SEEDS},
            ["--base-url", SITE],
            {
                "REDIS_URL": "redis://127.0.0.1:1/1",
                "OMOTENASHI_REDIS_URL": "{url}",
                "OMOTENASHI_SECRET_KEYS": "k",
            },
            False,
            "omotenashi: REDIS_URL (redis://127.0.0.1:1/1) and OMOTENASHI_REDIS_URL (",
        ),
        (
            {"test_site.py": SEEDS},
            ["--base-url", SITE],
            {"REDIS_URL": "{url}", "OMOTENASHI_REDIS_URL": "{url}", "OMOTENASHI_SECRET_KEYS": "k"},
            True,
            "",
        ),
        ({"test_site.py": BASE}, ["-W", "error", "--base-url", SITE], {}, True, ""),
        (
            {"test_site.py": BASE, "pytest.ini": f"[pytest]\nbase_url = {SITE}\n"},
            ["-W", "error"],
            {},
            True,
            "",
        ),
        ({"test_site.py": BASE}, ["-W", "error", "--base-url", SITE + "/"], {}, True, ""),
        (  # a path's own slash is the site's: kept
            {"test_site.py": BASE.replace(repr(SITE), repr(SITE + "/shop/"))},
            ["--base-url", SITE + "/shop/"],
            {},
            True,
            "",
        ),
    ],
    ids=[
        "visitor-without-keys",
        "force-without-keys",
        "force-with-a-preview-key",
        "visitor-with-keys",
        "visitor-with-keys-in-an-override",
        "in-process-without-keys",
        "force-with-previews-off",
        "unreachable-redis",
        "two-redis-urls",
        "the-same-redis-url-twice",
        "base-url-option",
        "base-url-ini",
        "base-url-root-without-its-slash",  # qa64: base_url + "/" was "//"
        "base-url-path-keeps-its-slash",
    ],
)
def test_the_plugin_fails_at_once_where_a_test_would_pass_by_mistake(
    tmp_path: Path,
    embedded_redis_factory: Callable[..., EmbeddedRedis],
    files: dict[str, str],
    args: list[str],
    env: dict[str, str],
    passes: bool,
    says: str,
) -> None:
    """A QA engineer's own suite: its own folder, no ini unless given, the plugin as installed."""
    server = embedded_redis_factory()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    done = run_own_suite(
        tmp_path,
        args,
        env,
        kept=lambda k: k not in OUTSIDE and not k.startswith("OMOTENASHI_"),
        redis_url=server.url,
    )
    output = done.stdout + done.stderr
    assert (done.returncode == 0) == passes, output
    assert says in done.stdout
    assert "Traceback" not in output and "redis/connection.py" not in output
    assert "During handling" not in output  # no chained exception above the one line


BROWSES = "def test_it(page):\n    page.set_content('<p>hi</p>')\n"


def test_no_chromium_at_all_fails_with_playwright_s_own_error(tmp_path: Path) -> None:
    """Neither Playwright's own Chromium nor a system one: the browser tests of a suite with
    the plugin fail, saying to install it, also where CI is not set to true (Jenkins)."""
    (tmp_path / "test_site.py").write_text(BROWSES)
    nowhere = str(tmp_path / "nowhere")  # no browsers downloaded here, no chromium on PATH
    done = run_own_suite(
        tmp_path,
        ["-p", "playwright"],
        {"PATH": nowhere, "PLAYWRIGHT_BROWSERS_PATH": nowhere},
        kept=lambda k: k not in ("CI", "PATH", "PLAYWRIGHT_BROWSERS_PATH", "PYTEST_ADDOPTS"),
        redis_url="",
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Executable doesn't exist" in done.stdout and "playwright install" in done.stdout
    assert "skipped" not in done.stdout


RULES = """
rules:
  - {id: kyoto-hero, slot: hero, text: "Kyoto", when: {stage: loyalty}, why: "kyoto"}
  - {id: tagline, slot: tagline, text: "Tag", why: "always"}
"""
PAGE = (
    '<html><body><div data-omo-slot="hero">Home</div><p data-omo-slot="tagline">T</p></body></html>'
)


@pytest.mark.parametrize(
    ("rules", "here", "says"),
    [
        (["kyoto-heroo"], True, "no rule 'kyoto-heroo' (did you mean 'kyoto-hero'?) in the rules"),
        (["kyoto-hero", "zzz"], True, "omotenashi_force: no rule 'zzz' in the rules at"),
        (["kyoto-hero"], True, ""),
        (["kyoto-heroo"], False, ""),  # no rules folder here: a site tested where it runs
    ],
    ids=["typo", "unknown", "known", "no-rules-folder"],
)
def test_the_force_fixture_refuses_rules_the_site_does_not_have(
    make_settings: Callable[..., Settings],
    omotenashi_settings: Settings,
    omotenashi_force: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    rules: list[str],
    here: bool,
    says: str,
) -> None:
    site = make_settings(RULES).rules
    if not here:
        site = site.model_copy(update={"dir": tmp_path / "not-here"})
    monkeypatch.setattr(omotenashi_settings, "rules", site)
    if says:
        with pytest.raises(CommandError) as raised:
            omotenashi_force(rules=rules)
        assert says in str(raised.value)
        return
    forced = ForceSigner(omotenashi_settings).read(omotenashi_force(rules=rules))
    assert forced is not None and forced.rules == set(rules)


@pytest.mark.parametrize(
    ("args", "env_rules", "code", "says"),
    [
        (
            ["--rule", "kyoto-heroo"],
            True,
            2,
            "omotenashi force: --rule: no rule 'kyoto-heroo' (did you mean 'kyoto-hero'?) in the "
            f"rules at {str(ROOT / 'rules')!r}: nothing to force\n",
        ),
        (["--rule", "kyoto-heroo", "--rules", str(ROOT / "rules")], False, 2, "'kyoto-heroo'"),
        (["--rule", "kyoto-hero", "--rule", "loyalty-hero"], True, 0, ""),
        (["--rule", "no-such-rule"], False, 0, ""),  # no rules given: not checked
        (["--rule", "a", "--rules", "/nonexistent/rules"], False, 2, "no rules folder at"),
    ],
    ids=["typo", "typo-with-rules", "known", "unchecked", "missing-folder"],
)
def test_force_refuses_rule_ids_the_rules_do_not_have(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env_rules: bool,
    code: int,
    says: str,
) -> None:
    forced(monkeypatch, capsys, args, env_rules, code, says)


def forced(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env_rules: bool,
    code: int,
    says: str,
) -> None:
    """``omotenashi force ARGS`` exits ``code``, saying ``says`` on stderr and printing a link
    only on success; ``env_rules``: with OMOTENASHI_RULES_DIR at the demo's rules."""
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", "a-test-key-of-enough-length")
    monkeypatch.delenv("OMOTENASHI_RULES_DIR", raising=False)
    if env_rules:
        monkeypatch.setenv("OMOTENASHI_RULES_DIR", str(ROOT / "rules"))
        monkeypatch.setenv("OMOTENASHI_RULES_SNIPPETS_DIR", str(ROOT / "snippets"))
    assert main(["force", *args, "--url", "https://shop.example/"]) == code
    out, err = capsys.readouterr()
    assert says in err
    assert ("omo_preview=" in out) == (code == 0)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("forced", "header"),
    [
        (["kyoto-hero"], None),
        (["kyoto-hero", "kyoto-heroo"], "unknown rules: kyoto-heroo (this site has no such rule"),
        (["nope", "zap"], "unknown rules: nope, zap (this site has no such rule"),
        ([f"r{n}" for n in range(7)], "unknown rules: r0, r1, r2, r3, r4 and 2 more (this site"),
    ],
    ids=["known", "one-unknown", "all-unknown", "many-unknown"],
)
async def test_the_site_says_in_a_header_which_forced_rules_it_does_not_have(
    make_settings: Callable[..., Settings], forced: list[str], header: str | None
) -> None:
    settings = make_settings(RULES)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        client.cookies.set("omo_preview", ForceSigner(settings).make(rules=forced))
        response = await client.get("/")
    said = response.headers.get("x-omotenashi-preview")
    assert said == header or (header is not None and said is not None and said.startswith(header))
    assert "unknown rules" not in response.text and "kyoto-heroo" not in response.text
    assert ("Kyoto" in response.text) == ("kyoto-hero" in forced)  # the known one still forced


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        (
            "",
            "omotenashi profile: reading a cookie value needs the site's keys: set "
            "OMOTENASHI_SECRET_KEYS",
        ),
        ("another-key-of-enough-length", "not signed with these keys (OMOTENASHI_SECRET_KEYS)"),
    ],
    ids=["no-keys", "other-keys"],
)
def test_profile_set_with_a_cookie_names_the_keys_it_needs(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    keys: str,
    says: str,
) -> None:
    site = CookieSigner(Settings(secret_keys=["the-site-s-key-of-length"]))
    cookie = site.sign(Identity(vid="ab" * 16, is_new=False, issued_at=time.time()))
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", keys)
    assert main(["profile", "set", cookie, "stage=loyalty"]) == 2
    assert says in capsys.readouterr().err
    assert omotenashi_redis.keys("*") == []


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--segment", "membr"], 2, "--segment: 'membr' is no segment the journey defines or a "),
        (["--segment", "famliy", "--rule", "kyoto-hero"], 2, "did you mean 'family'?"),
        (["--segment", "member", "--segment", "couple"], 0, ""),
        (["--segment", "app-set-vip"], 0, ""),  # far from every known one: the site may set it
    ],
    ids=["typo", "typo-with-rule", "known", "unlike-any"],
)
def test_force_refuses_a_segment_that_looks_misspelt(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    says: str,
) -> None:
    forced(monkeypatch, capsys, args, True, code, says)


SEGMENT_RULES = """
rules:
  - {id: vip-hero, slot: hero, text: "Hello VIP", when: {segment: vip}, why: "for VIPs"}
  - {id: tagline, slot: tagline, text: "Tag", why: "always"}
"""


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"segments": ["vipp"]}, "segments= 'vipp' is no segment the journey defines or a rule"),
        ({"segments": "family,vipp"}, "did you mean 'vip'?"),
        ({"segments": ["vip", "newsletter-2026"]}, ""),
        ({"caps": {"vip-heroo": "day:1"}}, "caps= names no rule 'vip-heroo' (did you mean"),
        ({"caps": {"vip-hero": "day:1"}}, ""),
        ({"caps": {"an-app-of-its-own": "day:1"}}, ""),  # (unlike any: the app's own rules)
    ],
    ids=[
        "segment-typo",
        "segment-typo-text",
        "segments-known-or-unlike",
        "cap-typo",
        "cap-ok",
        "cap-unlike-any",
    ],
)
def test_the_visitor_fixture_refuses_a_cap_or_segment_the_site_does_not_have(
    make_settings: Callable[..., Settings],
    omotenashi_settings: Settings,
    omotenashi_visitor: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    given: dict[str, Any],
    says: str,
) -> None:
    monkeypatch.setattr(omotenashi_settings, "rules", make_settings(SEGMENT_RULES).rules)
    if says:
        with pytest.raises(CommandError) as raised:
            omotenashi_visitor(**given)
        assert says in str(raised.value)
        assert "omotenashi_visitor" in str(raised.value)
    else:
        assert omotenashi_visitor(**given).id


def test_the_force_fixture_refuses_a_segment_that_looks_misspelt(
    make_settings: Callable[..., Settings],
    omotenashi_settings: Settings,
    omotenashi_force: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(omotenashi_settings, "rules", make_settings(SEGMENT_RULES).rules)
    with pytest.raises(CommandError, match="omotenashi_force: segments= 'vipp' .* 'vip'"):
        omotenashi_force(segments=["vipp"])
    assert omotenashi_force(segments=["vip"])
