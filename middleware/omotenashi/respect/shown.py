"""What the preferences page tells a visitor about the blocks chosen for them: only what they
were actually shown, with the reasons that were true when it was shown (kept with the profile,
bounded), and the categories a site may personalise, in plain words with their state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from omotenashi.engine.bidi import needs, put_in, said
from omotenashi.engine.disclosure import sentence
from omotenashi.engine.explain import kind_label as kind_label  # (check's too)
from omotenashi.engine.explain import words
from omotenashi.engine.periods import site_zone
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet, entry_key
from omotenashi.measure.phases import stopped
from omotenashi.respect import yourdata
from omotenashi.respect.historywords import erased_at_sign_in, not_counted
from omotenashi.respect.notes import devices_note as devices_note
from omotenashi.respect.notes import private_note as private_note
from omotenashi.respect.notewords import ADAPTED as ADAPTED  # (its notes were here: kept too)
from omotenashi.respect.notewords import MOMENT as MOMENT
from omotenashi.respect.notewords import SHARED_COUNTS as SHARED_COUNTS
from omotenashi.rules.model import Rule

MAX_LISTED = 30
Names = tuple[Mapping[str, str], Mapping[str, str]]  # item id → title, topic → words

CHOICES_NEED_A_COOKIE = frozenset({"", "nothing"})  # where the switches can be saved
# What the site passed on with ``remember()`` (Profile.attrs), on both pages: the visitor may
# have typed it into the site (or the site knew it), but it reached us from the site
DETAILS = "Details the site passed on to us"
_EMPTY = Profile().to_export()


NOTHING = "We keep nothing about you."
# ... to a private visitor (GPC, no consent ...): an account they signed in to elsewhere is not
# linked to this browser, and may hold something (privacy64: "nothing about you" was said)
NOTHING_HERE = "We keep nothing about you from this browser."
# ... where our cookie could not be read among the browser's others (visitor61: "nothing"
# was said to a visitor whose profile was kept)
CANNOT_TELL = (
    "We cannot tell: your browser sent more cookies than we read, and we could not find ours "
    "among them."
)


def kept(profile: Profile) -> bool:
    """Whether anything at all is stored in this profile."""
    return profile.to_export() != _EMPTY


def uncounted(
    history_off: bool, unrecorded: bool, merged: bool = False, nothing: bool = False
) -> str:
    """What the data page adds to the count of pages seen: that some are not in it
    (``merged``: a sign-in left out what was browsed before it: historywords.py)."""
    said = not_counted(history_off, unrecorded, merged, nothing)
    return f" ({said})" if said else ""


def entries(ruleset: RuleSet) -> dict[str, tuple[str, ...]]:
    """Every rule id: the ids of every rule of its entry (itself included), in rule order
    (grouped once, by the rule set: ``engine.ruleset.entry_key``)."""
    return {compiled.id: compiled.entry or (compiled.id,) for compiled in ruleset.rules}


def entry_on(ids: tuple[str, ...], prefs: Prefs) -> bool:
    """An entry is off when any rule of it is: restraint then holds all of them off (a rule
    added later to an entry the visitor switched off stays off too)."""
    return prefs.off_rules.isdisjoint(ids)


def shown_recently(
    profile: Profile,
    ruleset: RuleSet,
    prefs: Prefs,
    by_id: Mapping[str, CompiledRule] | None = None,
    limit: int | None = None,
    zone: str = "UTC",
    intent_budget: int = 1,
) -> list[dict[str, Any]]:
    """What this visitor was shown (newest first) with the reasons true at the time; rules
    giving the same reason in the same category are one entry with one switch (``key`` lists
    every rule of the entry, shown or not: :func:`entries`). ``by_id``: the rule set's rules by
    id, when the caller keeps them (then this costs what was shown, not the rule set);
    ``limit``: the newest this many (None: all); ``zone``: the site's, whose clock the times
    are given on; ``intent_budget``: the setting (``yourdata.times_shown`` counts with it).
    Rules no longer in the rule set are left out (nothing to switch): ``gone_shown`` counts."""
    if by_id is None:
        by_id = {r.id: r for r in ruleset.rules}
    out: list[dict[str, Any]] = []
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    shown: dict[tuple[str, str], list[tuple[Rule, int]]] = {}
    for rule_id, times in profile.shown.items():
        compiled = by_id.get(rule_id)
        if compiled is None or times <= 0:
            continue
        rule = compiled.rule
        at, because = profile.shown_why.get(rule_id, (0.0, []))
        category_on = rule.category not in prefs.off_categories
        shown.setdefault(entry_key(rule), []).append((rule, times))
        same = merged.get(entry_key(rule))
        if same is not None:  # one entry: the latest reasons
            same["times"], same["at_least"] = yourdata.times_shown(
                shown[entry_key(rule)], intent_budget
            )
            same["behavioural"] = same["behavioural"] and compiled.behavioural
            if at > same["at"]:
                same.update(at=at, when=yourdata.day(at, zone), because=[_said(r) for r in because])
            continue
        ids = compiled.entry or (compiled.id,)  # as entries() groups them
        merged[entry_key(rule)] = entry = {
            "key": ",".join(ids),  # the switch's value only; never shown as text
            "why": rule.why,
            "because": [_said(r) for r in because],
            "when": yourdata.day(at, zone),
            "at": at,
            "times": times,
            "at_least": False,  # (True: "at least N times": yourdata.times_shown)
            "on": entry_on(ids, prefs),
            "category": kind_label(ruleset.category_labels, rule.category),
            "category_name": rule.category,
            "category_on": category_on,
            "behavioural": compiled.behavioural,  # off while the browsing history is off
        }
        out.append(entry)
    out.sort(key=lambda e: -e["at"])
    unique_labels(out)
    return out if limit is None else out[:limit]


def _said(reason: str) -> str:
    """A reason as the page prints it: its right-to-left values in ``<bdi>`` (bidi58)."""
    return Markup(said(reason)) if needs(reason) else sentence(reason)


def gone_shown(profile: Profile, by_id: Mapping[str, CompiledRule]) -> int:
    """How many times blocks this site no longer shows (rules gone from the rule set) were
    shown to this visitor: still kept, until they expire or are erased."""
    return sum(n for rule, n in profile.shown.items() if rule not in by_id and n > 0)


def unique_labels(entries: list[dict[str, Any]]) -> None:
    """Each entry's ``label``: its reason, with its category where another entry gives it."""
    seen: dict[str, int] = {}
    for entry in entries:
        label = entry["why"].strip()
        seen[label] = seen.get(label, 0) + 1
        entry["label"] = label if seen[label] == 1 else f"{label} ({entry['category']})"


