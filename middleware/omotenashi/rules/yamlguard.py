"""What an editor's YAML file may not do, checked before it is read: be huge, nest without end,
hide control characters, or use anchors and aliases (a 469-byte file of nested aliases expands
to billions of values: the "billion laughs").

Every refusal is a :class:`~omotenashi.errors.RuleError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from omotenashi.errors import RuleError

MAX_FILE_BYTES = 512 * 1024
Limit = tuple[int, str]  # the bytes a file may have, and what to do with a bigger one
RULE_FILE: Limit = (MAX_FILE_BYTES, "split it into several files")
# (i18n67: a list was told to split "into several files": one list is one file)
LIST_FILE: Limit = (MAX_FILE_BYTES, "keep the list shorter: one list is one file")
JOURNEY_FILE: Limit = (MAX_FILE_BYTES, "keep it shorter: a site has one journey file")
MAX_DEPTH = 40
# C0 controls but tab, newline and carriage return; DEL; C1 controls; non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_CHUNK = 32 * 1024
# A line that starts with at least half MAX_DEPTH spaces, dashes or question marks: block
# style nests no deeper without one (each level indents, or adds "- " or "? ", at least once);
# half, and half the brackets, so that block and flow style mixed cannot pass it (review64)
_INDENTED = re.compile(rf"^[ \-?]{{{MAX_DEPTH // 2}}}", re.MULTILINE)
_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def check_source(text: str, name: str) -> None:
    """RuleError unless ``text`` is small, plain text with no anchors, aliases or deep nesting."""
    check_text(text, name)
    if (
        "&" not in text
        and "*" not in text
        and text.count("[") + text.count("{") < MAX_DEPTH // 2
        and _INDENTED.search(text) is None  # (block style nests by indents and dashes: dos64)
    ):
        return  # no anchor, no alias, and too few brackets or indents to nest past the bound
    check_structure(text, name)


def check_text(
    text: str, name: str, pace: Callable[[], None] | None = None, limit: Limit = RULE_FILE
) -> None:
    """RuleError unless ``text`` is small (``limit``) and has no control characters. ``pace``
    is called between two steps (a background load rests there)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit[0]:
        raise RuleError(
            name, 1, "", f"the file is {size} bytes, over the {limit[0]} it may have", limit[1]
        )
    bad = None
    for start in range(0, len(text), _CHUNK):  # short steps: other threads run in between
        bad = _CONTROL.search(text, start, start + _CHUNK)
        if bad is not None:
            break
        if pace is not None:
            pace()
    if bad is not None:
        raise RuleError(
            name,
            line_at(text, bad.start()),
            "",
            f"the file contains the control character {bad.group()!r}",
            "delete it (most editors do not show it); save the file as plain UTF-8 text",
        )


def check_structure(text: str, name: str) -> None:
    """RuleError if the YAML in ``text`` has an anchor, an alias or nests past MAX_DEPTH."""
    depth = 0
    for event in yaml.parse(text, Loader=_Parser):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise RuleError(
                name,
                line,
                "",
                f"YAML aliases (*{event.anchor}) are not allowed in rule files",
                "write the value out where it is needed",
            )
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise RuleError(
                name,
                line,
                "",
                f"YAML anchors (&{anchor}) are not allowed in rule files",
                "remove the anchor and write values out where they are needed",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise RuleError(
                    name,
                    line,
                    "",
                    f"the file nests more than {MAX_DEPTH} levels deep",
                    "flatten the structure",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
