"""config53 (config52's P3s): settings and commands that took what they should refuse, or
said it in pydantic's words.

- ``OMOTENASHI_REDIS=notjson`` stopped the app with pydantic-settings' "error parsing value
  for field "redis" from source "EnvSettingsSource""; it is one line naming the variable.
- ``Settings(secret_keys=[1])`` named ``OMOTENASHI_SECRET_KEYS_0``, a variable there is not.
- ``omotenashi profile set VID visits=-3`` stored a count below 0 (tested with the other
  values profile set refuses: tests/test_profile_set_values.py); ``profile show VID x=1``
  ignored the ``x=1``.
"""

from __future__ import annotations

import pytest
import redis

from omotenashi import Settings
from omotenashi.cli.main import main
from omotenashi.errors import ConfigError

VID = "ef" * 16


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OMOTENASHI_REDIS", "notjson"), ("OMOTENASHI_COOKIE", '{"name": "a", "pass": "s3cret')],
)
def test_a_group_variable_that_is_no_json_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        Settings()
    said = str(caught.value)
    group = variable.removeprefix("OMOTENASHI_").lower()
    assert said.startswith(f"{variable} ({group}): it is no JSON object: write it as {variable}=")
    assert "(got '***')" in said and value not in said


def test_a_list_item_is_named_by_its_list() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(secret_keys=[1])
    assert str(caught.value).startswith("OMOTENASHI_SECRET_KEYS (secret_keys[0]): ")
    assert "***" in str(caught.value)


@pytest.mark.parametrize("action", ["show", "delete"])
def test_profile_show_and_delete_refuse_fields(
    action: str,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    assert main(["profile", "set", VID, "visits=4"]) == 0
    capsys.readouterr()
    assert main(["profile", action, VID, "visits=1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"omotenashi profile {action}: takes no FIELD=VALUE (got 'visits=1'); to write fields: "
        "omotenashi profile set VISITOR FIELD=VALUE\n"
    )
    assert omotenashi_redis.exists(f"omo:{{{VID}}}:p2") == 1  # (delete did not run)
    omotenashi_redis.delete(f"omo:{{{VID}}}:p2")
