"""An ``also`` key an earlier release kept (a visitor's own recommendation pairs, none written
since 48) is never renewed: a page view recorded, or a sign-in merged into that profile, leaves
its expiry as that release last set it, so it lapses even for a visitor who keeps coming back
(the profile's own expiry is renewed as ever). Until it lapses it is shown, exported and
erased with the rest, and the visitor is told it is no longer used."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.respect.facts import describe
from omotenashi.respect.shown import data_sections
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
HALF_LIFE = 7 * 86400.0
OLD_TTL = 3600  # the expiry an earlier release last gave the key


async def _profile_with_old_pairs(store: Store, r: redis.Redis, vid: str) -> str:
    await store.record(vid, Change(now=1_800_000_000.0, view=True, purchases=1), HALF_LIFE)
    key = store.key(vid, "also")
    r.zadd(key, {"kyoto>osaka": 3.0})
    r.expire(key, OLD_TTL)
    return key


@pytest.mark.parametrize("visits", [1, 2], ids=["first-visit", "returning"])
async def test_a_recorded_page_view_leaves_an_old_pairs_key_to_lapse(
    store: Store, omotenashi_redis: redis.Redis, visits: int
) -> None:
    vid = new_vid()
    key = await _profile_with_old_pairs(store, omotenashi_redis, vid)
    for n in range(visits):
        change = Change(now=1_800_000_100.0 + n * 7200, view=True, new_visit=n > 0)
        await store.record(vid, change, HALF_LIFE)
    assert 0 < omotenashi_redis.ttl(key) <= OLD_TTL  # (until 48b: the profile's, a day or more)
    assert omotenashi_redis.ttl(store.key(vid, "p2")) > OLD_TTL  # the profile's: renewed
    assert (await store.load(vid)).also == {"kyoto>osaka": 3.0}  # shown, exported until then


async def test_a_sign_in_leaves_the_user_s_old_pairs_key_to_lapse(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    await store.record(anon, Change(now=1_800_000_000.0, view=True), HALF_LIFE)
    key = await _profile_with_old_pairs(store, omotenashi_redis, user)
    assert await store.merge(anon, user, 1_800_000_100.0, HALF_LIFE) is True
    assert 0 < omotenashi_redis.ttl(key) <= OLD_TTL
    await store.erase(user)
    assert omotenashi_redis.exists(key) == 0  # erased with the rest


@pytest.mark.parametrize(
    ("also", "said"),
    [
        ({"kyoto>osaka": 1.0}, "1 pair"),
        ({"kyoto>osaka": 1.0, "kyoto>nara": 2.0}, "2 pairs"),
    ],
)
def test_the_visitor_is_told_old_pairs_are_no_longer_used(
    also: dict[str, float], said: str
) -> None:
    profile = Profile(views=3, also=also)
    sentences = describe(profile, 1_800_000_000.0, Journey(), None, "UTC")
    assert (
        f"From an earlier version of this site we still keep {said} of items (one you viewed, "
        "one other visitors viewed with it); they are no longer used, and go when they expire "
        "or when you erase your data."
    ) in sentences, sentences
    headings = [h for h, _ in data_sections(profile, RuleSet(), Prefs())]
    assert (
        "Kept by an earlier version of this site, no longer used (they go when they expire or "
        "when you erase your data): items you viewed, and one other visitors viewed with each"
    ) in headings, headings
