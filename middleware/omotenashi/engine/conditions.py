"""Compile a rule's ``when`` into a predicate over :class:`Facts` (a closed vocabulary, no eval).

Every condition also says, in sentences a visitor can read, why it holds (``reasons``) and why
it does not (``denials``), from the facts at that moment: negation and values included, so an
explanation is never more than what actually matched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time as dtime
from zoneinfo import ZoneInfo

from omotenashi.engine import explain as ex
from omotenashi.engine.compare import (
    Check,
    Condition,
    Say,
    all_hold,
    compare,
    deny,
    explain,
    fixed,
    same,
)
from omotenashi.engine.facts import Facts
from omotenashi.engine.globs import matcher, url_matcher
from omotenashi.engine.history import history
from omotenashi.rules.model import Compare, When

__all__ = ["Check", "Condition", "Say", "all_hold", "compile_when", "deny", "explain"]

FIRST_VISIT = "we have no record of an earlier visit of yours"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def compile_when(when: When, default_tz: str) -> list[Condition]:
    """The conditions of ``when``; all must hold. Its ``time`` and ``weekday`` are read in its
    ``timezone``, else ``default_tz``; a nested When (``all``, ``any``, ``not``) without a
    ``timezone`` of its own takes its parent's."""
    out: list[Condition] = []
    zone = when.timezone or default_tz
    tz = ZoneInfo(zone)
    if when.stage is not None:
        stages = frozenset(when.stage)
        out.append(
            same(
                lambda f: f.stage in stages,
                lambda f: ex.stage_words(f.stage, f.stage_words),
                "the journey stage is " + ex.either(when.stage),
            )
        )
    if when.segment is not None:
        segs = frozenset(when.segment)
        out.append(
            Condition(
                lambda f: not segs.isdisjoint(f.segments),
                "in the group " + ex.either(when.segment),
                lambda f: [
                    "you are in our group " + ex.groups(sorted(segs & f.segments), f.segment_words)
                ],
                lambda f: [f"you are not in our group {ex.groups(sorted(segs), f.segment_words)}"],
            )
        )
    for name, cmp in (when.attr or {}).items():
        out.append(compare(_attr(name), cmp, ex.attr_subject(name)))
    for topic, cmp in (when.interest or {}).items():
        out.append(_interest_condition(topic, cmp))
    if when.visits is not None:
        visits = ex.Count(
            "you have visited us {n}, counting this visit",
            "time",
            known="we know of {n} of yours, counting this one",
            known_noun="visit",
        )
        out.append(compare(lambda f: f.visits, when.visits, visits, number=True))
    for flag, want_new in ((when.new, True), (when.returning, False)):
        if flag is not None:
            new = want_new if flag else not want_new
            # a returning visitor whose profile expired idle is new to us: say what we know
            first, again = FIRST_VISIT, "you have visited us before"
            yes, no = (first, again) if new else (again, first)
            out.append(fixed(_is_new(new), yes, no))
    if when.device is not None:
        kinds = frozenset(when.device)
        out.append(
            same(
                lambda f: f.device.kind in kinds,
                lambda f: (
                    "you are on "
                    + ex.DEVICE_WORDS.get(f.device.kind, "a device we could not recognise")
                ),
                "on a " + ex.either(when.device),
            )
        )
    if when.browser is not None:
        browsers = frozenset(b.lower() for b in when.browser)
        out.append(
            same(
                lambda f: f.device.browser.lower() in browsers,
                lambda f: (
                    f"you use {f.device.browser}"
                    if f.device.browser.lower() != "other"
                    else "we could not tell which browser you use"
                ),
                "using " + ex.either(when.browser),
            )
        )
    if when.os is not None:
        systems = frozenset(o.lower() for o in when.os)
        out.append(
            same(
                lambda f: f.device.os.lower() in systems,
                lambda f: (
                    f"your device runs {f.device.os}"
                    if f.device.os.lower() != "other"
                    else "we could not tell which system your device runs"
                ),
                "on " + ex.either(when.os),
            )
        )
    if when.path is not None:
        out.append(_path_condition(when.path))
    for key, cmp in (when.query or {}).items():
        out.append(compare(_query(key), cmp, ex.query_subject(key)))
    if when.referrer is not None:
        from_ref = url_matcher(when.referrer)  # a host as punycode, or as editors write it
        out.append(
            same(
                lambda f: bool(f.referrer) and from_ref(f.referrer),
                lambda f: (
                    f"you came from {ex.host(f.referrer)}"
                    if f.referrer
                    else "we do not know which page sent you here"
                ),
                "coming from " + ex.either(when.referrer),
            )
        )
    if when.language is not None:
        langs = tuple(lang.lower() for lang in when.language)
        out.append(
            same(
                lambda f: _language_matches(f.languages, langs),
                lambda f: _language_sentence(f.languages, langs),
                "in the language " + ex.either(when.language),
            )
        )
    if when.country is not None:
        countries = frozenset(c.upper() for c in when.country)
        out.append(
            same(
                lambda f: f.country.upper() in countries,
                lambda f: (
                    f"you appear to be in {f.country.upper()}"
                    if f.country
                    else "we do not know which country you are in"
                ),
                "in " + ex.either(when.country),
            )
        )
    if when.time is not None:
        start, end = _window(when.time)
        span = f"between {start:%H:%M} and {end:%H:%M} ({zone} time)"
        out.append(
            fixed(
                lambda f: _in_window(f.now.astimezone(tz).time(), start, end),
                f"it is {span}",
                f"it is not {span}",
            )
        )
    if when.weekday is not None:
        days = frozenset(when.weekday)
        out.append(
            same(
                lambda f: _DAYS[f.now.astimezone(tz).weekday()] in days,
                lambda f: f"it is {ex.DAY_WORDS[f.now.astimezone(tz).weekday()]} ({zone} time)",
                "on " + ex.either(when.weekday),
            )
        )
    history(when, out)
    for sub in when.all or []:
        out.extend(compile_when(sub, zone))
    if when.any is not None:
        branches = [compile_when(sub, zone) for sub in when.any]
        out.append(
            Condition(
                lambda f: any(all_hold(b, f) for b in branches),
                "any of: " + " | ".join("; ".join(c.text for c in b) for b in branches),
                lambda f: next((explain(b, f) for b in branches if all_hold(b, f)), []),
                lambda f: [r for b in branches for r in deny(b, f)],
            )
        )
    if when.not_ is not None:
        inner = compile_when(when.not_, zone)
        out.append(
            Condition(
                lambda f: not all_hold(inner, f),
                "not: " + "; ".join(c.text for c in inner),
                lambda f: deny(inner, f),
                lambda f: explain(inner, f),
                # a not: of nothing but not:s (``not: {not: X}``) holds when X does, and says
                # X's own sentences (the inner not:'s denials): it chose the block, as X would
                guard=not (inner and all(c.guard for c in inner)),
            )
        )
    return out


