"""Render one compiled snippet or copy for one visitor, with a plain, minimal context."""

from __future__ import annotations

import difflib
import html
import logging
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, nodes

from omotenashi.engine.html.fragment import Broken, broken
from omotenashi.engine.printing import PrintlessDict
from omotenashi.errors import SnippetError

# What ``visitor`` holds in a snippet (engine/profile.py ``visitor_view``).
VISITOR_FIELDS = (
    "stage",
    "segments",
    "visits",
    "returning",
    "interests",
    "name",
    "device",
    "cart",
    "purchases",
    "viewed_in",
    "titles",
)
_FIELD_SET = frozenset(VISITOR_FIELDS)


def not_a_field(name: object) -> str:
    """What a snippet hears when it asks ``visitor`` for something it does not have (with the
    field meant, when one is close: ``nmae``, or ``first_name``, the attribute ``name`` reads)."""
    said = f"{name!r} is not a visitor field"
    word = str(name).lower()
    meant = "name" if "first" in word and "name" in word else None
    close = difflib.get_close_matches(word, VISITOR_FIELDS, n=1)
    if meant or close:
        said += f"; did you mean {meant or close[0]!r}?"
    return f"{said} (fields: {', '.join(VISITOR_FIELDS)})"


class SnippetUndefined(StrictUndefined):
    """A missing value fails the snippet; a missing field of the visitor says so by name
    (rather than Jinja's "'dict object' has no attribute ...")."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if isinstance(obj, Mapping) and isinstance(name, str) and _FIELD_SET <= obj.keys():
            return not_a_field(name)
        return str(super()._undefined_message)


class LazyView(Mapping[str, Any]):
    """The visitor's view (engine/profile.py ``visitor_view``), made when first read: most
    pages' snippets are made once and kept (static, or :func:`render_items`), and read none.
    A snippet is given the view itself (:func:`seen_view`), a plain dict, as ever."""

    __slots__ = ("_make", "_made")

    def __init__(self, make: Callable[[], dict[str, Any]]) -> None:
        self._make = make
        self._made: dict[str, Any] | None = None

    def view(self) -> dict[str, Any]:
        made = self._made
        if made is None:
            made = self._made = self._make()
        return made

    def __getitem__(self, key: str) -> Any:
        return self.view()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.view())

    def __len__(self) -> int:
        return len(self.view())


def seen_view(visitor: Mapping[str, Any]) -> Mapping[str, Any]:
    """The view a snippet reads: a :class:`LazyView`'s, made now; any other as it is."""
    return visitor.view() if isinstance(visitor, LazyView) else visitor


def render(template: Template, values: Mapping[str, Any], visitor: Mapping[str, Any]) -> str:
    """The snippet's output; SnippetError when it fails (the slot then keeps its default)."""
    try:
        out = template.render({**values, "visitor": seen_view(visitor)})
    except Exception as exc:  # any snippet failure leaves the slot's default in place
        raise SnippetError(template.name or "text", f"failed to render: {exc}") from exc
    if not template.environment.autoescape:
        return html.escape(out, quote=False)
    found = broken(out)  # spliced as it is: it must not change the page around the slot
    if found is not None:
        raise BrokenMarkup(template.name or "text", found, out)
    return out


# A quoted value in an error's text: Python and Jinja quote what they name with repr()
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
HIDDEN = "…"  # what a visitor's value is logged as


