"""Read an editor's YAML file into plain data plus a map of where each field stands."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from omotenashi.errors import RuleError
from omotenashi.rules.yamlfast import Unusual, fast_load
from omotenashi.rules.yamlguard import (
    MAX_DEPTH,
    RULE_FILE,
    Limit,
    check_source,
    check_text,
    line_at,
)
from omotenashi.rules.yamlspaces import curly_quote, line_separator, odd_space, tag_or_document

Loc = tuple[str | int, ...]


# libyaml's parser (C) when PyYAML was built with it: ~10x faster on large rule sets, with the
# same nodes and line marks.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """YAML as editors expect it: only true/false are booleans.

    YAML 1.1 also reads on/off/yes/no/y/n as booleans, which turns a field named ``on`` or a
    country code ``NO`` (Norway) into True/False. Here they stay text, as in YAML 1.2.
    """


# YAML 1.1 also reads 12:30 as the number 750 (base 60) and 0123 as 83 (octal): an opening
# time, a ZIP or phone code would be shown, or compared, as another number. They stay text,
# as in YAML 1.2; other numbers are read as before.
_RETYPED = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _RETYPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


Loader = _Loader  # (for checks that read a file's nodes as the rules are read)


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A date as YAML reads it, or, for one that does not exist (2026-13-01, 2026-02-30), its
    text: the rule's checks then name the file, line and field (PyYAML raises ValueError)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
# ``!!binary`` made bytes that read as text (rules61: ``text: !!binary aGVsbG8=`` said "hello",
# a ``why:`` quoted b'...'): not read, as any other tag is not
del _Loader.yaml_constructors["tag:yaml.org,2002:binary"]


def load_yaml(
    path: Path,
    display: str | None = None,
    pace: Callable[[], None] | None = None,
    limit: Limit = RULE_FILE,
) -> tuple[Any, dict[Loc, int]]:
    """The file's data and ``{location: line}`` (1-based), or a RuleError naming the line
    (``limit``: the bytes it may have, and what to do instead).

    A well-formed file is read in one pass over libyaml's events (``yamlfast``); anything
    unusual, an error included, is read again here, the precise way, to word the error.
    ``pace`` is called every few hundred YAML events (a background load rests there).
    """
    name = display or str(path)
    text = read_source(path, name, limit)
    check_text(text, name, pace, limit)  # size and control characters
    loader = _Loader(text)
    try:
        return fast_load(loader, pace)
    except Unusual:
        pass
    finally:
        loader.dispose()
    return _precise(text, name)


def _precise(text: str, name: str) -> tuple[Any, dict[Loc, int]]:
    loader = _Loader(text)
    try:
        check_source(text, name)  # size, control characters, anchors/aliases, nesting
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = f"not valid YAML: {exc.problem or exc.context}"
        hint = "check the indentation and quote text containing ':' or '#'"
        if sep := line_separator(text, mark.index if mark else len(text)):
            line, problem, hint = sep  # (first: every line after it is counted one off)
        elif "maximum nesting depth" in problem:  # (the parser's own bound, past 1,000: rules61)
            problem, hint = f"the file nests more than {MAX_DEPTH} levels deep", "flatten it"
        elif _tab_indented(text, line):
            problem, hint = f"line {line} is indented with a tab", "indent with spaces"
        elif wide := _full_width(text, line):
            line, problem, hint = wide
        elif odd := odd_space(text, line):
            line, problem, hint = odd
        elif curly := curly_quote(text, line):
            line, problem, hint = curly
        elif slip := _slip(text, exc):
            line, problem, hint = slip
        elif said := tag_or_document(str(exc.problem)):
            problem, hint = said
        elif "escape code" in problem:  # "\ud800" in double quotes (i18n67)
            hint = r"write the character itself; an escape names a whole one, up to \U0010FFFF"
        raise RuleError(name, line, "", problem, hint) from exc
    except yaml.YAMLError as exc:  # e.g. a character YAML refuses, with a position, not a mark
        where = getattr(exc, "position", None)
        line = line_at(text, where) if isinstance(where, int) else 1
        raise RuleError(name, line, "", f"not valid YAML: {exc}", "save it as plain text") from exc
    except RecursionError as exc:
        raise RuleError(name, 1, "", "the file nests too deep", "flatten the structure") from exc
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:  # a tag's
        # constructor (fuzz53; !!timestamp "" is an AttributeError: eye53)
        raise _unreadable(loader, node, name) from exc
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    _walk(node, (), lines, name)
    return data, lines


def _unreadable(loader: yaml.SafeLoader, top: yaml.Node, name: str) -> RuleError:
    """The first value YAML cannot make what its tag says (``!!int ""``, ``!!bool maybe``, an
    integer of thousands of digits), at its line: the constructors raise without a place."""
    todo: list[tuple[yaml.Node, Loc]] = [(top, ())]
    while todo:
        node, loc = todo.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except Exception:
                kind, line = node.tag.rsplit(":", 1)[-1], node.start_mark.line + 1
                if len(node.value) > 40 and kind == "int":  # (Python reads no integer of
                    # over 4,300 digits; i18n67: the field was not named, nor what to write)
                    said = f"a number of {len(node.value):,} characters is too long to read"
                    fix = "write a shorter number, or quote it if it is text"
                    return RuleError(name, line, format_loc(loc), said, fix)
                if len(node.value) > 40:
                    said = f"a value of {len(node.value):,} characters cannot be read as {kind}"
                    return RuleError(name, line, format_loc(loc), said, "quote it if it is text")
                said = f"{node.value!r} cannot be read as {kind}"
                fix = "write the value without a !! tag, in quotes if it is text"
                return RuleError(name, line, format_loc(loc), said, fix)
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                todo += [(value, (*loc, str(key.value))), (key, loc)]
        elif isinstance(node, yaml.SequenceNode):
            todo += [(item, (*loc, i)) for i, item in reversed(list(enumerate(node.value)))]
    return RuleError(name, 1, "", "a value cannot be read as its tag says", "remove !! tags")


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'')
_WIDE_COLON = re.compile(r"^[ \t\u3000]*(?:-[ \t\u3000]+)?([^\s:：\"'#]+)：")
_HALF_WIDTH = "retype it in half-width (hankaku) mode"


def _full_width(text: str, line: int) -> tuple[int, str, str] | None:
    """A full-width space (U+3000) or colon (U+FF1A) where YAML needs an ASCII one, on line
    ``line`` (1-based) or the one before it (YAML often notices on the next line): (the line,
    what is wrong, what would be right). An IME in full-width mode types them, and they look
    like the ASCII ones."""
    rows = text.splitlines()
    for at in (line, line - 1):
        if not 1 <= at <= len(rows):
            continue
        row = rows[at - 1]
        if "\u3000" in row[: len(row) - len(row.lstrip(" \t\u3000"))]:
            problem = f"line {at} is indented with a full-width space (U+3000)"
            return at, problem, f"indent with ASCII spaces: {_HALF_WIDTH}"
        if key := _WIDE_COLON.match(row):
            problem = f"line {at} has a full-width colon '：' after {key.group(1)!r}"
            return at, problem, f"write {key.group(1)}: with an ASCII colon: {_HALF_WIDTH}"
        if "\u3000" in _QUOTED.sub("", row.partition(" #")[0]) and _QUOTED.search(row):
            problem = f"line {at} has a full-width space (U+3000) outside the quotes"
            return at, problem, "delete it, or put it inside the quotes"
    return None


_GLUED = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):(?![\s/])(\S.*)$")  # priority:70
_SPACED = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*)[ \t]+([^\s:#][^:#]*)$")  # priority 70
_DASH = re.compile(r"^\s*-([A-Za-z_][\w-]*):")  # -id: kyoto-hero


def _slip(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str, str] | None:
    """The line an editor slipped on and the fix, for the common slips YAML notices lines later
    (line, what is wrong, what would be right): a quote that is never closed, ``key:value``
    without a space, ``key value`` without a colon, ``-key:`` without a space after the dash."""
    rows = text.splitlines()
    context = exc.context_mark.line + 1 if exc.context_mark else None
    problem = exc.problem_mark.line + 1 if exc.problem_mark else len(rows)
    if context and exc.context == "while scanning a quoted scalar":
        return (
            context,
            f"line {context} opens a quote that is never closed",
            f"close the quote that opens on line {context}",
        )
    if context and (exc.context or "").startswith("while scanning a simple key"):
        candidates = [context]
    else:  # only the lines YAML names: a valid line nearby (``- ref:partner``) is not to blame
        candidates = [problem, *([context] if context else [])]
        if (exc.problem or "").startswith("mapping values are not allowed"):  # a value ran on
            candidates.insert(1, _before(rows, problem))
    for at in candidates:
        row = rows[at - 1].partition(" #")[0] if 1 <= at <= len(rows) else ""
        if dash := _DASH.match(row):
            key = dash.group(1)
            return at, f"line {at} has no space after the '-' before {key!r}", f"write - {key}:"
        if glued := _GLUED.match(row):
            key, value = glued.groups()
            return (
                at,
                f"line {at} has no space after the ':' of {key!r}",
                f"write {key}: {value}",
            )
        if (spaced := _SPACED.match(row)) and at == context:
            key, value = spaced.groups()
            return at, f"line {at} has no ':' after {key!r}", f"write {key}: {value.strip()}"
    for at in range(min(problem, len(rows)), max(context or 1, 1) - 1, -1):  # a quote run on
        if _opens_quote(rows[at - 1]):
            return (
                at,
                f"line {at} opens a quote that is not closed on it",
                f"close the quote that opens on line {at}",
            )
    return None


def _before(rows: list[str], line: int) -> int:
    """The last line before ``line`` (1-based) with something on it other than a comment."""
    at = line - 1
    while at > 1 and not rows[at - 1].partition("#")[0].strip():
        at -= 1
    return at


def _opens_quote(row: str) -> bool:
    """Whether ``row`` starts a quoted value (after ``key:`` or ``-``) that it does not close."""
    value = re.sub(r"^\s*(?:-\s+)?(?:[^\s\"'#][^:#]*:\s+)?", "", row, count=1)
    if not value or value[0] not in "\"'":
        return False
    return not _QUOTED.match(value)


def _tab_indented(text: str, line: int) -> bool:
    """Whether line ``line`` (1-based) of ``text`` has a tab in its indentation."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return False
    row = lines[line - 1]
    return "\t" in row[: len(row) - len(row.lstrip(" \t"))]


_UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")  # its byte order marks (editor51)


def read_source(path: Path, name: str, limit: Limit = RULE_FILE) -> str:
    """The file's text, or a RuleError: not a file, too big, unreadable, not UTF-8."""
    try:
        if not path.is_file():
            raise RuleError(name, 1, "", "this is not a file", "rule files are .yaml files")
        if path.stat().st_size > limit[0]:
            raise RuleError(name, 1, "", f"the file is over {limit[0]} bytes", limit[1])
        raw = path.read_bytes()
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:2]:  # a NUL in 2 bytes
            wide = "UTF-32" if raw[:4] in _UTF32 or raw[:4].count(0) == 3 else "UTF-16"
            raise RuleError(name, 1, "", f"the file is {wide} text, not UTF-8", "save it as UTF-8")
        return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text
    except UnicodeDecodeError as exc:  # Windows-1252 (Notepad's "ANSI"), Latin-1, Shift_JIS...
        line = exc.object[: exc.start].count(b"\n") + 1  # the first bad byte's
        raise RuleError(name, line, "", "the file is not UTF-8 text", "save it as UTF-8") from exc
    except OSError as exc:
        problem = f"the file cannot be read ({exc.strerror or type(exc).__name__})"
        raise RuleError(name, 1, "", problem, "check that it exists and may be read") from exc


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], name: str) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != _STR and "with" not in loc[:-1]:  # (a snippet's own data may
                raise _not_a_name(key_node, loc, name)  # be keyed by years: review68)
            if key in seen:
                raise RuleError(
                    name,
                    key_node.start_mark.line + 1,
                    format_loc((*loc, key)),
                    f"the field {key!r} appears twice",
                    "keep one of them",
                )
            seen.add(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines, name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines, name)


