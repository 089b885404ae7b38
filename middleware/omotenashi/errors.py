"""One exception tree: everything Omotenashi raises derives from :class:`OmotenashiError`."""

from __future__ import annotations

import re
import reprlib
import unicodedata


class OmotenashiError(Exception):
    """Base class of every error Omotenashi raises."""


QUOTED = 80  # characters of a value from a request that an error's text quotes, at most


def quoted(value: object) -> str:
    """``repr(value)``, cut to :data:`QUOTED` characters: an error raised over a visitor's input
    (a beacon's data, an attribute) says what it was about, never the whole of it (the text
    goes to the app's logs and error tracker, and back to the sender)."""
    try:
        text = repr(value)
    except RecursionError:  # nested past Python's limit (api55): a shape, shallowly
        text = reprlib.repr(value)
    return text if len(text) <= QUOTED else f"{text[: QUOTED - 1]}…"


class ConfigError(OmotenashiError, ValueError):
    """The settings cannot work (a missing key, a bad value)."""

    def __init__(self, setting: str, value: object, problem: str) -> None:
        self.setting = setting
        self.value = value
        self.problem = problem
        super().__init__(f"{setting}: {problem} (got {value!r})")


def shown_path(file: str) -> str:
    """A file's name as a log or ``check`` line says it: a control character (a newline that
    would start a line of its own), a bidi control (that would turn the rest of the line around
    in a terminal) and an unseen character escaped, ``\\n``, ``\\u202e`` (i18n67); a space
    of any script (an ideographic space in a Japanese name: last67) shown as it is."""
    if file.isascii() and file.isprintable():
        return file
    return "".join(
        c
        if (c.isprintable() or unicodedata.category(c) == "Zs") and not _BIDI.match(c)
        else c.encode("unicode_escape").decode("ascii")
        for c in file
    )


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` with what would break or turn a ``check`` line escaped (a control character, a
    line or paragraph separator, a bidi control): a file's name quoted inside a message (the
    rule id "already used in", "move it to") forged lines of its own (last67)."""
    return _BREAKING.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class RuleError(OmotenashiError):
    """One problem in one editor file, located to its line and field.

    ``str(error)`` reads ``file:line: field: what is wrong (what would be right)``.
    """

    def __init__(self, file: str, line: int, field: str, problem: str, hint: str = "") -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        file = shown_path(self.file)
        field = shown_path(self.field)  # (a key with a bidi control in it too: i18n67)
        where = f"{file}:{self.line}: {field}" if field else f"{file}:{self.line}"
        text = f"{where}: {one_line(self.problem)}"
        return f"{text} ({one_line(self.hint)})" if self.hint else text


class RuleSetError(OmotenashiError):
    """A set of rule files was refused; ``errors`` lists every problem found; ``app``: one of
    them came from the app's catalogue callable (it may mend without a file changing)."""

    def __init__(self, errors: list[RuleError], *, app: bool = False) -> None:
        self.errors = errors
        self.app = app
        super().__init__("\n".join(str(e) for e in errors))


class SnippetError(OmotenashiError):
    """A snippet failed to load or render; the slot keeps its default content."""

    def __init__(self, snippet: str, reason: str) -> None:
        self.snippet = snippet
        self.reason = reason
        said = "the rule's text" if snippet == "text" else f"snippet {snippet!r}"  # (its copy)
        super().__init__(f"{said}: {reason}")


class SnippetFileError(SnippetError):
    """A snippet file that cannot be read as a snippet (not UTF-8, too big): named with the
    line to look at, like a rule file with the same problem."""

    def __init__(self, snippet: str, reason: str, hint: str, line: int = 1) -> None:
        self.hint = hint
        self.line = line
        super().__init__(snippet, reason)


class SnippetLimitError(OmotenashiError):
    """A render of a snippet went past its budget (``engine/budget.py``): too many loop rounds,
    or too much text. ``str(error)`` is the problem; ``hint`` what would be right."""

    def __init__(self, problem: str, hint: str) -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(problem)


class StoreError(OmotenashiError):
    """Redis did not answer in time or answered with an error."""


class WriteQueueFull(StoreError):
    """A page view or events not written: the write queue already holds its limit (Redis was
    asked nothing; counted as ``record_dropped`` alone, not as a failed write)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"{limit!r} page views and events already wait to be written")


class ProfileNotReady(OmotenashiError):
    """The app read ``visitor.profile`` on the event loop before the profile had arrived."""

    def __init__(self, visitor_id: str) -> None:
        self.visitor_id = visitor_id  # (not in the text: the id is in the visitor's cookie)
        super().__init__(
            "the visitor's profile is still being read: `await visitor.loaded()` first in "
            "async code"
        )


class CommandError(OmotenashiError):
    """A command-line input that cannot work (a missing folder, value or extra): the
    ``omotenashi`` command prints the message as one line and exits 2."""


class EmbeddedServerError(OmotenashiError):
    """The private Redis-compatible server could not be found or started."""


class PayloadError(OmotenashiError):
    """A cookie or beacon payload from a visitor is unusable; answered 4xx or ignored."""

    def __init__(self, reason: str, value: object = None) -> None:
        self.reason = reason
        self.value = value
        super().__init__(reason if value is None else f"{reason}: {quoted(value)}")


class SelectorError(OmotenashiError):
    """A CSS selector that Omotenashi cannot match byte-exactly (unsupported or malformed)."""

    def __init__(self, selector: str, reason: str) -> None:
        self.selector = selector
        self.reason = reason
        super().__init__(f"selector {selector!r}: {reason}")


class PageRefused(OmotenashiError, ValueError):
    """A page that cannot be personalised for a reason of its own, not a bug of ours (bytes that
    are not in its charset, a charset label browsers reject, a gzip body too large or broken):
    the adapter sends it as the app made it and warns once per reason."""

    def __init__(self, reason: str, value: object = None) -> None:
        self.reason = reason
        self.value = value
        super().__init__(reason if value is None else f"{reason}: {quoted(value)}")
