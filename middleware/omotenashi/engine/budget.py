"""How much one render of a snippet may do (``engine/sandbox.py`` enforces it): a bounded number
of loop rounds, calls and includes, and a bounded amount of text, whatever the snippet says.

Jinja's sandbox stops a single ``range()`` above 100,000 items, but not two nested loops, nor
``text * 10000000``: a snippet could hold a request, a check or a reload for minutes and take
gigabytes. Here every render gets a :class:`Budget`; what would pass it raises
:class:`~omotenashi.errors.SnippetLimitError` *before* the work is done (an estimate, for the
operations that make big text from a small count or width), and the slot keeps its default.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from omotenashi.errors import SnippetLimitError
from omotenashi.rules.yamlguard import MAX_FILE_BYTES

MAX_STEPS = 10_000  # loop rounds, calls (macros, methods, functions) and includes, per render
MAX_TEXT = MAX_FILE_BYTES  # characters of one value a snippet builds, and of its output
MAX_HANDLED = 4 * MAX_TEXT  # characters built, passed to filters and shown, per render
# of wall clock a render at request time may take: a guard behind the budget, for work the
# budget does not weigh (it weighs what comparisons, methods and slices read: editor51)
RENDER_SECONDS = 0.25

STEPS_PROBLEM = f"loops more than {MAX_STEPS} times in one render (loop rounds, calls and includes)"
STEPS_HINT = (
    "loop over fewer items (a slot shows a handful: {% for x in items[:20] %}), "
    "and never a loop inside a loop over long lists"
)
TEXT_PROBLEM = f"makes text longer than {MAX_TEXT} characters"
HANDLED_PROBLEM = f"handles more than {MAX_HANDLED} characters of text in one render"
TEXT_HINT = (
    "a snippet shows a short fragment: repeat, pad, indent or join less "
    "(no 'text * 1000000', no widths or counts in the thousands)"
)


class Budget:
    """What one render has used so far. ``deadline``: a wall clock (``time.monotonic``) the
    render must end by (``sample``: a check's or load's render with sample values)."""

    __slots__ = ("deadline", "handled", "sample", "steps", "_weights")

    def __init__(self, deadline: float | None = None, *, sample: bool = False) -> None:
        self.steps = 0
        self.handled = 0
        self.deadline = deadline
        self.sample = sample
        # by id: the value (kept, so its id cannot be reused in this render) and its weight
        self._weights: dict[int, tuple[object, int]] = {}

    def step(self, text: int = 0) -> None:
        """One loop round, call or include (``text``: the literal text a loop round writes)."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SnippetLimitError(STEPS_PROBLEM, STEPS_HINT)
        if text:
            self.charge(text)
        if self.deadline is not None and time.monotonic() > self.deadline:
            said = "with sample values" if self.sample else f"(over {RENDER_SECONDS:g}s)"
            raise SnippetLimitError(
                f"takes too long to render {said}", "loop less and build less text"
            )

    def charge(self, size: int) -> None:
        self.handled += size
        if self.handled > MAX_HANDLED:
            raise SnippetLimitError(HANDLED_PROBLEM, TEXT_HINT)

    def need(self, size: int) -> None:
        """Before an operation that would make ``size`` characters (or items)."""
        if size > MAX_TEXT:
            raise SnippetLimitError(TEXT_PROBLEM, TEXT_HINT)
        if self.handled + size > MAX_HANDLED:
            raise SnippetLimitError(HANDLED_PROBLEM, TEXT_HINT)

    def inputs(self, values: Iterable[Any]) -> None:
        """Values handed to a filter, call or operator, or printed: none may stand for more than
        MAX_TEXT characters (a list repeated inside a list prints as a huge text)."""
        for value in values:
            if isinstance(value, _TEXT):
                self.charge(len(value))
            elif isinstance(value, _CONTAINERS):
                if self.weigh(value) > MAX_TEXT:
                    raise SnippetLimitError(TEXT_PROBLEM, TEXT_HINT)
                self.charge(len(value))

    def made(self, value: Any) -> Any:
        """``value``, after checking a new value is not too big."""
        if isinstance(value, _TEXT):
            if len(value) > MAX_TEXT:
                raise SnippetLimitError(TEXT_PROBLEM, TEXT_HINT)
            self.charge(len(value))
        elif isinstance(value, _CONTAINERS) and not isinstance(value, range):
            if self.weigh(value) > MAX_TEXT:
                raise SnippetLimitError(TEXT_PROBLEM, TEXT_HINT)
            self.charge(len(value))
        elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise SnippetLimitError(TEXT_PROBLEM, TEXT_HINT)
        return value

    def weigh(self, value: Any) -> int:
        """About how many characters ``value`` prints as: each distinct list or dict is weighed
        once per render (so a list repeated inside a list costs a look, not a walk)."""
        if isinstance(value, _TEXT):
            return len(value)
        if isinstance(value, bool) or not isinstance(value, (int, *_CONTAINERS)):
            return 1
        if isinstance(value, int):
            return value.bit_length() // 3 + 1
        if isinstance(value, range):
            return len(value)
        known = self._weights.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        self._weights[id(value)] = (value, 0)  # a value inside itself adds nothing more
        total = len(value)
        parts: Iterable[Any] = _flat(value.items()) if isinstance(value, Mapping) else value
        for part in parts:
            total += self.weigh(part)
            if total > MAX_TEXT:
                break
        self._weights[id(value)] = (value, total)
        return total


