"""config69: every setting does what the configuration table says, and a mistake is said at
startup without a secret in it: a Redis URL or proxy origin whose scheme is mistyped, a Redis
password under a guessed name, a ``__Host-`` cookie given a Domain or Path (every visitor new
on every page), a preferences template Jinja cannot read (found at the first visitor), an
empty history kind, a weak user salt; ``repr`` of the settings masks the Redis password."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_site.app import demo_settings

from omotenashi import ConfigError, Settings
from omotenashi.asgi.announce import warnings
from omotenashi.proxy.config import upstream_url
from omotenashi.settingcheck import misspelt

SECRET = "hunter2"


@pytest.mark.parametrize(
    "url",
    [
        f":{SECRET}@redis.internal:6379/0",
        f"user:{SECRET}@redis.internal:6379/0",
        f"redis:/:{SECRET}@redis.internal:6379/0",
        f" redis://:{SECRET}@redis.internal:6379/0",
    ],
)
def test_a_redis_url_refused_never_shows_its_password(url: str) -> None:
    with pytest.raises(ConfigError, match="OMOTENASHI_REDIS_URL") as caught:
        Settings(redis={"url": url})
    assert SECRET not in str(caught.value) and "***" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("OMOTENASHI_REDIS_PASS", "a Redis password goes in OMOTENASHI_REDIS_URL"),
        ("OMOTENASHI_REDIS_PASSWORD", "a Redis password goes in OMOTENASHI_REDIS_URL"),
        ("OMOTENASHI_REDIS_PWD", "a Redis password goes in OMOTENASHI_REDIS_URL"),
        ("OMOTENASHI_REDIS_AUTH", "a Redis password goes in OMOTENASHI_REDIS_URL"),
        ("OMOTENASHI_COOKIE_SECURE", "the cookie is Secure on https requests"),
    ],
)
def test_a_setting_that_is_none_says_what_does_its_job(
    monkeypatch: pytest.MonkeyPatch, name: str, hint: str
) -> None:
    monkeypatch.setenv(name, SECRET)
    with pytest.raises(ConfigError, match=f"{name} .*no such setting") as caught:
        Settings()
    assert hint in str(caught.value)
    assert (SECRET in str(caught.value)) is (name == "OMOTENASHI_COOKIE_SECURE")


def test_a_top_level_name_that_starts_with_a_setting_is_said_to_be_that_one() -> None:
    environ = {"OMOTENASHI_METRICS_ENABLED": "true", "OMOTENASHI_SERVERTIMING": "0"}
    assert misspelt(environ) == [
        ("OMOTENASHI_METRICS_ENABLED", "OMOTENASHI_METRICS"),  # (not _METRICS_TOKEN)
        ("OMOTENASHI_SERVERTIMING", "OMOTENASHI_SERVER_TIMING"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        f"user:{SECRET}@origin:8080",
        f"http:/user:{SECRET}@origin:8080",
        f"u:{SECRET}@o",
        f"http://user:x@{SECRET}@origin:99999",  # (eye69: an "@" in the password)
    ],
)
def test_a_proxy_origin_refused_never_shows_its_password(value: str) -> None:
    with pytest.raises(ConfigError, match="OMOTENASHI_PROXY_UPSTREAM") as caught:
        upstream_url(value)
    assert SECRET not in str(caught.value) and "***@" in str(caught.value)


@pytest.mark.parametrize(
    ("cookie", "field"),
    [
        ({"name": "__Host-omo_vid", "domain": "example.com"}, "OMOTENASHI_COOKIE_DOMAIN"),
        ({"name": "__host-omo_vid", "path": "/shop"}, "OMOTENASHI_COOKIE_PATH"),
    ],
)
def test_a_host_only_cookie_with_a_domain_or_path_is_refused(
    cookie: dict[str, str], field: str
) -> None:
    """Chromium dropped every such cookie: three page views, three new profiles."""
    with pytest.raises(ConfigError, match=f"{field} .*__Host-"):
        Settings(cookie=cookie)


def test_a_host_only_cookie_as_the_readme_says_is_taken() -> None:
    assert Settings(cookie={"name": "__Host-omo_vid"}).cookie.name == "__Host-omo_vid"
    assert Settings(cookie={"domain": "example.com", "path": "/shop"}).cookie.path == "/shop"


def test_a_preferences_template_jinja_cannot_read_is_refused_at_its_line(tmp_path: Path) -> None:
    template = tmp_path / "prefs.html"
    template.write_text("<html>{% for x in y %}\n{{ x }}\n{% endfor %\n</html>")
    with pytest.raises(ConfigError, match=r"PREFERENCES_TEMPLATE .*line 3: ") as caught:
        Settings(respect={"preferences_template": template})
    assert "fix the template" in str(caught.value)
    template.write_text('{% extends "preferences.html" %}')  # (its base is found at runtime)
    assert Settings(respect={"preferences_template": template}).respect.preferences_template


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_history_kind_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="OMOTENASHI_RESPECT_HISTORY_CATEGORY .*empty"):
        Settings(respect={"history_category": name})


def test_the_settings_repr_masks_the_redis_password() -> None:
    settings = Settings(redis={"url": f"redis://:{SECRET}@cache:6379/0"})
    assert SECRET not in repr(settings) and "redis://:***@cache:6379/0" in repr(settings)
    assert settings.redis.url == f"redis://:{SECRET}@cache:6379/0"  # (used as given)


@pytest.mark.parametrize(
    ("salt", "warned"), [("change-me", True), ("   ", True), ("x" * 40, False)]
)
def test_a_weak_user_salt_is_warned_of(salt: str, warned: bool) -> None:
    said = warnings(Settings(secret_keys=["k" * 40], user_salt=salt))
    assert any(w.startswith("OMOTENASHI_USER_SALT ") for w in said) is warned, said


def test_a_rules_folder_that_is_a_file_is_said_to_be_one(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    said = warnings(Settings(rules={"dir": tmp_path / "rules.yaml"}))
    assert any("is a file, not a folder" in w for w in said), said


def test_the_demo_reads_its_folders_as_the_table_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rules folder named alone has its snippets beside it (the demo looked in its own
    snippets folder), and an empty one is refused (the demo used its own rules)."""
    monkeypatch.setenv("OMOTENASHI_RULES_DIR", str(tmp_path / "rules"))
    settings = demo_settings()
    assert settings.rules.snippets_dir == tmp_path / "snippets"
    monkeypatch.setenv("OMOTENASHI_RULES_DIR", "")
    with pytest.raises(ConfigError, match="OMOTENASHI_RULES_DIR .*empty"):
        demo_settings()
