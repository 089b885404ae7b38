"""A space YAML does not read as one, where an editor typed or pasted it (a no-break space a
word processor or a web page put there, Option-Space on a Mac, a thin space): named at its own
line, which YAML often notices only on the next (rules/yamlsource.py's error words)."""

from __future__ import annotations

import re
import unicodedata

import yaml


def odd_space(text: str, line: int) -> tuple[int, str, str] | None:
    """A space YAML does not read as one (a no-break space a word processor or a web page put
    there, a thin space ...) in the indentation of line ``line`` or the one before it, or
    after a key's colon (i18n67: Option-Space on a Mac, reported a line late)."""
    rows = text.splitlines()
    for at in (line, line - 1):
        if 1 <= at <= len(rows):
            row = rows[at - 1]
            lead = row[: len(row) - len(row.lstrip())]
            if odd := [c for c in lead if c not in " \t"]:
                named = f"U+{ord(odd[0]):04X} {unicodedata.name(odd[0], 'a space')}"
                return at, f"line {at} is indented with a {named}", "indent with plain spaces"
            if (after := _ODD_AFTER_COLON.match(row)) and _fixes(rows, at, after.end(2), line):
                c = after.group(2)
                named = f"U+{ord(c):04X} {unicodedata.name(c, 'a space')}"
                said = f"line {at} has a {named} after {after.group(1)!r}:"
                return at, said, "write a plain space after the colon"
    return None


def _fixes(rows: list[str], at: int, end: int, line: int) -> bool:
    """Whether a plain space for the character before ``end`` of line ``at`` mends the error
    YAML found at ``line``: none left, or one further on (last67: such a space inside a ``|``
    block's text is no key's, and took the blame for an error on the next line)."""
    row = rows[at - 1]
    mended = "\n".join([*rows[: at - 1], row[: end - 1] + " " + row[end:], *rows[at:]])
    try:
        yaml.compose(mended, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line + 1 > line
    except yaml.YAMLError:
        return False
    return True


_ODD_AFTER_COLON = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):([^\S \t\r\n])")