_STR = "tag:yaml.org,2002:str"
_READ_AS = {"null": "nothing (null)", "bool": "true or false", "int": "a number"}
_READ_AS |= {"float": "a number", "timestamp": "a date"}


def _not_a_name(key: yaml.Node, loc: Loc, name: str) -> RuleError:
    """A key YAML reads as no text (``~:``, ``1:``, ``2026-12-01:``), said at its own line
    (i18n67: ``~:`` was "rules[0].None: this is empty", at the rule's first line)."""
    line, raw = key.start_mark.line + 1, str(key.value)
    if not raw:
        return RuleError(
            name, line, format_loc(loc), "a key has no name", "write it before the ':'"
        )
    read = _READ_AS.get(key.tag.rsplit(":", 1)[-1], "something other than text")
    said = f"the key {raw[:40]!r} is read as {read}, not as a name"
    return RuleError(name, line, format_loc(loc), said, f"quote it if it is text: '{raw[:40]}':")


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of ``loc`` or of its nearest located parent."""
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return 1


def format_loc(loc: Loc) -> str:
    """``('rules', 0, 'when', 'stage')`` → ``rules[0].when.stage``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def display_path(path: Path, base: Path | None) -> str:
    """``path`` as editors know it: relative to ``base`` (the project) when it is inside it."""
    if base is None:
        return str(path)
    try:
        try:
            resolved = path.resolve()
        except (RuntimeError, OSError):  # a link to itself (loop.yaml -> loop.yaml): its folder
            resolved = path.parent.resolve() / path.name
        return str(resolved.relative_to(base.resolve()))
    except (ValueError, RuntimeError, OSError):  # not inside the project: as given
        return str(path)
