from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import omotenashi
from omotenashi import Settings
from omotenashi.asgi.announce import warnings
from omotenashi.errors import ConfigError
from omotenashi.settingcheck import misspelt
from omotenashi.settingstable import settings_table


def test_environment_variables_use_the_omotenashi_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", "redis://example:6380/1")
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", "new-key, old-key")
    monkeypatch.setenv("OMOTENASHI_REDIS_READ_TIMEOUT", "0.05")
    monkeypatch.setenv("OMOTENASHI_EXCLUDE_PATHS", "/admin/*,/api/*")
    s = Settings()
    assert s.redis.url == "redis://example:6380/1"
    assert s.redis.read_timeout == 0.05
    assert [k.get_secret_value() for k in s.secret_keys] == ["new-key", "old-key"]
    assert s.exclude_paths == ["/admin/*", "/api/*"]


def test_secret_keys_never_show_in_repr() -> None:
    assert "hunter2" not in repr(Settings(secret_keys=["hunter2"]))


def test_arguments_override() -> None:
    assert Settings(redis={"read_timeout": 1.5}).redis.read_timeout == 1.5


def test_public_api_is_exactly_all() -> None:
    public = {n for n in dir(omotenashi) if not n.startswith("_") and n != "annotations"}
    modules = {name for name in public if type(getattr(omotenashi, name)).__name__ == "module"}
    assert sorted(public - modules) == sorted(omotenashi.__all__)


def test_the_readme_configuration_table_is_the_settings() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert settings_table() in readme


@pytest.mark.parametrize(
    ("given", "snippets"),
    [
        ({}, Path("snippets")),  # ./rules: ./snippets, as before
        ({"dir": "/srv/site/rules"}, Path("/srv/site/snippets")),
        ({"dir": "/srv/site/rules", "snippets_dir": "/srv/shared"}, Path("/srv/shared")),
    ],
)
def test_snippets_are_found_next_to_the_rules_unless_named(
    given: dict[str, str], snippets: Path
) -> None:
    assert Settings(rules=given).rules.snippets_dir == snippets


def test_rules_named_by_the_environment_find_their_snippets_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site served (or the CLI run) from another directory: every rule loads, the one with a
    snippet too (it used to look in ./snippets and refuse the whole rule set)."""
    from omotenashi.loader.reload import load_all

    (tmp_path / "site" / "rules").mkdir(parents=True)
    (tmp_path / "site" / "snippets").mkdir()
    (tmp_path / "site" / "snippets" / "hero.html").write_text("<b>Hi {{ visitor.stage }}</b>")
    (tmp_path / "site" / "rules" / "home.yaml").write_text(
        "rules:\n  - {id: hi, slot: hero, snippet: hero.html, why: For everyone.}\n"
    )
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("OMOTENASHI_RULES_DIR", str(tmp_path / "site" / "rules"))
    loaded = load_all(Settings().rules)
    assert [r.rule.id for r in loaded.ruleset.rules] == ["hi"]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            {"rules_dir": "x"},  # the flat name a Django settings dict invites
            "Settings(rules_dir=...): no such setting (as an argument it is rules={'dir': ...}; "
            "in the environment OMOTENASHI_RULES_DIR) (got 'x')",
        ),
        (
            {"debug_headers": True},
            "OMOTENASHI_DEBUG_HEADERS (debug_headers): no such setting (did you mean "
            "OMOTENASHI_DEBUG_HEADER?) (got True)",
        ),
        (
            {"rules": {"dirr": "x"}},
            "OMOTENASHI_RULES_DIRR (rules.dirr): no such setting (did you mean "
            "OMOTENASHI_RULES_DIR?) (got 'x')",
        ),
        (
            {"cookie": {"max_age": 34560007}},
            "OMOTENASHI_COOKIE_MAX_AGE (cookie.max_age): input should be less than or equal to "
            "34560000 (got 34560007)",
        ),
    ],
)
def test_a_setting_that_cannot_work_is_one_line_naming_it(given: dict[str, Any], said: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings(**given)
    assert str(raised.value) == said


def test_a_misspelt_group_variable_is_an_error_and_a_misspelt_one_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMOTENASHI_RESPECT_BUDGT", "2")  # a group's: refused
    with pytest.raises(ConfigError, match="did you mean OMOTENASHI_RESPECT_BUDGET"):
        Settings()
    monkeypatch.delenv("OMOTENASHI_RESPECT_BUDGT")
    environ = {
        "OMOTENASHI_DEBUG_HEADERS": "true",  # top level: read by no field, so only told
        "OMOTENASHI_PROXY_READ_TIMEOUT": "5",  # the proxy's own
        "OMOTENASHI_TRACEBACK": "1",  # the CLI's
        "OMOTENASHI_DEPLOY_ENV": "prod",  # the site's own, like no setting
        "OMOTENASHI_DEBUG_HEADER": "true",
    }
    assert misspelt(environ) == [("OMOTENASHI_DEBUG_HEADERS", "OMOTENASHI_DEBUG_HEADER")]
    monkeypatch.setenv("OMOTENASHI_DEBUG_HEADERS", "true")
    assert (
        "OMOTENASHI_DEBUG_HEADERS is not a setting and is ignored (did you mean "
        "OMOTENASHI_DEBUG_HEADER?)"
    ) in warnings(Settings())


def test_a_misspelt_proxy_variable_is_named_with_the_proxy_s_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omotenashi.proxy.config import EdgeSettings

    monkeypatch.setenv("OMOTENASHI_PROXY_UPSTREM", "http://origin:8080")
    with pytest.raises(ConfigError, match="did you mean OMOTENASHI_PROXY_UPSTREAM"):
        EdgeSettings()


@pytest.mark.parametrize(("idle", "warned"), [(3 * 86400, True), (7 * 86400, False)])
def test_an_idle_expiry_inside_the_attribution_window_is_a_startup_warning(
    idle: int, warned: bool
) -> None:
    """A profile that can expire idle within the attribution window (7 days) would make a
    visitor who comes back a new exposure of the rule they already saw: counted twice."""
    said = warnings(Settings(redis={"idle_ttl": idle}))
    assert any("shorter than the attribution window" in w for w in said) is warned
