"""The merge script's argument: the anonymous profile, in the raw values the script reads.

Built field by field from the profile, never from :meth:`Profile.to_export` (the visitor's
readable download: caps with their periods in words, ISO times, rounded scores), so the
download can change without changing what a sign-in carries over (store/scripts.py,
``MERGE_SCRIPT``). What the visitor's switches keep out (:class:`Carried`, decided by
engine/recommending.py ``carried``) is left out of it: the user's profile never gets it.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import TYPE_CHECKING, Any

from omotenashi.engine import joined
from omotenashi.engine.facts import Facts, in_cart
from omotenashi.engine.profile import STAGE_ORDER, Profile
from omotenashi.engine.recommending import Carried as Carried  # (the type, with ALL)
from omotenashi.engine.understand import VIEW_EVENTS
from omotenashi.errors import StoreError
from omotenashi.ids import is_user_id
from omotenashi.settings import RedisSettings
from omotenashi.store import moving
from omotenashi.store.why import encode_all

if TYPE_CHECKING:
    from omotenashi.store.store import Store

ALL = Carried()
WINDOW = 60  # the beacon's window, seconds (Store.hit_rate_limit's): a counter's longest life

#: Opens the merge script's body (store/scripts.py ``MERGE_SCRIPT``, after its guard: a revoked
#: user gets no counter): the beacon's allowance survives a sign-in (obs57). KEYS[4]: the
#: user's beacon counter; ARGV[3], ARGV[4]: the anonymous id's count this minute and the
#: seconds its window has left (:func:`profile_and_rate`; TTL and EX: the README's ACL). The
#: user's count becomes at least the anonymous one (the larger: a merge run twice counts
#: nothing twice), and lives the longer of the two windows' rest: never without an expiry,
#: never past a window.
RATE_CARRY = """
local carried_n = tonumber(ARGV[3] or '') or 0
if KEYS[4] ~= nil and carried_n > 0 then
  if carried_n > (tonumber(redis.call('GET', KEYS[4]) or '') or 0) then
    local left = math.max(redis.call('TTL', KEYS[4]), tonumber(ARGV[4]) or 0)
    redis.call('SET', KEYS[4], carried_n, 'EX', math.min(math.max(left, 1), WINDOW))
  end
