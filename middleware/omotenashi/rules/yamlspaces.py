"""What an editor typed or pasted that YAML does not read as they meant, named at its own line,
which YAML often notices only on the next (rules/yamlsource.py's error words): a space that is
not one (a no-break space from a word processor or a web page, Option-Space on a Mac, a thin
space), a word processor's curly quotes, a tag, a second document."""

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
                said = f"line {at} has a {named} after {after.group(1).strip(QUOTES)!r}:"
                return at, said, "write a plain space after the colon"
    return None


def _fixes(rows: list[str], at: int, end: int, line: int) -> bool:
    """Whether a plain space for the character before ``end`` of line ``at`` mends the error
    YAML found at ``line``: none left, or one further on (last67: such a space inside a ``|``
    block's text is no key's, and took the blame for an error on the next line)."""
    row = rows[at - 1]
    return _mends(rows, at, row[: end - 1] + " " + row[end:], line)


_ODD_AFTER_COLON = re.compile(
    r"""^\s*(?:-\s+)?("[^"]*"|'[^']*'|[A-Za-z_][\w-]*):([^\S \t\r\n])"""  # (a quoted key: last67)
)


QUOTES = "\"'"
_CLOSERS = {
    "\u201c": "\u201d\u201c",
    "\u2018": "\u2019\u2018",
    "\u201e": "\u201c\u201d",
    "\u00ab": "\u00bb",
}
_CURLY_VALUE = re.compile(
    r"^(\s*(?:-\s+)?(?:([A-Za-z_][\w-]*):[ \t]+)?)([\u201c\u2018\u201e\u00ab])"
)


def curly_quote(text: str, line: int) -> tuple[int, str, str] | None:
    """A value opened with a typographic quote (a word processor's \u201c, \u2018, \u201e or \u00ab)
    on line ``line`` or the one before it, where straight quotes mend the error YAML found
    there (i18n67: \u201cHello: world\u201d was "mapping values are not allowed", the quotes
    being text to YAML)."""
    rows = text.splitlines()
    for at in (line, line - 1):
        if not 1 <= at <= len(rows) or not (curly := _CURLY_VALUE.match(rows[at - 1])):
            continue
        row, lead, opener = rows[at - 1], curly.group(1), curly.group(3)
        end = max(row.rfind(c) for c in _CLOSERS[opener])
        if end <= curly.end(3) - 1:
            continue
        # in single quotes, which YAML reads as written (no \ escapes), a ' written twice
        quoted = "'" + row[curly.end(3) : end].replace("'", "''") + "'"
        if not _mends(rows, at, f"{lead}{quoted}{row[end + 1 :]}", line):
            continue
        said = f"line {at} opens a value with {opener!r}, a typographic quote YAML reads as text"
        shown = quoted if len(quoted) <= 60 else f"{quoted[:40]}…'"  # (a long line: its start)
        where = f"{curly.group(2)}: " if curly.group(2) else "- " * lead.lstrip().startswith("-")
        return at, said, f"write straight quotes: {where}{shown}"
    return None


def _mends(rows: list[str], at: int, row: str, line: int) -> bool:
    """Whether line ``at`` written as ``row`` mends the error YAML found at ``line``: none
    left, or one further on."""
    mended = "\n".join([*rows[: at - 1], row, *rows[at:]])
    try:
        yaml.compose(mended, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and mark.line + 1 > line
    except yaml.YAMLError:
        return False
    return True


_TAG = re.compile(
    r"""could not determine a constructor for the tag ['"](tag:yaml\.org,2002:)?(.*)['"]$"""
)


def tag_or_document(problem: str) -> tuple[str, str] | None:
    """What a YAML tag (``!mytag``, ``!!python/object``) or a second document (``---``) is
    said as, with its own fix (editor51: both got "check the indentation")."""
    if m := _TAG.match(problem):
        tag = ("!!" if m.group(1) else "") + m.group(2)  # (as YAML names it: !<...>, !e!x)
        return (
            f"not valid YAML here: the tag {tag!r} (a '!' before a value) is not read",
            "remove it, or quote the whole value if the '!' is text: text: \"!Sale now\"",
        )
    if problem.startswith("but found another document"):
        return (
            "not valid YAML here: a second document ('---') in one file: the file is refused whole",
            "remove the '---' line, or move what follows it into a file of its own",
        )
    return None


_SEPARATOR = re.compile("[\u2028\u2029]")


def line_separator(text: str, index: int) -> tuple[int, str, str] | None:
    """A line or paragraph separator before ``index`` (where YAML found an error), which YAML
    reads as a line break where editors show none: a comment ended there and what followed
    was read as YAML (i18n67), every line after counted one off. Inside quotes it is kept as
    it is, and a file that reads well (a JSON catalogue's title with one) is not refused."""
    found = _SEPARATOR.search(text, 0, index + 1)
    if found is None:
        return None
    line, char = text.count("\n", 0, found.start()) + 1, found.group()
    said = f"line {line} has a U+{ord(char):04X} {unicodedata.name(char)}"
    fix = "delete it (most editors do not show it); in quotes, write it as \\u" + f"{ord(char):04x}"
    return line, f"{said}, which YAML reads as a line break", fix
