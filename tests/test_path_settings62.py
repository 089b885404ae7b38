"""Path globs in OMOTENASHI_EXCLUDE_PATHS and OMOTENASHI_UNTRACKED_PATHS that no request path
could match (it starts with ``/``) stop the app at startup with one line naming the setting,
as any setting that cannot work does (config62: ``admin`` and ``static/*`` were taken and left
the admin personalised, unsaid); a country header's name is read however it is spaced."""

from __future__ import annotations

import pytest

from omotenashi import Settings
from omotenashi.errors import ConfigError


@pytest.mark.parametrize("variable", ["OMOTENASHI_EXCLUDE_PATHS", "OMOTENASHI_UNTRACKED_PATHS"])
@pytest.mark.parametrize("glob", ["admin", "static/*", "login*"])
def test_a_path_glob_not_from_the_root_is_refused(
    variable: str, glob: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, f"/media/*,{glob}")
    with pytest.raises(ConfigError) as raised:
        Settings()
    said = str(raised.value)
    assert said.startswith(f"{variable} (")
    assert f"{glob!r} matches no path: paths start with / (/{glob})" in said


@pytest.mark.parametrize("globs", ["/admin/*,/static/*", "*.json,/x", "?x", "[ab]*"])
def test_globs_from_the_root_or_any_path_are_taken(
    globs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMOTENASHI_EXCLUDE_PATHS", globs)
    assert Settings().exclude_paths == globs.split(",")


def test_a_country_header_is_read_however_it_is_spaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMOTENASHI_COUNTRY_HEADER", " X-Geo ")
    assert Settings().country_header == "x-geo"


@pytest.mark.parametrize("header", ["x geo", "x-geo:", "cf-ipcountry\t1", "ünï"])
def test_a_country_header_that_no_request_can_carry_is_refused(
    monkeypatch: pytest.MonkeyPatch, header: str
) -> None:
    monkeypatch.setenv("OMOTENASHI_COUNTRY_HEADER", header)
    with pytest.raises(ConfigError, match=r"OMOTENASHI_COUNTRY_HEADER.*no header name"):
        Settings()
