"""sec56 P3: a report token, a metrics token or a preview key that anyone could guess (a
placeholder word, a few characters) was taken unsaid, as was metrics served to anyone; the
signing keys alone were checked. Each is said at startup, as theirs is."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi import Settings
from omotenashi.asgi.announce import warnings

STRONG = "q" * 32


@pytest.mark.parametrize(
    ("values", "said"),
    [
        (
            {"measure": {"report_token": "abc"}},
            "OMOTENASHI_MEASURE_REPORT_TOKEN has 3 characters, fewer than 16: anyone could guess",
        ),
        (
            {"metrics": True, "metrics_token": "change-me"},
            "OMOTENASHI_METRICS_TOKEN is a placeholder word",
        ),
        (
            {"preview_keys": [STRONG, "secret"]},
            "key 2 of 2 in OMOTENASHI_PREVIEW_KEYS is a placeholder word",
        ),
        ({"preview_keys": ["short"]}, "key 1 of 1 in OMOTENASHI_PREVIEW_KEYS has 5 characters"),
        (
            {"metrics": True},
            "OMOTENASHI_METRICS is on without OMOTENASHI_METRICS_TOKEN: anyone who reaches "
            "/_omotenashi/metrics reads them",
        ),
    ],
)
def test_a_guessable_token_or_key_is_said_at_startup(values: dict[str, Any], said: str) -> None:
    assert any(line.startswith(said) for line in warnings(Settings(**values)))


def test_strong_ones_are_not() -> None:
    values = {
        "measure": {"report_token": STRONG},
        "metrics": True,
        "metrics_token": STRONG,
        "preview_keys": [STRONG],
    }
    said = warnings(Settings(**values))
    assert not [line for line in said if "TOKEN" in line or "PREVIEW" in line], said
