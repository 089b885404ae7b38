"""Device facts come out as user-agents would give them, from the faster parse, bounded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from user_agents import parse as reference

from omotenashi.identity.device import MAX_USER_AGENT, _parse_ua, parse_device

REAL = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
    " Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
    " Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
    " Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "curl/8.5.0",
    "",
]


def _facts(ua: object) -> tuple[object, ...]:
    return (
        ua.is_bot,  # type: ignore[attr-defined]
        ua.is_tablet,  # type: ignore[attr-defined]
        ua.is_mobile,  # type: ignore[attr-defined]
        ua.is_pc,  # type: ignore[attr-defined]
        ua.browser.family,  # type: ignore[attr-defined]
        ua.os.family,  # type: ignore[attr-defined]
        ua.device.family,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("text", REAL)
def test_real_user_agents_read_as_user_agents_reads_them(text: str) -> None:
    assert _facts(_parse_ua(text)) == _facts(reference(text))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_text_reads_as_user_agents_reads_it(text: str) -> None:
    assert _facts(_parse_ua(text)) == _facts(reference(text))


def test_only_the_first_characters_are_read_and_cached() -> None:
    base = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) " + "x" * MAX_USER_AGENT
    assert parse_device(base + "tail one") is parse_device(base + "another tail")
