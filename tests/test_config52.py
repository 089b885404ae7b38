"""config52: settings and commands that said nothing, or too much.

- A Redis password with a bare "#" or "?" (common in generated ones) was printed whole in the
  error for its URL, which named the port; an ``ssl_password=`` in the query was never masked.
- ``OMOTENASHI_REDIS_EMBEDDED=false`` without a URL turned personalisation off without a word.
- ``--port 99999`` was announced and another port listened on; ``--log-level bogus`` was a
  KeyError after Valkey had started.
- A cookie path that leaves out our own pages (``OMOTENASHI_COOKIE_PATH=/shop``) made every
  preferences page, "Don't show me this" and beacon a new visitor, unsaid.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.announce import covers
from omotenashi.errors import ConfigError
from omotenashi.settingsredis import masked

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:Xy#9secretpw@cache.internal:6379/0", "redis://:***@cache.internal:6379/0"),
        ("redis://:a?b9secret@h:6379/0", "redis://:***@h:6379/0"),
        ("redis://user:p#w?x@h/0", "redis://user:***@h/0"),
        ("rediss://h:6380/0?ssl_password=hunter2&x=1", "rediss://h:6380/0?ssl_password=***&x=1"),
        ("rediss://h/0?SSL_PASSWORD=hunter2", "rediss://h/0?SSL_PASSWORD=***"),
        # not a password: a query's value with an "@" in it, and a password written right
        ("redis://u:pw@h:6379/0?client_name=a@b", "redis://u:***@h:6379/0?client_name=a@b"),
        ("redis://:p%23ss@host:6379/0", "redis://:***@host:6379/0"),
        # eye52: an "=" or "&" after the "?" or "#" of a password (base64 keys end in "=")
        ("redis://:a?b=c@host:6379/0", "redis://:***@host:6379/0"),
        ("redis://:a#b&c@host:6379/0", "redis://:***@host:6379/0"),
        # ... but a fragment after a path, and a redis-py option's value, are no password
        ("redis://host:6379/0#note@x", "redis://host:6379/0#note@x"),
        ("redis://h:6379?client_name=a@b", "redis://h:6379?client_name=a@b"),
    ],
)
def test_a_password_is_masked_whatever_it_holds(url: str, shown: str) -> None:
    assert masked(url) == shown


@pytest.mark.parametrize(
    "url", ["redis://:Xy#9secretpw@cache.internal:6379/0", "redis://:a?b9secret@h/0"]
)
def test_a_bare_hash_or_question_mark_in_a_password_is_named_and_never_shown(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(redis={"url": url})
    said = str(caught.value)
    assert "write '#' as %23 and '?' as %3F" in said
    assert "secret" not in said and "port" not in said


@pytest.mark.parametrize("url", ["redis://host:6379/0#note@x", "redis://h:6379?client_name=a@b"])
def test_a_url_with_an_at_sign_after_its_host_is_still_taken(url: str) -> None:
    assert Settings(redis={"url": url}).redis.url == url  # (eye52: refused as a password)


def test_an_ssl_password_is_never_shown_in_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(redis={"url": "rediss://h:6380/0?ssl_password=hunter2&ssl_cert_reqs=bogus"})
    assert "hunter2" not in str(caught.value) and "ssl_password=***" in str(caught.value)


async def test_no_url_and_no_embedded_server_is_said(
    make_settings: Make, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings("", redis={"url": None, "embedded": False})
    mw = Omotenashi(Starlette(), settings=settings)
    with caplog.at_level(logging.INFO, "omotenashi"):
        await mw.startup()
        await mw.shutdown()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "omotenashi: no OMOTENASHI_REDIS_URL and OMOTENASHI_REDIS_EMBEDDED is false: no Redis "
        "to keep profiles in, so personalisation is off; set OMOTENASHI_REDIS_URL "
        "(redis://host:6379/0)"
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["demo", "--port", "99999"], "argument --port: '99999' is not a port: give 1 to 65535"),
        (["demo", "--port", "0"], "argument --port: '0' is not a port"),
        (["proxy", "--upstream", "http://127.0.0.1:9", "--port", "-1"], "'-1' is not a port"),
        (["demo", "--log-level", "bogus"], "'bogus' is not one of critical, error, warning"),
        (["proxy", "--upstream", "http://127.0.0.1:9", "--log-level", "loud"], "'loud' is not"),
    ],
)
def test_a_port_or_log_level_that_cannot_work_is_a_usage_error(args: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "omotenashi.cli", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert "Valkey" not in done.stderr + done.stdout  # (refused before any server started)


@pytest.mark.parametrize(
    ("cookie", "path", "covered"),
    [
        ("/", "/_omotenashi/", True),
        ("/shop", "/shop/_omotenashi/", True),
        ("/shop/", "/shop/_omotenashi/", True),
        ("/shop", "/_omotenashi/", False),
        ("/shop", "/shopping/_omotenashi/", False),  # (a prefix of the name is not a folder)
    ],
)
def test_a_cookie_path_covers_a_folder_below_it_only(cookie: str, path: str, covered: bool) -> None:
    assert covers(cookie, path) is covered


def page(request: object) -> HTMLResponse:
    return HTMLResponse("<!doctype html><p>shop")


@pytest.mark.parametrize(
    ("cookie", "prefix", "mounted", "warned"),
    [
        ("/shop", "/_omotenashi", False, True),  # (config52: unsaid)
        ("/shop", "/shop/_omotenashi", False, False),
        ("/a", "/_omotenashi", True, False),  # Mount("/a", ...): our pages are under /a too
        ("/", "/_omotenashi", False, False),
    ],
)
async def test_a_cookie_path_that_leaves_our_pages_out_is_said_once(
    make_settings: Make,
    caplog: pytest.LogCaptureFixture,
    cookie: str,
    prefix: str,
    mounted: bool,
    warned: bool,
) -> None:
    settings = make_settings("", cookie={"path": cookie}, endpoint_prefix=prefix)
    mw = Omotenashi(Starlette(routes=[Route("/{p:path}", page)]), settings=settings)
    app = Starlette(routes=[Mount("/a", mw)]) if mounted else mw
    base = "/a" if mounted else "/shop"
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            with caplog.at_level(logging.WARNING, "omotenashi"):
                for _ in range(3):
                    assert (await client.get(base + "/x")).status_code == 200
    finally:
        await mw.shutdown()
    said = [
        r.getMessage() for r in caplog.records if "leaves out Omotenashi's own" in r.getMessage()
    ]
    assert len(said) == (1 if warned else 0)
    if warned:
        assert "set OMOTENASHI_ENDPOINT_PREFIX=/shop/_omotenashi" in said[0]


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"rules": {"dir": ""}}, "OMOTENASHI_RULES_DIR (rules.dir): it is empty: give a folder"),
        ({"rules": {"snippets_dir": " "}}, "OMOTENASHI_RULES_SNIPPETS_DIR"),
        ({"metrics_dir": ""}, "OMOTENASHI_METRICS_DIR (metrics_dir): it is empty"),
        ({"redis": {"breaker_reset": float("inf")}}, "input should be a finite number"),
        ({"hold_seconds": float("inf")}, "OMOTENASHI_HOLD_SECONDS"),
        ({"respect": {"consent_cookie": "a;b"}}, "it should be a cookie's name"),
        ({"respect": {"consent_cookie": ""}}, "OMOTENASHI_RESPECT_CONSENT_COOKIE"),
        # ops65: past Redis's integers, the first request's write failed, the profile kept
        ({"redis": {"idle_ttl": 10**20}}, "OMOTENASHI_REDIS_IDLE_TTL (redis.idle_ttl): input "),
        ({"redis": {"new_ttl": 10**20}}, "OMOTENASHI_REDIS_NEW_TTL (redis.new_ttl): input "),
    ],
)
def test_a_setting_that_can_never_work_is_refused(values: dict[str, Any], said: str) -> None:
    """config52 P3s: "" read as the process's own folder; inf as seconds never come; a consent
    cookie no cookie can be named (consent never seen, nothing ever kept)."""
    with pytest.raises(ConfigError) as caught:
        Settings(**values)
    assert said in str(caught.value)


@pytest.mark.parametrize("name", ["omo_consent", "OptanonConsent", "cookieconsent_status", "a.b"])
def test_a_banner_s_cookie_name_is_taken(name: str) -> None:
    assert Settings(respect={"consent_cookie": name}).respect.consent_cookie == name


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["force", "--rule", "x", "--ttl", "0"], "'0' is not a number of seconds, 1 or more"),
        (["force", "--rule", "x", "--ttl", "-5"], "'-5' is not a number of seconds"),
        (
            ["report", "/nonexistent/rules", "--redis", "redis://127.0.0.1:1/0"],
            "no rules folder at '/nonexistent/rules'",
        ),
    ],
)
def test_a_command_given_what_cannot_work_says_so(args: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "omotenashi.cli", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("cookie", "root", "fix"),
    [
        ("/shop", "", "set OMOTENASHI_ENDPOINT_PREFIX=/shop/_omotenashi,"),
        ("/shop/app", "/shop", "set OMOTENASHI_ENDPOINT_PREFIX=/app/_omotenashi,"),  # (eye52)
        ("/other", "/shop", "set OMOTENASHI_COOKIE_PATH=/shop,"),
    ],
)
def test_the_cookie_path_advice_is_what_would_work(cookie: str, root: str, fix: str) -> None:
    from omotenashi.asgi.announce import cookie_path_problem

    said = cookie_path_problem(Settings(cookie={"path": cookie}), root)
    assert said is not None and fix in said


def test_a_list_setting_takes_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """config52: '["/a/*","/b"]' was split on its commas, brackets and quotes kept."""
    monkeypatch.setenv("OMOTENASHI_EXCLUDE_PATHS", '["/a/*", "/b"]')
    assert Settings().exclude_paths == ["/a/*", "/b"]
    monkeypatch.setenv("OMOTENASHI_EXCLUDE_PATHS", "/a/*, /b")  # (as ever)
    assert Settings().exclude_paths == ["/a/*", "/b"]


def test_settings_table_into_a_file_without_its_markers_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no table here\n")
    done = subprocess.run(
        [sys.executable, "-m", "omotenashi.cli", "settings-table", "--readme", str(readme)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "<!-- /settings-table -->" in done.stderr
    assert readme.read_text() == "# no table here\n"


def test_the_demo_uses_a_redis_url_given_in_any_case(tmp_path: Path) -> None:
    """config52: a lower-case omotenashi_redis_url was the app's, yet the demo started (and
    announced) a private server of its own."""
    env = {k: v for k, v in os.environ.items() if k.upper() != "OMOTENASHI_REDIS_URL"}
    env["omotenashi_redis_url"] = "redis://127.0.0.1:1/0"
    demo = subprocess.Popen(
        [sys.executable, "-m", "omotenashi.cli", "demo", "--port", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        first = next(line for line in demo.stdout if line.startswith("Omotenashi demo:"))
    finally:
        demo.kill()
        demo.communicate()  # (its pipe read to the end and closed)
    assert "(Redis: redis://127.0.0.1:1/0;" in first and "private" not in first


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"metrics": True, "metrics_token": ""}, "OMOTENASHI_METRICS_TOKEN is set but empty"),
        ({"measure": {"report_token": " "}}, "OMOTENASHI_MEASURE_REPORT_TOKEN is set but empty"),
    ],
)
def test_a_token_set_but_empty_is_said_at_startup(values: dict[str, Any], said: str) -> None:
    """config52 P3: it locks its endpoint (401 to everyone), as decided, but said nothing."""
    from omotenashi.asgi.announce import warnings

    assert any(line.startswith(said) for line in warnings(Settings(**values)))
    assert not any("set but empty" in line for line in warnings(Settings()))


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("OMOTENASHI_PROXY_READ_TIMEOUT", "inf", "input should be a finite number"),
        ("OMOTENASHI_PROXY_CONNECT_TIMEOUT", "1e300", "input should be less than or equal to"),
        ("OMOTENASHI_PROXY_BODY_TIMEOUT", "nan", "input should be a finite number"),
    ],
)
def test_a_proxy_timeout_that_never_comes_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    """ops65: READ_TIMEOUT=inf stopped the proxy with an OverflowError naming no setting, and
    CONNECT_TIMEOUT=inf or 1e300 was taken."""
    from omotenashi.proxy.config import EdgeSettings

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        EdgeSettings()
    assert str(caught.value).startswith(f"{name} (proxy.{name[17:].lower()}): {said}")