def _strings(value: object, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value]
    if depth > 4:
        return []
    if isinstance(value, Mapping):
        return [
            s for k, v in value.items() for s in (*_strings(k, depth + 1), *_strings(v, depth + 1))
        ]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def without_visitor(reason: str, visitor: Mapping[str, Any]) -> str:
    """Why a snippet failed for a visitor, as the log may say it: a quoted value that holds or
    is part of one of the visitor's (``'dict object' has no attribute 'Aiko'``), and any of
    their longer values written out, become ``…``; at most 300 characters. A render's error
    can quote what the snippet read (a name, a cart's items); the log keeps what the editor
    wrote and the kind of failure, never the visitor's data (and one line serves them all)."""
    cut, reason = len(reason) > 2000, reason[:2000]  # (cut at 300 below: no longer is worth it)
    mine = {s.casefold() for s in _strings(list(seen_view(visitor).values())) if len(s) >= 2}
    if mine:

        def hide(m: re.Match[str]) -> str:
            inner = (m.group(1) if m.group(1) is not None else m.group(2)).casefold()
            if any(s in inner or (len(inner) >= 3 and inner in s) for s in mine):
                return f"'{HIDDEN}'"
            return m.group(0)

        reason = _QUOTED.sub(hide, reason)
        folded = reason.casefold()
        for s in sorted((s for s in mine if len(s) >= 4 and s in folded), key=len, reverse=True):
            reason = re.sub(re.escape(s), HIDDEN, reason, flags=re.IGNORECASE)
        if cut:  # a value the cut fell inside is not found whole: the end it may be in goes
            reason = reason[: max(0, len(reason) - max(map(len, mine)))] + HIDDEN
    return reason if len(reason) <= 300 else reason[:299] + HIDDEN


class BrokenMarkup(SnippetError):
    """A snippet's output is not a whole piece of HTML (engine/html/fragment.py): it would
    change the page around the slot, so the slot keeps its default."""

    def __init__(self, snippet: str, found: Broken, output: str, said: str = "") -> None:
        self.found = found
        self.output = output
        super().__init__(snippet, said or f"its HTML {found.reason}")


class _Watched(PrintlessDict):  # (printing as no text, as the view it holds: last61b)
    """The visitor's view, noting whether a snippet looked at it at all."""

    looked = False

    def __getitem__(self, key: str) -> Any:
        self.looked = True
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.looked = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.looked = True
        return super().__len__()

    def __iter__(self) -> Any:
        self.looked = True
        return super().__iter__()

    def get(self, key: str, default: Any = None) -> Any:
        self.looked = True
        return super().get(key, default)

    def keys(self) -> Any:
        self.looked = True
        return super().keys()

    def items(self) -> Any:
        self.looked = True
        return super().items()

    def values(self) -> Any:
        self.looked = True
        return super().values()

    def __reversed__(self) -> Any:
        self.looked = True
        return super().__reversed__()

    def pop(self, *args: Any) -> Any:
        self.looked = True
        return super().pop(*args)

    def popitem(self) -> Any:
        self.looked = True
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.looked = True
        return super().setdefault(key, default)

    def __repr__(self) -> str:
        self.looked = True
        return super().__repr__()

    def __str__(self) -> str:  # (no text: PrintlessDict's refusal, once looked at)
        self.looked = True
        return super().__str__()

    def __eq__(self, other: object) -> bool:
        self.looked = True
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:  # dict's own, not ``not __eq__``
        self.looked = True
        return super().__ne__(other)

    def copy(self) -> Any:
        self.looked = True
        return super().copy()

    __hash__ = None  # type: ignore[assignment]


TOLD_KEEP = 1024  # different problems logged per rule set; past that, only counted
TOLD_OWNERS = 64  # rule sets remembered (apps in one process, reloads): the oldest go first

# By the id of the rule set (its owner): the set itself, weakly (an id can be reused once it is
# gone), and the problems logged for it. Per owner: two apps in one process each log once.
_TOLD: OrderedDict[int, tuple[weakref.ref[object], set[str]]] = OrderedDict()
# Big pages are personalised in a worker thread while the event loop does the rest: a lock
# around each table's own operations (never around a render or a log line) keeps them whole.
_TOLD_LOCK = threading.Lock()


def warn_once(log: logging.Logger, problem: str, owner: object, kind: str | None = None) -> None:
    """Log ``problem`` once per ``owner`` (the rule set loaded: a reload logs it again), not
    once per request; the caller counts every one. ``kind`` (default: the problem itself)
    is what must differ for another line: a reason, where the problem names a page too."""
    key = id(owner)
    kind = problem if kind is None else kind
    with _TOLD_LOCK:
        told = _TOLD.get(key)
        if told is None or told[0]() is not owner:
            told = _TOLD[key] = (weakref.ref(owner), set())
            if len(_TOLD) > TOLD_OWNERS:
                _TOLD.popitem(last=False)
        said = told[1]
        if kind in said or len(said) >= TOLD_KEEP:
            return
        said.add(kind)
        _TOLD.move_to_end(key)
    log.warning("omotenashi: %s", problem)


