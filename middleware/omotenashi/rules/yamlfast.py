"""One pass over libyaml's events: a well-formed rule file's data and field lines, fast.

The precise reader (:func:`omotenashi.rules.yamlsource.load_yaml`) checks the file for anchors
and nesting, composes a node tree, constructs the data from it and walks it again for lines:
four passes, most of them in Python. This reads the parser's events once and builds the same
data and the same ``{location: line}`` map as it goes. Anything it does not expect (an anchor,
an alias, an explicit tag, a duplicate or non-text key, deep nesting, a second document, any
YAML error) makes it give up with :class:`Unusual`; the precise reader then reads the file again
and words the error exactly as before. So a good file is read once, and a bad one is reported
as it always was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from omotenashi.errors import OmotenashiError
from omotenashi.rules.yamlguard import MAX_DEPTH

Loc = tuple[str | int, ...]

PACE_EVENTS = 64
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_CONSTRUCTOR = yaml.SafeLoader("")  # builds the few non-text scalars: ints, floats, dates, null


class Unusual(OmotenashiError):  # noqa: N818  (a signal: read the file the precise way)
    """The fast path saw something it leaves to the precise reader (never leaves
    ``yamlsource.load_yaml``)."""


def fast_load(
    loader: yaml.SafeLoader, pace: Callable[[], None] | None = None
) -> tuple[Any, dict[Loc, int]]:
    """``loader``'s single document as plain data plus ``{location: line}``, or Unusual.

    ``loader`` is a (C) parser for the resolver rules of the precise reader; it is disposed of
    by the caller. Locations and lines are those of ``yamlsource._walk``: a mapping value stands
    at its key's line, a list item at its own first line, the document at its first line.
    ``pace`` is called every PACE_EVENTS events.
    """
    if pace is not None:
        pace()  # after reading and checking the text
    try:
        return _build(loader, pace)
    except Unusual:
        raise
    except Exception as exc:  # a YAML error, an unhashable key...: the precise reader says
        raise Unusual from exc


def _resolve(event: yaml.ScalarEvent, resolvers: dict[Any, Any]) -> Any:
    """A plain scalar's value, as the precise reader's resolver and constructor make it."""
    if event.anchor is not None or event.tag is not None:
        raise Unusual
    value: str = event.value
    tag = next((t for t, regexp in resolvers.get(value[:1], ()) if regexp.match(value)), None)
    if tag is None:
        return value
    if tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
        return int(value)
    make = _CONSTRUCTOR.yaml_constructors.get(tag)
    if make is None or tag == _STR:
        raise Unusual  # a merge key or the value tag: left to the precise reader
    # A date that does not exist (2026-13-01) raises ValueError: the precise reader keeps its text.
    return make(_CONSTRUCTOR, yaml.ScalarNode(tag, value))


def _build(loader: yaml.SafeLoader, pace: Callable[[], None] | None) -> tuple[Any, dict[Loc, int]]:
    """Each event looked at once: an end, a mapping's key (its line kept; a key met before in
    that mapping is already in ``lines``), or a value (a list item's line kept)."""
    resolvers = type(loader).yaml_implicit_resolvers
    if None in resolvers:
        raise Unusual  # wildcard resolvers are not expected
    get: Callable[[], Any] = loader.get_event
    get()  # StreamStartEvent
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None, {}
    if type(event) is not yaml.DocumentStartEvent:
        raise Unusual
    scalar, mapping, sequence = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    plain: dict[str, Any] = {}  # plain scalar -> value: each text resolved once, and shared
    lines: dict[Loc, int] = {}
    stack: list[tuple[Any, Loc, bool]] = []  # the open collections around ``cur``
    root: Any = None
    cur: Any = None  # the open collection: a dict or a list (None: the document itself)
    at: Loc = ()  # where it stands
    in_map = False  # ``cur`` is a mapping: a key, then a value
    key: Any = None  # its key read, its value not yet
    left = PACE_EVENTS  # events until the next pace
    while True:
        event = get()
        kind = type(event)
        left -= 1
        if not left:
            left = PACE_EVENTS
            if pace is not None:
                pace()
        if kind is map_end or kind is seq_end:
            cur, at, in_map = stack.pop()
            if cur is None:
                break
            continue
        if in_map:
            if key is None:  # a key
                if kind is not scalar or event.tag is not None or event.anchor is not None:
                    raise Unusual  # not text, or tagged
                raw = event.value
                loc: Loc = at + (raw,)  # (faster than (*at, raw))
                size = len(lines)
                lines[loc] = event.start_mark.line + 1
                if len(lines) == size:
                    raise Unusual  # a duplicate: the precise reader names it
                if event.implicit[0]:
                    key = plain.get(raw)
                    if key is None:
                        key = plain[raw] = _resolve(event, resolvers)
                    if type(key) is not str:
                        raise Unusual  # a null key, a number ...: said by the precise reader
                else:
                    key = raw
                continue
        else:
            loc = at + (len(cur),) if cur is not None else ()
            lines[loc] = event.start_mark.line + 1
        if kind is scalar:
            if event.anchor is not None:
                raise Unusual  # the precise reader refuses anchors
            if event.implicit[0]:
                raw = event.value
                value = plain.get(raw, plain)
                if value is plain:
                    value = plain[raw] = _resolve(event, resolvers)
            elif event.tag is None:
                value = event.value
            else:
                raise Unusual
            if in_map:
                cur[key] = value
                key = None
            elif cur is not None:
                cur.append(value)
            else:
                root = value
                break
            continue
        if kind is mapping:
            value = {}
        elif kind is sequence:
            value = []
        else:
            raise Unusual  # an alias, or something unexpected
        if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
            raise Unusual
        if in_map:
            cur[key] = value
            key = None
        elif cur is not None:
            cur.append(value)
        else:
            root = value
        stack.append((cur, at, in_map))
        cur, at, in_map = value, loc, kind is mapping
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise Unusual  # a second document: the precise reader refuses it
    return root, lines