def categories(ruleset: RuleSet, prefs: Prefs, shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every category in plain words, whether it is on, and how many entries (kinds of block,
    one switch each: :func:`entry_key`) it covers."""
    out: dict[str, dict[str, Any]] = {}
    counted: set[tuple[str, str]] = set()
    ends = _entry_ends(ruleset)
    for compiled in sorted(ruleset.rules, key=lambda r: r.order):
        name = compiled.rule.category
        entry = out.setdefault(
            name,
            {
                "name": name,
                "label": kind_label(ruleset.category_labels, name),
                "on": name not in prefs.off_categories,
                "kinds": 0,
                "shown": 0,
                "contextual": 0,  # kinds shown even when nothing is kept (device, time, link)
                "ends": [],  # (when, contextual, key) of kinds whose schedules all end
            },
        )
        key = entry_key(compiled.rule)
        if key not in counted:
            counted.add(key)
            entry["kinds"] += 1
            entry["contextual"] += not compiled.behavioural
            if (end := ends[key]) is not None:
                entry["ends"].append((end, not compiled.behavioural, key))
    for item in shown:
        if item["category_name"] in out:
            out[item["category_name"]]["shown"] += 1
    return list(out.values())


def ended(kind: Mapping[str, Any], now: float | None) -> list[tuple[bool, object]]:
    """The entries of ``kind`` (one of :func:`categories`) whose schedules have all ended by
    ``now`` (none without a moment): each as (contextual, its entry key)."""
    return [(c, key) for at, c, key in kind["ends"] if now is not None and at <= now]


def _entry_ends(ruleset: RuleSet) -> dict[tuple[str, str], float | None]:
    """Each entry's moment when every rule of it is off for good (its schedules' last end),
    None when one has no end (editor63: a season ended still counted as a kind of
    suggestion). One pass over the rules."""
    ends: dict[tuple[str, str], float | None] = {}
    for compiled in ruleset.rules:
        key, schedule = entry_key(compiled.rule), compiled.rule.schedule
        end = schedule.end if schedule is not None else None
        if end is None:
            ends[key] = None
        elif key not in ends or ends[key] is not None:
            at = (end if end.tzinfo else end.replace(tzinfo=UTC)).timestamp()
            ends[key] = max(at, ends.get(key) or at)
    return ends


def testing(measured: set[str], by_id: Mapping[str, CompiledRule], zone: str) -> set[str]:
    """Which of the ``measured`` rules are measured now: in the rule set, with a holdout, on
    and in their schedule (measure67: a rule switched off, or past its schedule's end, was
    said in the present, "you are in the group that sees it")."""
    rules = [by_id[rule] for rule in measured if rule in by_id and by_id[rule].rule.holdout > 0]
    off = stopped(rules, datetime.now(site_zone(zone)))
    return {c.id for c in rules if c.id not in off}


def data_sections(
    profile: Profile,
    ruleset: RuleSet,
    prefs: Prefs,
    names: Names | None = None,
    *,
    private: str = "",
    by_id: Mapping[str, CompiledRule] | None = None,
    stages: Mapping[str, str] | None = None,
    zone: str = "UTC",
    intent_budget: int = 1,
    groups: Mapping[str, str] | None = None,
    segments: frozenset[str] | None = None,
    pair_names: Mapping[str, str] | None = None,
    adapts: bool = True,
    history_off: bool = False,
    cookie: bool = False,
    signed_in: bool = False,
    unread: bool = False,
) -> list[tuple[str, list[str]]]:
    """The export as headed lists of plain sentences, for the readable page: every family of
    it, long lists cut with "and N more" (:func:`yourdata.cut`); ``names`` holds the
    catalogue's titles for items and words for topics; ``private`` is the privacy decision's
    reason when it is private (its note comes first: what is and is not kept); ``stages``
    the site's words for its stages (the journey file's ``stages:``), ``groups`` for its
    segments (``segment_words:``), ``segments`` the visitor's now; ``zone`` the site's clock
    (OMOTENASHI_RULES_TIMEZONE), on which every time is given, named; ``pair_names`` the
    catalogue's ids by code (``Catalog.pair_names``); ``adapts``: a block that needs nothing
    kept may still be shown to the visitor (:func:`notes.private_note`); ``history_off``: their
    browsing history is off, so pages seen are not counted (said by the count); ``cookie``:
    the browser sent our cookie, ``signed_in``: one that holds a sign-in
    (:func:`notes.private_note`)."""
    titles, labels = names or ({}, {})

    def title(item: str) -> str:
        return titles.get(item) or words(item)

    rows: list[tuple[str, list[str]]] = []
    counts = [
        f"Visits: {profile.visits}",
        f"Pages seen: {profile.views}"
        + uncounted(
            history_off, profile.unrecorded, erased_at_sign_in(profile), profile.unrecorded_nothing
        ),
        f"Purchases: {profile.purchases}",
    ]
    if profile.first_seen:
        counts.append(f"First seen: {yourdata.day(profile.first_seen, zone)}")
    if profile.last_seen:
        counts.append(f"Last seen: {yourdata.day(profile.last_seen, zone)}")
    rows.append(("Your visits", counts + yourdata.visit_lines(profile, zone)))
    if profile.interests:
        rows.append(
            (
                "Topics you looked at (a point for each page about one, fading with time)",
                yourdata.cut(
                    [
                        put_in(
                            "{}: {} when one was last added, on {}",
                            labels.get(t) or words(t),
                            yourdata.points(score),
                            yourdata.day(at, zone),
                        )
                        for t, (score, at) in sorted(  # by the name shown (visitor60)
                            profile.interests.items(),
                            key=lambda kv: ((labels.get(kv[0]) or words(kv[0])).casefold(), kv[0]),
                        )
                    ]
                ),
            )
        )
    if profile.viewed:
        latest = yourdata.latest_first(profile.viewed, profile.viewed, title)
        looked = [
            put_in("{} ({})", title(i), yourdata.day(profile.viewed[i], zone)) for i in latest
        ]
        rows.append(("Things you looked at (the latest first)", yourdata.cut(looked)))
    if profile.cart:
        cart = [put_in("{} × {}", title(i), n) for i, n in sorted(profile.cart.items())]
        rows.append(("In your cart", yourdata.cut(cart)))
    if profile.events:
        done = [f"{words(n)}: {yourdata.times(c)}" for n, c in sorted(profile.events.items())]
        rows.append(("Things you did", yourdata.cut(done)))
    if profile.attrs:
        given = [put_in("{}: {}", words(k), v) for k, v in sorted(profile.attrs.items())]
        rows.append((DETAILS, yourdata.cut(given)))
    if profile.first_touch:
        rows.append(("How you first found us", yourdata.first_touch(profile)))
    if by_id is None:
        by_id = {r.id: r for r in ruleset.rules}
    measured = {name.split("|")[1] for name in profile.measured if name.count("|")}
    why = {rule: by_id[rule].rule.why for rule in measured if rule in by_id}
    listed = titles if names is not None else None  # what the catalogue names now
    rows += yourdata.more_sections(
        profile, title, why, stages, zone, listed, groups, segments, pair_names,
        "" if not private else "adapts" if adapts else "untouched",
        testing(measured, by_id, zone),
    )  # fmt: skip
    shown = [  # (an editor's right-to-left "why" in <bdi>: the count stays after it, last58)
        put_in("{}", e["why"]) + f" ({'at least ' * e['at_least']}{yourdata.times(e['times'])})"
        for e in shown_recently(profile, ruleset, prefs, by_id, None, zone, intent_budget)
    ]
    if gone := gone_shown(profile, by_id):
        shown.append(f"Blocks this site no longer shows ({yourdata.times(gone)})")
    if shown:
        rows.append(("Shown to you", yourdata.cut(shown)))
    if not kept(profile):  # no rows of zeros: there is nothing to list (unread: none read)
        said = CANNOT_TELL if unread else NOTHING_HERE if private else NOTHING
        rows = [("What we keep about you", [said])]
    choices = []
    if prefs.nothing:
        choices.append("Personalise nothing for me: on")
    labels = ruleset.category_labels
    choices += [f"Switched off: {kind_label(labels, c)}" for c in sorted(prefs.off_categories)]
    gone_rule = "a block this site no longer shows"
    off = dict.fromkeys(by_id[r].rule.why if r in by_id else gone_rule for r in prefs.off_rules)
    choices += [put_in("Switched off: {}", why) for why in sorted(off)]
    if private not in CHOICES_NEED_A_COOKIE:  # GPC, no consent ...: nothing read or added
        choices = [
            private_note(
                private,
                kept(profile),
                prefs != Prefs(),
                adapts=adapts,
                cookie=cookie,
                signed_in=signed_in,
                nothing=prefs.nothing,
                unread=unread,
            )
            or "We store nothing new about you.",
            *choices,
        ]
    rows.append(("Your choices", choices or ["None: everything is on"]))
    return rows