class _Key:
    """A key of :data:`_RENDERED` whose hash is worked out once: the items picked in it are
    models hashed field by field, and each look-up hashes its key again."""

    __slots__ = ("key", "hash")

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key, self.hash = key, hash(key)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self.hash == other.hash and self.key == other.key


# By snippet and key: the owner, the output and, for output that is no whole piece of HTML,
# what is wrong with it (checked once, like the render).
_RENDERED: OrderedDict[_Key, tuple[object, str, Broken | None]] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
_KEEP = 2048


def render_items(
    template: Template,
    values: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    visitor: Mapping[str, Any],
    owner: object,
    key: Hashable,
) -> str:
    """:func:`render` for a snippet whose values are ``owner``'s (a rule's ``with:``) and
    what ``key`` sums up (the items picked, with their reasons). When the snippet does not
    look at the visitor, the same owner and key give the same output: it is rendered once
    and kept (bounded; a reloaded rule is a new owner). ``values`` may be a function that
    makes them, called only when the snippet is rendered."""
    if not _repeatable(template):  # |random, lipsum(): a new draw for every page
        return render(template, values() if callable(values) else values, visitor)
    cache_key = _Key((template, key))  # (hashed once: a look-up and a move_to_end hash it)
    with _RENDERED_LOCK:
        known = _RENDERED.get(cache_key)
        if known is not None and known[0] is owner:
            _RENDERED.move_to_end(cache_key)
            if known[2] is not None:
                raise BrokenMarkup(template.name or "text", known[2], known[1])
            return known[1]
    watched = _Watched(seen_view(visitor))
    found = None
    try:
        out = render(template, values() if callable(values) else values, watched)
    except BrokenMarkup as exc:
        out, found = exc.output, exc.found
    if not watched.looked:
        with _RENDERED_LOCK:
            _RENDERED[cache_key] = (owner, out, found)
            if len(_RENDERED) > _KEEP:
                _RENDERED.popitem(last=False)
    if found is not None:
        raise BrokenMarkup(template.name or "text", found, out)
    return out


_REPEATABLE: weakref.WeakKeyDictionary[Template, bool] = weakref.WeakKeyDictionary()
_CHANCE = frozenset({"random", "lipsum"})  # what draws anew on every render


def _repeatable(template: Template) -> bool:
    """Whether the same values always render the same output: no ``|random`` filter and no
    ``lipsum()`` in the snippet's source, nor in a snippet it includes, imports or extends
    (read once per compiled snippet). A snippet whose source cannot be read (made from a
    string) counts as repeatable; one that names another by an expression does not."""
    verdict = _REPEATABLE.get(template)
    if verdict is None:
        env, name = template.environment, template.name
        verdict = env.loader is None or name is None or _source_repeatable(env, name, set())
        _REPEATABLE[template] = verdict
    return verdict


_OTHERS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _source_repeatable(env: Any, name: str, seen: set[str]) -> bool:
    """:func:`_repeatable` for the snippet ``name`` and the snippets it brings in."""
    if name in seen:
        return True
    seen.add(name)
    try:
        tree = env.parse(env.loader.get_source(env, name)[0])
    except Exception:  # unreadable now: do not keep its output
        return False
    used = {str(getattr(n, "name", "")) for n in tree.find_all((nodes.Filter, nodes.Name))}
    if used & _CHANCE:
        return False
    for other in tree.find_all(_OTHERS):
        named = other.template
        if not (isinstance(named, nodes.Const) and isinstance(named.value, str)):
            return False  # which snippet it is can differ from page to page
        if not _source_repeatable(env, named.value, seen):
            return False
    return True
