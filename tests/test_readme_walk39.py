"""Following the README as a web team and as an editor (walk 39).

A mistyped ``OMOTENASHI_REDIS_URL`` (``localhost:6379``) was found only as the pool opened,
inside the lifespan, which uvicorn's default ``--lifespan auto`` reads as an app without
lifespan events (one INFO line): the site then served every page unpersonalised, no cookie,
nothing logged. A cookie Domain or Path a browser drops, and a preferences template that is not
there, were taken too. Counts written as one string (``visits: ">= 3"``) made a rule that never
fires, without a word from ``omotenashi check``; conditions not indented under ``when:`` got
the list of every rule field instead of where they belong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.cli.main import main
from omotenashi.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "localhost:6379",
            "OMOTENASHI_REDIS_URL (redis.url): it should start with redis://, rediss://, "
            "unix:// or redis+sentinel:// (redis://host:6379/0) (got 'localhost:6379')",
        ),
        ("http://cache:6379/0", "it should start with redis://"),
        (
            "redis://:hunter2@cache:637900/0",
            "a port should be a number from 1 to 65535 (redis://host:6379/0) "
            "(got 'redis://:***@cache:637900/0')",
        ),
        ("redis://cache:port/0", "a port should be a number"),
        ("redis+sentinel://s1:26379,s2:x/mymaster", "a port should be a number"),
        ("redis://cache:6379?db=one&password=hunter2", "its db= should be a number (db=2)"),
    ],
)
def test_a_redis_url_that_cannot_connect_stops_the_app_naming_it(url: str, said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings(redis={"url": url})
    assert said in str(refused.value) and "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"secret_key": "hunter2-but-longer"}, "OMOTENASHI_SECRET_KEY (secret_key): no such"),
        (  # (config69: where it goes is said)
            {"redis": {"password": "hunter2"}},
            "a Redis password goes in OMOTENASHI_REDIS_URL: redis://:password@host:6379/0) "
            "(got '***')",
        ),
        ({"redis": {"uri": "redis://:hunter2@cache/0"}}, "(got 'redis://:***@cache/0')"),
        ({"measure": {"report_tokn": "hunter2"}}, "OMOTENASHI_MEASURE_REPORT_TOKEN?) (got '***')"),
    ],
)
def test_a_secret_under_a_misspelt_name_is_not_repeated(given: dict[str, Any], said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings(**given)
    assert said in str(refused.value) and "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost:6379/0",
        "REDIS://localhost",
        "rediss://user:pa%2Fss@cache.internal:6380/1?ssl_ca_certs=/ca.pem",
        "unix:///run/valkey.sock?db=2",
        "redis+sentinel://s1:26379,s2:26380/mymaster",
        "redis://[::1]:6379/0",
    ],
)
def test_a_redis_url_that_can_connect_is_taken(url: str) -> None:
    assert Settings(redis={"url": url}).redis.url == url


def test_the_starlette_guide_with_a_mistyped_redis_url_stops_at_startup_in_one_line() -> None:
    """The README's own command, under uvicorn's default lifespan: the old code served."""
    env = {
        **os.environ,
        "OMOTENASHI_SECRET_KEYS": "Zk3nq8Yp0aX2Lm4Rt6Vw8Zb1Cd3Ef5Gh",
        "OMOTENASHI_REDIS_URL": "localhost:6379",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "middleware"), str(ROOT)]),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "examples.starlette_site.app:app", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it served (the old code): stop it, keep what it said
        server.kill()
        out, _ = server.communicate()
    assert server.returncode != 0, out
    assert "Application startup complete" not in out
    assert "ConfigError: OMOTENASHI_REDIS_URL (redis.url): it should start with" in out


@pytest.mark.parametrize(
    ("cookie", "said"),
    [
        ({"domain": "https://shop.example"}, "OMOTENASHI_COOKIE_DOMAIN (cookie.domain): it should"),
        ({"domain": "shop.example:8000"}, "be a host name, example.com (no scheme, port or path)"),
        ({"path": "shop"}, "OMOTENASHI_COOKIE_PATH (cookie.path): it should be a path"),
        ({"path": "/shop; Domain=evil.example"}, "a path from the site's root, / or /shop"),
    ],
)
def test_a_cookie_a_browser_would_drop_is_refused(cookie: dict[str, str], said: str) -> None:
    with pytest.raises(ConfigError, match="cookie") as refused:
        Settings(cookie=cookie)
    assert said in str(refused.value)


@pytest.mark.parametrize(
    "cookie",
    [
        {"domain": ".shop.example"},
        {"domain": "localhost"},
        {"domain": "my_app.internal"},
        {"domain": "192.168.1.10"},
        {"path": "/shop/"},
    ],
)
def test_a_cookie_a_browser_keeps_is_taken(cookie: dict[str, str]) -> None:
    assert Settings(cookie=cookie).cookie.model_dump(include=set(cookie)) == cookie


async def _page(scope: object, receive: object, send: object) -> None:
    raise AssertionError("never called")


def test_a_preferences_template_that_is_not_there_stops_the_app(tmp_path: Path) -> None:
    missing = tmp_path / "my-preferences.html"
    with pytest.raises(ConfigError) as refused:
        Omotenashi(_page, settings=Settings(respect={"preferences_template": missing}))
    assert str(refused.value).startswith(
        "OMOTENASHI_RESPECT_PREFERENCES_TEMPLATE (respect.preferences_template): path does "
        "not point to a file"
    )


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (
            '    when: {visits: ">= 3"}\n',
            "rules/site.yaml:5: error: rules[0].when.visits: '>= 3' is not a number "
            "(write {at_least: 3})",
        ),
        (
            '    when: {not: {views: "3+"}}\n',
            "rules/site.yaml:5: error: rules[0].when.not.views: '3+' is not a number "
            "(write {at_least: 3})",
        ),
        (
            "    when: {purchases: '> 0'}\n",
            "rules/site.yaml:5: error: rules[0].when.purchases: '> 0' is not a number "
            "(write {gt: 0})",
        ),
        (
            "    when: {interest: {hawaii: '>=2'}}\n",
            "rules/site.yaml:5: error: rules[0].when.interest: '>=2' is not a number "
            "(write {at_least: 2})",
        ),
        (
            "    when: {event: {join_club: [1, many]}}\n",
            "rules/site.yaml:5: error: rules[0].when.event: 'many' is not a number "
            "(write a number, e.g. 3, or {at_least: 3})",
        ),
        (
            "    when: {visits: nan}\n",  # a count is never NaN: the rule never fired
            "rules/site.yaml:5: error: rules[0].when.visits: 'nan' is not a number "
            "(write a number, e.g. 3, or {at_least: 3})",
        ),
        (
            "    when: {views: {ne: .inf}}\n",
            "rules/site.yaml:5: error: rules[0].when.views: inf is not a count "
            "(write a number, e.g. 3, or {at_least: 3})",
        ),
        (
            "    when:\n    returning: true\n",
            "rules/site.yaml:6: error: rules[0].returning: unknown field 'returning' "
            "(indent it under when:)",
        ),
        (
            "    views: 3\n",
            "rules/site.yaml:5: error: rules[0].views: unknown field 'views' "
            "(indent it under when: or cap:)",
        ),
    ],
)
def test_an_editors_count_or_condition_in_the_wrong_place_is_an_error_saying_the_fix(
    when: str,
    error: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = f"  - id: back\n    slot: hero\n    text: Welcome back\n{when}"
    assert _check(tmp_path, monkeypatch, rule + "    why: You have been here before.\n") == 1
    assert error in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("copy", "error"),
    [
        ("Hello {{ visitor.nmae }}", "'nmae' is not a visitor field; did you mean 'name'? ("),
        ("Hello {{ visitor.first_name }}", "'first_name' is not a visitor field; did you mean"),
    ],
)
def test_copy_asking_for_a_misspelt_visitor_field_is_told_the_field_meant(
    copy: str,
    error: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = f'  - id: hello\n    slot: hero\n    text: "{copy}"\n    why: Hello.\n'
    assert _check(tmp_path, monkeypatch, rule) == 1
    assert error in capsys.readouterr().out


@pytest.mark.parametrize(
    "when", ['{visits: "3"}', "{views: {at_least: 3}}", "{interest: {hawaii: [2, '3']}}"]
)
def test_a_count_written_as_a_number_is_taken(
    when: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = "  - id: back\n    slot: hero\n    text: Welcome back\n"
    rule += f"    when: {when}\n    why: You have been here before.\n"
    assert _check(tmp_path, monkeypatch, rule) == 0, capsys.readouterr().out


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: str) -> int:
    """``omotenashi check rules`` on a rules folder of one file holding ``rule``."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(f"rules:\n{rule}")
    monkeypatch.chdir(tmp_path)
    return main(["check", "rules"])
