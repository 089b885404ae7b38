from __future__ import annotations

import re

import pytest

from omotenashi import Settings
from omotenashi.identity.cookie import CookieSigner, Identity, cookie_value
from omotenashi.identity.device import is_bot, parse_device


def signer(*keys: str) -> CookieSigner:
    return CookieSigner(Settings(secret_keys=list(keys)))


def test_a_missing_cookie_is_a_new_visitor_with_a_random_128_bit_id() -> None:
    a, b = signer("k").identify(None), signer("k").identify("")
    assert a.is_new and b.is_new and a.vid != b.vid
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", a.vid)


def test_a_signed_cookie_round_trips() -> None:
    s = signer("k")
    ident = Identity(vid="ab" * 16, is_new=True, issued_at=0)
    header = f"other=1; omo_vid={s.sign(ident)}; x=2"
    again = s.identify(header)
    assert (again.vid, again.is_new) == (ident.vid, False)


@pytest.mark.parametrize(
    "value",
    ["garbage", "eyJ2IjoiYWIifQ.x.y", "", "a.b", "%%%", "eyJ2IjoiZXZpbCJ9.Zy1.abc"],
)
def test_tampered_or_foreign_cookies_are_a_new_visitor(value: str) -> None:
    ident = signer("k").identify(f"omo_vid={value}")
    assert ident.is_new


def test_a_cookie_signed_with_another_key_is_a_new_visitor() -> None:
    forged = signer("attacker").sign(Identity(vid="cd" * 16, is_new=True, issued_at=0))
    assert signer("k").identify(f"omo_vid={forged}").is_new


def test_key_rotation_first_key_signs_all_keys_verify() -> None:
    old = signer("old").sign(Identity(vid="ef" * 16, is_new=True, issued_at=0))
    rotated = signer("new", "old")
    assert rotated.identify(f"omo_vid={old}").vid == "ef" * 16
    fresh = rotated.sign(Identity(vid="01" * 16, is_new=True, issued_at=0))
    assert signer("new").identify(f"omo_vid={fresh}").vid == "01" * 16
    assert signer("old").identify(f"omo_vid={fresh}").is_new


@pytest.mark.parametrize(("secure", "has_secure"), [(True, True), (False, False)])
def test_cookie_attributes(secure: bool, has_secure: bool) -> None:
    s = signer("k")
    header = s.set_cookie_header(s.identify(None), secure=secure).decode()
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Max-Age=34560000" in header  # 400 days, the most browsers keep
    assert ("Secure" in header) is has_secure


def test_max_age_over_400_days_is_refused() -> None:
    with pytest.raises(ValueError, match="34560000"):
        Settings(cookie={"max_age": 401 * 24 * 3600})


def test_an_unparsable_cookie_header_still_finds_ours() -> None:
    assert cookie_value('bad"cookie; omo_vid=abc', "omo_vid") == "abc"


@pytest.mark.parametrize(
    ("ua", "bot"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0", False),
        ("MyCompanyPreviewFetcher/1.0", True),
        ("curl/8.0", False),
    ],
)
def test_bots_are_recognised(ua: str, bot: bool) -> None:
    assert is_bot(parse_device(ua), ua, ("preview",)) is bot


CUBOT = (
    "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("ua", "bot"),
    [
        (CUBOT, False),  # (privacy66: a person's phone, taken for a bot and told so)
        (CUBOT.replace("CUBOT_X30", "CUBOT KINGKONG 5 Pro"), False),
        (CUBOT + " AhrefsBot/7.0", True),  # a crawler on one: its own marker still counts
        ("Mozilla/5.0 (compatible; SemrushBot/7~bl)", True),
    ],
)
def test_a_phone_maker_whose_name_holds_a_marker_is_no_bot(ua: str, bot: bool) -> None:
    assert is_bot(parse_device(ua), ua, tuple(Settings().bot_user_agents)) is bot