MAX_INT_BITS = 3 * MAX_TEXT  # about a million digits: far past any count or price
_CONTAINERS = (list, tuple, dict, set, frozenset, range)
_TEXT = (str, bytes, bytearray)  # (a snippet cannot make bytes: weighed as text all the same)
_CURRENT: ContextVar[Budget | None] = ContextVar("omotenashi_snippet_budget", default=None)
DEADLINE: ContextVar[float | None] = ContextVar("omotenashi_snippet_deadline", default=None)


def _flat(pairs: Iterable[tuple[Any, Any]]) -> Iterator[Any]:
    for key, value in pairs:
        yield key
        yield value


def current() -> Budget:
    """The budget of the render under way (a fresh one outside :meth:`Budget` renders: a
    template rendered some other way is still bounded per operation)."""
    return _CURRENT.get() or Budget()


def counted(iterable: Iterable[Any], text: int) -> Iterator[Any]:
    """``iterable``, one step of the render's budget per item (``text``: characters of literal
    text the loop body writes each round)."""
    budget = current()
    for item in iterable:
        budget.step(text)
        yield item


# printf-style: %(name)-08.3f, %*d, %.*s
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_NUMBER = re.compile(r"\d+")


def percent_estimate(fmt: str, args: Any) -> int:
    """About how long ``fmt % args`` is: its widths and precisions count in full."""
    total = len(fmt)
    star = False
    for width, precision in _PERCENT.findall(fmt):
        for part in (width, precision):
            if part == "*":
                star = True
            elif part:
                total += int(part)
    if star:
        values = args if isinstance(args, tuple) else (args,)
        total += sum(abs(v) for v in values if isinstance(v, int))
    return total


def spec_estimate(fmt: str, args: Iterable[Any]) -> int:
    """About how long ``fmt.format(*args)`` is: every number in a ``{...}`` counts as a width,
    and with a nested ``{}`` in a spec, every whole-number argument too."""
    total = len(fmt)
    nested = False
    for field in re.findall(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", fmt):
        total += sum(int(n) for n in _NUMBER.findall(field.partition(":")[2]))
        nested = nested or "{" in field[1:]
    if nested:
        total += sum(abs(v) for v in args if isinstance(v, int) and not isinstance(v, bool))
    return total


def binop_estimate(budget: Budget, operator: str, left: Any, right: Any) -> int:
    """About how many characters (digits, items) ``left operator right`` makes, before it is
    computed: 0 when it cannot make more than its operands."""
    if operator == "*":
        if isinstance(left, int) and not isinstance(right, (int, float)):
            left, right = right, left
        if isinstance(right, int) and not isinstance(right, bool):
            if isinstance(left, (*_TEXT, list, tuple)):
                return budget.weigh(left) * max(right, 0)
            if isinstance(left, int):
                return (left.bit_length() + right.bit_length()) // 3
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            return max(left.bit_length() - 1, 0) * right // 3
    elif operator == "%" and isinstance(left, str):
        return percent_estimate(left, right)
    return 0
