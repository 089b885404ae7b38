from __future__ import annotations

from pathlib import Path

import pytest

import omotenashi
from omotenashi import Settings
from omotenashi.settings import settings_table


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
