"""Profile ids: new anonymous ids are 22 URL-safe characters (shorter Redis keys), the 32 hex
digits given before are still read, and a signed-in user's id (``u`` and 32 hex digits) is told
apart by its form, not by its first letter: a new anonymous id may start with ``u`` too."""

from __future__ import annotations

import pytest
import redis

from omotenashi import Settings
from omotenashi.engine.change import Change
from omotenashi.identity.cookie import CookieSigner, Identity, user_profile_id
from omotenashi.ids import is_user_id, is_visitor_id, new_vid
from omotenashi.store.store import Store

NOW = 1_800_000_000.0
HEX = "0123456789abcdef" * 2
USER = "u" + HEX
ANON_U = "u" + "Ab_-9" * 4 + "z"  # a new-form anonymous id that starts with u

IDS = [  # text, an anonymous visitor's id, a user's id
    (HEX, True, False),
    ("AbCd_-" * 3 + "0123", True, False),
    (ANON_U, True, False),
    (USER, False, True),
    (HEX + "\n", False, False),  # `$` would have let the newline through
    (HEX.upper(), False, False),
    ("A" * 21, False, False),
    ("A" * 23, False, False),
    ("AbCd+/" * 3 + "0123", False, False),  # base64, not URL-safe
    ("u" + HEX.upper(), False, False),
    ("", False, False),
]


@pytest.mark.parametrize(("text", "visitor", "user"), IDS)
def test_the_forms_of_ids(text: str, visitor: bool, user: bool) -> None:
    assert (is_visitor_id(text), is_user_id(text)) == (visitor, user)


def test_new_ids_are_22_url_safe_characters_of_128_random_bits() -> None:
    made = {new_vid() for _ in range(2000)}
    assert len(made) == 2000 and {len(v) for v in made} == {22}
    assert all(is_visitor_id(v) and not is_user_id(v) for v in made)
    assert any(v.startswith("u") for v in made)  # 1 in 64: the case the store must not misread
    assert not any(v.startswith("-") for v in made)  # a command line would read an option


@pytest.mark.parametrize("vid", [HEX, "AbCd_-" * 3 + "0123"])
def test_a_cookie_with_either_form_keeps_its_visitor(vid: str) -> None:
    signer = CookieSigner(Settings(secret_keys=["k"]))
    back = signer.identify(f"omo_vid={signer.sign(Identity(vid, True, 0.0))}")
    assert (back.vid, back.is_new) == (vid, False)


def test_a_signed_cookie_with_a_malformed_id_is_a_new_visitor() -> None:
    signer = CookieSigner(Settings(secret_keys=["k"]))
    back = signer.identify(f"omo_vid={signer.sign(Identity(HEX + chr(10), True, 0.0))}")
    assert back.is_new and back.vid != HEX + chr(10)


@pytest.mark.anyio
async def test_an_anonymous_id_starting_with_u_merges_on_sign_in(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    user = user_profile_id("salt", "ann@example.com")
    await store.record(ANON_U, Change(now=NOW, view=True, topics=["hawaii"]), 86400.0)
    assert await store.merge(ANON_U, user, NOW + 1, 86400.0)
    assert (await store.load(user)).interests.keys() == {"hawaii"}
    assert not omotenashi_redis.exists(store.key(ANON_U, "p2"))


@pytest.mark.anyio
@pytest.mark.parametrize(("pid", "short"), [(ANON_U, True), (HEX, True), (USER, False)])
async def test_only_a_users_first_visit_keeps_the_full_expiry(
    store: Store, omotenashi_redis: redis.Redis, pid: str, short: bool
) -> None:
    await store.record(pid, Change(now=NOW, view=True), 86400.0)
    ttl = omotenashi_redis.ttl(store.key(pid, "p2"))
    assert (0 < ttl <= 24 * 3600) is short and ttl > 0
