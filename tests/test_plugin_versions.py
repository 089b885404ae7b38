"""The plugin loads in every pytest run where omotenashi is installed: on a pytest (or pluggy)
too old for it, it must register nothing and let the user's own tests run, never fail to
import. The versions it needs, and why (checked by hand in venvs with pytest 6.2.5, 7.0.1,
7.4.4, 8.0.2 and 8.4.2, and pytest 7.0.1 with pluggy 1.0.0, 1.1.0 and 1.2.0)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pluggy
import pytest

from omotenashi.testing import NEEDS, unsupported

ROOT = Path(__file__).resolve().parent.parent
OLD_PYTEST = "needs pytest>=7.0, this is pytest {!r}"
OLD_PLUGGY = "needs pluggy>=1.2, this is pluggy {!r}"
FIXTURES = ("omotenashi_redis_url", "omotenashi_redis", "embedded_redis_factory")
FIXTURES += ("omotenashi_settings", "omotenashi_visitor", "omotenashi_force")


@pytest.mark.parametrize(
    ("pytest_version", "pluggy_version", "why"),
    [
        ("6.2.5", "1.7.0", OLD_PYTEST.format("6.2.5")),  # no pytest.StashKey
        ("6.2.0.dev12+g1234abc", "1.7.0", OLD_PYTEST.format("6.2.0.dev12+g1234abc")),
        ("5.4.3", "0.13.1", OLD_PYTEST.format("5.4.3")),  # pytest is named first
        ("7.0.1", "1.0.0", OLD_PLUGGY.format("1.0.0")),  # no hookimpl(wrapper=True)
        ("7.4.4", "1.1.0", OLD_PLUGGY.format("1.1.0")),
        ("7.0.1", "0.13.1", OLD_PLUGGY.format("0.13.1")),
        ("7.0.0rc1", "1.2.0", None),
        ("7.0.1", "1.2.0", None),
        ("7.4.4", "1.7.0", None),
        ("8.0.2", "1.3.0", None),
        ("9.2.0", "1.7.0", None),
        ("10.0.0", "2.0.0", None),  # numbers, not strings: "10.0" < "7.0" as text
        ("unknown", "1.7.0", None),  # a source checkout without a version: not refused
    ],
)
def test_the_versions_the_plugin_runs_on(
    pytest_version: str, pluggy_version: str, why: str | None
) -> None:
    assert unsupported(pytest_version, pluggy_version) == why


def test_this_pytest_gets_the_fixtures_and_the_hook(pytestconfig: pytest.Config) -> None:
    assert unsupported(pytest.__version__, pluggy.__version__) is None
    plugin = pytestconfig.pluginmanager.get_plugin("omotenashi")
    hook = pytestconfig.pluginmanager.hook.pytest_runtest_makereport
    assert plugin in [impl.plugin for impl in hook.get_hookimpls()]
    fixtures = [name for name in FIXTURES if hasattr(plugin, name)]
    assert fixtures == list(FIXTURES)


def test_the_dev_extra_asks_for_a_pytest_the_plugin_runs_on() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = [
        re.fullmatch(r"pytest>=(\d+)(?:\.(\d+))?", spec.split(";")[0].strip())
        for spec in extras["optional-dependencies"]["dev"]
    ]
    found = [(int(m[1]), int(m[2] or 0)) for m in floors if m]
    assert found and found[0] >= NEEDS["pytest"], extras["optional-dependencies"]["dev"]
