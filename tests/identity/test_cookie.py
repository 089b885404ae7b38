"""The visitor cookie at its edges: its lifetime and refresh, the cache of verified cookies
(checked once, bounded), the per-visitor form token, running without a key, reading the Cookie
header as browsers send it, and the derived secrets that must not change from one release to
the next (a changed user salt or profile id loses every signed-in user's profile)."""

from __future__ import annotations

import logging
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from pydantic import SecretStr

from omotenashi import Settings
from omotenashi.identity.cookie import (
    CookieSigner,
    Identity,
    cookie_value,
    derive_user_salt,
    user_profile_id,
)
from omotenashi.settings import CookieSettings

VID = "ab" * 16
DAY = 24 * 3600


def signer(max_age: int = 400 * DAY, *keys: str, user_salt: str = "") -> CookieSigner:
    return CookieSigner(
        Settings(
            secret_keys=[SecretStr(k) for k in keys or ("k",)],
            user_salt=SecretStr(user_salt),
            cookie=CookieSettings(max_age=max_age, refresh_after=DAY),
        )
    )


def signed_ago(s: CookieSigner, seconds: float, monkeypatch: pytest.MonkeyPatch) -> str:
    """A cookie value as if signed ``seconds`` ago."""
    then = time.time() - seconds
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: then)  # itsdangerous reads time.time()
        return s.sign(Identity(vid=VID, is_new=True, issued_at=0))


@pytest.mark.parametrize(("age", "kept"), [(0, True), (3000, True), (4000, False)])
def test_a_cookie_older_than_its_max_age_is_a_new_visitor(
    age: float, kept: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = signer(max_age=3600)
    value = signed_ago(s, age, monkeypatch)
    assert (s.read(value) is not None) == kept
    ident = s.identify(f"omo_vid={value}")
    assert (ident.vid == VID, ident.is_new) == (kept, not kept)


def test_a_returning_visitors_cookie_is_verified_once_not_per_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = signer()
    reads: list[str | None] = []
    real = s.read

    def read(value: str | None) -> Identity | None:
        reads.append(value)
        return real(value)

    monkeypatch.setattr(s, "read", read)
    header = f"omo_vid={s.sign(Identity(vid=VID, is_new=True, issued_at=0))}"
    idents = [s.identify(header) for _ in range(3)]
    assert [i.vid for i in idents] == [VID] * 3 and not any(i.is_new for i in idents)
    assert len(reads) == 1
    s.identify("omo_vid=garbage")
    s.identify("omo_vid=garbage")
    assert len(reads) == 3  # a refused cookie is checked again (nothing remembered)


def test_a_remembered_cookie_is_verified_again_once_past_its_max_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = signer(max_age=3600)
    header = f"omo_vid={signed_ago(s, 3000, monkeypatch)}"
    assert not s.identify(header).is_new
    later = time.time() + 3600
    with monkeypatch.context() as m:  # an hour later, the same cookie has expired
        m.setattr(time, "time", lambda: later)
        assert s.identify(header).is_new


def test_the_cache_of_verified_cookies_stays_bounded() -> None:
    s = signer()
    for n in range(4097):
        ident = s.identify(f"omo_vid={s.sign(Identity(f'{n:032x}', True, 0))}")
        assert ident.vid == f"{n:032x}" and not ident.is_new
        assert len(s._verified) <= 4096


def test_a_new_visitor_is_issued_now() -> None:
    before = time.time()
    ident = signer().identify(None)
    assert ident.is_new and before <= ident.issued_at <= time.time()


def test_the_form_token_is_per_visitor() -> None:
    s = signer()
    a, b = Identity(VID, False, 0), Identity("cd" * 16, False, 0)
    token = s.csrf_token(a)
    assert len(token) == 32 and int(token, 16) >= 0
    assert s.csrf_token(a) == token != s.csrf_token(b)
    assert s.check_csrf(a, token) and not s.check_csrf(b, token)
    assert signer().csrf_token(a) == token  # the same key, the same token across processes


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("omo_vid=abc", "abc"),
        ("a=1; omo_vid=abc=.de==; b=2", "abc=.de=="),
        ('omo_vid="XabcX"', "XabcX"),
        (' omo_vid = " abc " ', " abc "),
        ("omo_vid=first; omo_vid=second", "first"),
        ("xomo_vid=abc; omo_vidx=def", None),
        ("omo_vid=", None),
        ("omo_vid", None),
        ("", None),
        (None, None),
    ],
)
def test_the_cookie_is_read_from_the_header_as_browsers_send_it(
    header: str | None, expected: str | None
) -> None:
    assert cookie_value(header, "omo_vid") == expected


@pytest.mark.parametrize(
    ("is_new", "age", "refresh"),
    [
        (True, 0, True),
        (False, 60, False),
        (False, DAY - 600, False),
        (False, DAY + 600, True),
    ],
)
def test_the_cookie_is_issued_again_once_a_day(is_new: bool, age: float, refresh: bool) -> None:
    # (issued when the test runs: a time taken as the tests are collected is a suite's length
    # older by then, and a full run takes more than the ten minutes of margin above)
    ident = Identity(VID, is_new=is_new, issued_at=time.time() - age)
    assert signer().needs_refresh(ident) == refresh


def test_the_form_tokens_remembered_stay_bounded() -> None:
    s = signer()
    for n in range(4097):
        assert len(s.csrf_token(Identity(f"{n:032x}", False, 0))) == 32
        assert len(s._csrf) <= 4096


def test_without_a_key_a_process_signs_with_a_random_one(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="omotenashi")
    a, b = CookieSigner(Settings()), CookieSigner(Settings())
    assert [r.getMessage() for r in caplog.records] == [
        "omotenashi: no OMOTENASHI_SECRET_KEYS set; using a random key for this process "
        "(visitors become new visitors on every restart and, with several workers, on "
        "every request that reaches another worker: set OMOTENASHI_SECRET_KEYS)"
    ] * 2
    value = a.sign(Identity(VID, is_new=True, issued_at=0))
    assert a.read(value) is not None and b.read(value) is None
    assert a.user_salt != b.user_salt and len(a.user_salt) == 64


def test_cookies_signed_by_earlier_releases_are_still_read() -> None:
    """The salt and the key order are part of the cookie format: the first key signs."""
    old = URLSafeTimedSerializer("old", salt="omotenashi.visitor").dumps({"v": VID})
    s = signer(400 * DAY, "new", "old")
    ident = s.read(old)
    assert ident is not None and ident.vid == VID
    mine = s.sign(Identity(VID, is_new=False, issued_at=0))
    assert URLSafeTimedSerializer("new", salt="omotenashi.visitor").loads(mine) == {"v": VID}


def test_derived_secrets_are_the_same_from_one_release_to_the_next() -> None:
    salt = "2e7d976b48646e900de2385e9ebc4a373b7ab9b3e4d4133fcf430f7a36abd44e"
    assert derive_user_salt(["new", "old-key-0123456789"]) == salt
    assert signer(DAY, "new", "old-key-0123456789").user_salt == salt  # from the oldest key
    assert signer(DAY, "new", "old-key-0123456789", user_salt="pepper").user_salt == "pepper"
    assert user_profile_id("pepper-0123456789", "user-42") == "uf8bb40ece71863fea386d2795723c802"
    assert user_profile_id("pepper-0123456789", "user-43") != user_profile_id(
        "pepper-0123456789", "user-42"
    )
    token = signer().csrf_token(Identity(VID, False, 0))
    assert token == "6dec63dbe66383f39ae222685f7e554a"