def _language_sentence(have: tuple[str, ...], want: tuple[str, ...]) -> str:
    match = next((h for h in have for w in want if h == w or h.startswith(w + "-")), None)
    if match is not None:
        return f"your browser asks for pages in {_written(match)}"
    if have:
        return f"your browser asks for pages in {_written(have[0])}"
    return "your browser does not say which language you prefer"


def _written(tag: str) -> str:
    """A language tag (read in lower case) as it is written (BCP 47): ``ja-JP``, ``zh-Hant-TW``,
    ``es-419``; subtags after a singleton (``x-...``, ``u-...``) stay as they are."""
    parts = tag.split("-")
    for i, part in enumerate(parts[1:], 1):
        if len(parts[i - 1]) == 1:
            break  # an extension or private use: its subtags are not regions or scripts
        if len(part) == 2 and part.isalpha():
            parts[i] = part.upper()
        elif len(part) == 4 and part.isalpha():
            parts[i] = part.title()
    return "-".join(parts)


def _language_matches(have: tuple[str, ...], want: tuple[str, ...]) -> bool:
    return any(h == w or h.startswith(w + "-") for h in have for w in want)


def _window(text: str) -> tuple[dtime, dtime]:
    a, b = text.split("-")
    return dtime.fromisoformat(a), dtime.fromisoformat(b)


def _in_window(now: dtime, start: dtime, end: dtime) -> bool:
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # overnight, e.g. 22:00-06:00


def _is_new(want: bool) -> Check:
    return lambda f: f.is_new == want


def _attr(name: str) -> Callable[[Facts], object]:
    return lambda f: f.attrs.get(name)


def _interest(topic: str) -> Callable[[Facts], object]:
    return lambda f: f.interests.get(topic, 0.0)


def _interest_condition(topic: str, cmp: Compare) -> Condition:
    """An interest test whose sentences name the topic as the site does (``Facts.labels``)."""
    plain = compare(_interest(topic), cmp, ex.Interest(topic), number=True)
    named: dict[str, Condition] = {}

    def worded(f: Facts) -> Condition:
        label = f.labels.get(topic, "")
        if not label:
            return plain
        found = named.get(label)
        if found is None:
            found = named[label] = compare(
                _interest(topic), cmp, ex.Interest(topic, label=label), number=True
            )
        return found

    return Condition(
        plain.check, plain.text, lambda f: worded(f).reasons(f), lambda f: worded(f).denials(f)
    )


def _path_condition(globs: list[str]) -> Condition:
    """A path test whose sentences name the rule's own patterns, never the request's path
    (the visitor's to write: a crafted link would put its words into the site's why); a
    pattern that is a catalogue item's page by the item's title (``Facts.pages``)."""
    on_path = matcher(globs)
    each = [(g, matcher([g]), ex.page_words(g), ex.loosely(g)) for g in dict.fromkeys(globs)]

    def reasons(f: Facts) -> list[str]:
        on = [(ex.page_title(g, f.pages), words) for g, test, words, _ in each if test(f.path)]
        named = [title for title, _ in on if title]
        if named:  # (one path: the title of the page the visitor is on)
            return [f"you are looking at {named[0]}"]
        return [f"you are on {ex.either(list(dict.fromkeys(words for _, words in on)))}"]

    def denials(f: Facts) -> list[str]:
        named: dict[str, None] = {}
        plain: dict[str, None] = {}
        here = ex.loosely(f.path)
        for g, _, words, loose in each:
            title = ex.page_title(g, f.pages)
            if title and loose != here:  # (else the item's page may be here, written otherwise)
                named[title] = None
            else:
                plain[words] = None
        out = [f"you are not looking at {ex.either(list(named))}"] if named else []
        return out + ([f"you are not on {ex.either(list(plain))}"] if plain else [])

    return Condition(
        lambda f: on_path(f.path), "on the pages " + ex.either(globs), reasons, denials
    )


def _query(key: str) -> Callable[[Facts], object]:
    return lambda f: f.query.get(key)