end
""".replace("WINDOW", str(WINDOW))

#: :data:`RATE_CARRY` alone, given the user's beacon counter as its one key and the anonymous
#: count and window's rest as its arguments (:func:`merged_into`, a slot being moved).
RATE_ALONE = (
    RATE_CARRY.replace("KEYS[4]", "KEYS[1]")
    .replace("ARGV[3]", "ARGV[1]")
    .replace("ARGV[4]", "ARGV[2]")
)


async def merged_into(store: Store, keys: list[str], args: list[Any]) -> Any:
    """The merge script's reply (``keys``: the user's, their beacon counter last). On Cluster,
    when the user's slot is being moved, one key a call (store/moving.py): the first layout's
    deny marker read first (a revoked user gets nothing, as the script's guard says), the
    merge given the profile hash alone (no counter: KEYS[4] absent), then the counter carried
    when it merged (deleted again should the profile have been erased or revoked meanwhile)."""
    script = store._scripts[1]

    async def one_by_one() -> Any:
        one = partial(moving.one_key, store)
        if await one("HEXISTS", keys[2], "revoked"):
            return 0
        done = await script(keys=keys[:1] * 3, args=args)
        if done and int(args[2]) > 0:
            await moving.one_key_script(store, RATE_ALONE, keys[3], *args[2:4])
            if not await one("HLEN", keys[0]) or await one("HEXISTS", keys[0], "revoked"):
                await one("DEL", keys[3])
        return done

    return await moving.whole_or(store, keys[0], partial(script, keys=keys, args=args), one_by_one)


#: The merge script's frequency caps: each keeps the stricter state: in the same period the
#: larger count; of two periods of one kind (two days, weeks or visits) the later, the one
#: that counts; else (the rule's cap changed) the user's own. A per-visit cap of the anonymous
#: visit that is the user's own going on (``going``: :data:`SAME_VISIT`) is that visit's.
CAPS = """
for id, cap in pairs(a.caps or {}) do
  local period, n = tostring(cap[1]), tonumber(cap[2]) or 0
  if going and string.sub(period, 1, 1) == 'v' then period = going end  -- (SAME_VISIT below)
  local mine, had = string.match(have['k' .. id] or '', '^(.*):([^:]*)$')
  local stricter = mine == nil or (mine == period and n > (tonumber(had) or 0))
  if mine ~= nil and mine ~= period then  -- two days, weeks or visits: the later one counts
    local kind, at = string.match(mine, '^([vdw])(%d+)$')
    local other, later = string.match(period, '^([vdw])(%d+)$')
    stricter = kind ~= nil and kind == other and tonumber(later) > tonumber(at)
  end
  if stricter then put('k' .. id, period .. ':' .. n) end
end
"""

#: Before the merge script's counts: ``same`` when the anonymous profile's visit began within
#: the user's own visit going on (a user seen on a page: N; signed out and in again within it,
#: a.gap: the session gap):
#: one visit, not two (its count less one; the user's visit start kept: caps per visit hold;
#: visitor58: "Visits: 2" and the once-a-visit greeting again after a sign-out and sign-in).
SAME_VISIT = """
local U_F, U_L = tonumber(have['F'] or ''), tonumber(have['L'] or '')  -- the user's, as read
local U_N = tonumber(have['N'] or '')
local U_VS = U_F ~= nil and U_F + (tonumber(have['VS'] or '') or 0) or nil
local same = U_F ~= nil and U_L ~= nil and (U_N or 0) >= 1 and (a.gap or 0) > 0
  and a.visit_start ~= cjson.null and a.visit_start >= U_VS - a.gap
  and a.visit_start <= U_F + U_L + a.gap
if same and a.visits ~= cjson.null and a.visits > 0 then a.visits = a.visits - 1 end
local going = same and 'v' .. U_VS or nil  -- the visit going on's caps period (as the record's)
"""


async def profile_and_rate(store: Store, anon: str) -> tuple[Profile, list[int]]:
    """The anonymous profile, and its beacon count this minute with the seconds left of its
    window (``[0, 0]``: none, or not read), read at once: no longer than the profile's read
    alone. The counter is no part of the profile: a failed read of it carries none."""
    key = store.key(anon, "rate")

    async def op() -> Any:
        async with store.client.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            return await pipe.execute()

    async def counter() -> tuple[int, int]:
        try:
            count, left = await store._run(op, store.cfg.read_timeout, "redis_read")
        except StoreError:  # (logged and counted as any read): the merge goes on without it
            return 0, 0
        return int(count or 0), int(left)

    profile, (count, left) = await asyncio.gather(store.load(anon), counter())
    if count <= 0 or left == -2:  # none, or gone since the GET (its window is over)
        return profile, [0, 0]
    return profile, [count, left if left > 0 else WINDOW]  # (-1: none of ours; a window)


def merge_argument(
    profile: Profile,
    now: float,
    cfg: RedisSettings,
    half_life: float,
    carried: Carried = ALL,
    gap: int = 0,
) -> str:
    """``profile`` (the anonymous one) as JSON: absolute times, interests decayed to ``now``,
    caps as ``[period, count]``, the items bought (no recommendation pairs: the user's are
    worked out from the viewed items carried; an ``also`` key of an earlier release is erased);
    ``cfg``: the idle TTL and whether the user's profile is written compact (store/forms.py);
    ``carried``: what the visitor's switches let it carry (the rest is left out: empty);
    ``gap``: the session gap (a visit of its that began within the user's is the same one)."""
    data = {
        "now": now,
        "gap": gap,
        "ttl": cfg.idle_ttl,
        "compact": cfg.compact,
        "half_life": half_life,
        "views": profile.views,
        "visits": profile.visits,
        "purchases": profile.purchases,
        "first_seen": profile.first_seen,
        "last_seen": profile.last_seen,
        "visit_start": profile.visit_start,
        "cart_at": profile.cart_at,
        "purchase_at": profile.purchase_at,
        "stage": _rejudged(profile, carried),
        "segments": ",".join(sorted(profile.segments)),
        "interests": profile.interest_now(now, half_life),
        "viewed": profile.viewed,
        "viewed_full": profile.viewed_full,
        # pages not counted: theirs with the history off, or all of them when views are not carried
        # (HO's bits, store/scripts.py: none is false, never 0, which Lua takes as true)
        "unrecorded": (profile.unrecorded or (not carried.history and profile.views > 0))
        + 2 * profile.unrecorded_nothing
        or False,
        "uncounted": {item: True for item in sorted(profile.uncounted)},
        "cart": profile.cart,
        "shown": profile.shown,
        "shown_why": {
            rule: {"at": at, "because": encode_all(said)}
            for rule, (at, said) in profile.shown_why.items()
        },
        "events": profile.events,
        "first_touch": profile.first_touch,
        "attrs": profile.attrs,
        "measure": profile.measured,
        "caps": {rule: [period, count] for rule, (period, count) in profile.caps.items()},
        "bought": sorted(profile.purchased),
        "bought_at": {i: at for i, at in profile.bought_at.items() if i in profile.purchased},
    }
    if not carried.history:  # what a page view with the history off does not keep either
        data |= {"views": 0, "interests": {}, "viewed": {}, "viewed_full": False}
        data |= {"uncounted": {}, "first_touch": {}}
        data["events"] = events = {k: n for k, n in profile.events.items() if k not in VIEW_EVENTS}
        data["stage"] = _stage_kept(profile, events, carried, _rejudged(profile, carried, events))
        # the reasons blocks were shown name what they viewed ("Because you viewed ..."): the
        # times stay (caps and freshness read them), the sentences do not; a rule on their
        # behaviour is not carried as shown at all (its "why" names what they browsed: "You
        # have been looking at ..."); its cap still holds
        off = carried.behavioural
        data["shown"] = {r: n for r, n in profile.shown.items() if r not in off}
        data["shown_why"] = {
            r: {"at": at, "because": []} for r, (at, _) in profile.shown_why.items() if r not in off
        }
    data["joined"] = joined.marks(profile, data, carried.history)  # (the data page says it)
    return json.dumps(data, separators=(",", ":"))


def _rejudged(profile: Profile, carried: Carried, events: dict[str, int] | None = None) -> str:
    """The anonymous profile's stage with the moves it had still to judge again (two bookings
    at once: store/stagemoves.py) judged on its own counts, as its next page would have
    (journey65: the merge dropped them, and the account stayed at purchase for good; never on
    the two profiles' sums, which a sign-in does not judge)."""
    if not profile.rejudge or carried.journey is None:
        return profile.stage
    again = profile.rejudge if events is None else profile.rejudge - VIEW_EVENTS  # (history off:
    facts = _facts_of(profile, profile.events if events is None else events)  # what is carried)
    stage, _ = carried.journey.next_stage(profile.stage, facts, again, False)
    rank = STAGE_ORDER.index
    return stage if rank(stage) > rank(profile.stage) else profile.stage


def _facts_of(profile: Profile, events: dict[str, int]) -> Facts:
    """What the journey judges a profile's stage on, ``events`` its events."""
    return Facts(
        stage=profile.stage,
        segments=profile.segments,
        attrs=profile.attrs,
        visits=profile.visits,
        is_new=False,
        purchases=profile.purchases,
        bought=profile.purchased,
        cart_items=sum(profile.cart.values()),
        in_cart=in_cart(profile.cart),
        events=events,
    )


def _stage_kept(
    profile: Profile, events: dict[str, int], carried: Carried, cap: str | None = None
) -> str:
    """The journey's stage a sign-in with the history off carries: the furthest the journey's
    transitions reach from what is carried (a cart, a booking, events, attributes; nothing
    browsed), never past the profile's own; "" moves no stage. Without the journey: the
    profile's stage where a cart, a booking or an event may have moved it."""
    if carried.journey is None:
        return profile.stage if (profile.cart or profile.purchases or events) else ""
    facts = _facts_of(profile, events)
    happened = frozenset(name for name, n in events.items() if n > 0)
    if profile.purchases:
        happened |= {"purchase"}
    reached = carried.journey.reached(facts, happened)
    rank = STAGE_ORDER.index
    most = cap or profile.stage  # (its moves still to judge again, judged: last65)
    stage = reached if rank(reached) <= rank(most) else most
    return "" if stage == "awareness" else stage


async def merge(
    store: Store,
    anon: str,
    user: str,
    now: float,
    half_life: float,
    carried: Carried = ALL,
    gap: int = 0,
) -> bool:
    """Fold the anonymous profile (what ``carried`` lets go: the visitor's switches) into the
    user's, atomically on the user's keys, then delete its keys; True when it merged. Only an
    anonymous profile with something kept merges (not a user's; nor an empty one)."""
    if not anon or is_user_id(anon) or anon == user or anon in store.erasures.merging:
        return False
    store.erasures.merging.add(anon)
    try:
        mark, (profile, rate) = store.erasures.mark, await profile_and_rate(store, anon)
        if store.erasures.since(anon, mark):  # erased meanwhile (another tab): none merges
            return False
        keys = [*store.keys(user), store.key(user, "rate")]  # and the user's beacon counter
        arg = merge_argument(profile, now, store.cfg, half_life, carried, gap)
        merged = profile != Profile() and await merged_into(store, keys, [arg, anon, *rate])
        await store.erase(anon, moved=True)  # (moved: another tab's read of it is theirs)
        return bool(merged)
    finally:
        store.erasures.merging.discard(anon)
