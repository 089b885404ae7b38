"""The sandbox snippets and copy render in: Jinja2's immutable sandbox, with a budget per render
(``budget.py``) that no loop, call, include, operator or filter can go past.

Hooks, all Jinja's own: loops are counted by wrapping what every ``{% for %}`` iterates over
(the compiler's tree is rewritten before code is made: :class:`_Counting`); calls and includes
through the sandbox's ``call`` and ``get_template``; ``*``, ``**``, ``%`` and ``+`` through
``intercepted_binops``; ``~`` by a rewrite to a checked join; every filter through a wrapper that
estimates first (``center(100000000)`` is refused before it is made) and checks after; every
printed value through ``finalize``. What work reads is weighed too (editor51: ``'x' in s``,
``s == t``, ``s.find(x)`` and ``s[::-1]`` in a loop over a long ``s`` held a request 12 s):
the operands of comparisons and what a slice copies from (a rewrite), the values of tests,
each a step (:func:`_tested`), the text or list a method is called on (``call``), and each
filter call is a step; and no render at request time outlasts
:data:`~omotenashi.engine.budget.RENDER_SECONDS`. The wrappers take the context, which also
keeps Jinja from running filters on constants while it compiles (``{{ 'x'|center(10**9) }}``)
outside any budget.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, NoReturn, cast

from jinja2 import Template, TemplateNotFound, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.loaders import split_template_path
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg, generate_lorem_ipsum

from omotenashi.engine.budget import (
    _CURRENT,
    DEADLINE,
    MAX_TEXT,
    RENDER_SECONDS,
    TEXT_HINT,
    TEXT_PROBLEM,
    Budget,
    binop_estimate,
    counted,
    current,
    percent_estimate,
    spec_estimate,
)
from omotenashi.engine.printing import AS_TEXT, as_text, formatted, printed
from omotenashi.errors import SnippetLimitError

LOOP = "omotenashi_loop"  # the filters the rewrite inserts (a snippet may name them: harmless)
JOIN = "omotenashi_join"
READ = "omotenashi_read"
SAMPLE_SECONDS = 5.0  # a sample render at check or load time: a guard behind the budget


@contextmanager
def sample_render(seconds: float = SAMPLE_SECONDS) -> Iterator[None]:
    """Renders inside this block (a check's or load's sample values) must end within
    ``seconds`` of wall clock (a request's: within RENDER_SECONDS)."""
    token = DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        DEADLINE.reset(token)


class BudgetTemplate(Template):
    """A template whose every :meth:`render` has a budget of its own."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        sample = DEADLINE.get()
        until = sample if sample is not None else time.monotonic() + RENDER_SECONDS
        token = _CURRENT.set(Budget(until, sample=sample is not None))
        try:
            ctx = self.new_context(dict(*args, **kwargs))
            try:
                parts, size = [], 0
                for part in self.root_render_func(ctx):
                    size += len(part)
                    if size > MAX_TEXT:
                        raise SnippetLimitError(TEXT_PROBLEM, TEXT_HINT)
                    parts.append(part)
                return self.environment.concat(parts)
            except Exception:
                self.environment.handle_exception()
        finally:
            _CURRENT.reset(token)


class _Counting(CodeGenerator):
    """Rewrites a template's tree before making its code: every loop counted, every ``~``
    joined by :func:`_join`, what every comparison and slice reads weighed (:func:`_read`)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            text = sum(len(d.data) for d in loop.find_all(nodes.TemplateData))
            loop.iter = _filter(cast(nodes.Expr, loop.iter), LOOP, nodes.Const(text))
            if loop.recursive:  # loop(children): the next level, counted too
                for call in loop.find_all(nodes.Call):
                    named = call.node
                    if isinstance(named, nodes.Name) and named.name == "loop" and call.args:
                        call.args[0] = _filter(call.args[0], LOOP, nodes.Const(text))
        for concat in list(node.find_all(nodes.Concat)):
            joined = nodes.List(concat.nodes, lineno=concat.lineno)
            concat.nodes = [_filter(joined, JOIN)]  # a one-part concat of the checked join
        for compare in list(node.find_all(nodes.Compare)):  # (a constant: bounded by the file)
            if not isinstance(compare.expr, nodes.Const):
                compare.expr = _filter(compare.expr, READ)
            for operand in compare.ops:
                if not isinstance(operand.expr, nodes.Const):
                    operand.expr = _filter(operand.expr, READ)
        for item in list(node.find_all(nodes.Getitem)):  # a slice: Jinja's code slices
            if isinstance(item.arg, nodes.Slice):  # in Python, not through getitem
                item.node = _filter(item.node, READ)
        super().visit_Template(node, frame)


def _filter(node: nodes.Expr, name: str, *args: nodes.Expr) -> nodes.Filter:
    return nodes.Filter(node, name, list(args), [], None, None, lineno=node.lineno)


@pass_context
def _loop(context: Context, iterable: Any, text: int) -> Iterator[Any]:
    return counted(iterable, text)


@pass_context
def _read(context: Context, value: Any) -> Any:
    """``value``, weighed as an input: what a comparison or a slice reads."""
    current().inputs((value,))
    return value


@pass_context
def _join(context: Context, parts: list[Any]) -> str:
    budget = current()
    printed(parts)  # (``"" ~ visitor``: its whole mapping, as finalize refuses it)
    budget.inputs(parts)
    joined = markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)
    return budget.made(joined)  # type: ignore[no-any-return]


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """Every printed value: text or a number, or nothing (an undefined one); anything else
    would print as Python's own text (``<built-in method title of str object at 0x…>`` for
    ``{{ item.title }}`` on an id, ``None``, a list's or a mapping's brackets, the visitor's
    whole mapping), which no visitor should read: refused, so the slot keeps its default, and
    ``omotenashi check`` says so with its sample visitor."""
    printed((value,))
    current().inputs((value,))
    return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else value if isinstance(value, int) else 0


def _replaced(text: str, old: str, new: str) -> int:
    """How long ``text.replace(old, new)`` would be."""
    times = text.count(old) if old else len(text) + 1
    return len(text) + times * max(len(new) - len(old), 0)


def _joined(budget: Budget, items: list[Any] | tuple[Any, ...], glue: int) -> int:
    """About how long ``items`` joined with ``glue`` characters between them would be."""
    return sum(budget.weigh(i) for i in items) + len(items) * glue


def filter_estimate(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """About how much a filter that makes much from a count or width makes, before it runs."""
    budget = current()
    value, rest = (args[0], args[1:]) if args else (None, ())

    def arg(i: int, key: str, default: Any) -> Any:
        return rest[i] if len(rest) > i else kwargs.get(key, default)

    text = str(value) if isinstance(value, str) else ""
    if name == "center":
        return _size(arg(0, "width", 80)) + len(text)
    if name == "indent":
        return len(text) + (text.count("\n") + 1) * _size(arg(0, "width", 4))
    if name == "wordwrap":
        wrap = arg(2, "wrapstring", None)
        per = max(_size(arg(0, "width", 79)), 1)
        return len(text) + (len(text) // per + 1) * (len(wrap) if isinstance(wrap, str) else 1)
    if name in ("batch", "slice") and arg(1, "fill_with", None) is not None:
        return _size(arg(0, "linecount" if name == "batch" else "slices", 0))
    if name == "slice":
        return _size(arg(0, "slices", 0))
    if name == "replace":
        old, new = arg(0, "old", ""), arg(1, "new", "")
        if isinstance(old, str) and isinstance(new, str):
            return _replaced(text, old, new)
    if name == "join" and isinstance(value, (list, tuple)):
        return _joined(budget, value, _size(str(arg(0, "d", ""))))
    if name == "format":
        return spec_estimate(text, rest) + percent_estimate(text, rest)
    if name == "tojson":
        indent = arg(0, "indent", None)
        return budget.weigh(value) * (2 + (_size(indent) if indent is not None else 0))
    if name == "sum" and not isinstance(arg(1, "start", 0), (int, float)):
        return budget.weigh(value) * (len(value) if isinstance(value, (list, tuple)) else 1)
    return 0


def _guarded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (a filter) checked before and after, each call a step of the budget (``map``
    calls one per item, outside any loop: eye51b); it takes the context, so Jinja never runs it
    while compiling."""
    passes = _PassArg.from_obj(func)

    @pass_context
    @functools.wraps(func)
    def guarded(context: Context, *args: Any, **kwargs: Any) -> Any:
        budget = current()
        budget.step()
        if name == "join" and args and not isinstance(args[0], (str, list, tuple, dict)):
            args = (list(args[0]), *args[1:])  # a generator: its items, to weigh first
        if name in AS_TEXT and args:
            as_text(name, args, kwargs)
        budget.inputs((*args, *kwargs.values()))
        budget.need(filter_estimate(name, args, kwargs))
        if passes is _PassArg.context:
            out = func(context, *args, **kwargs)
        elif passes is _PassArg.eval_context:
            out = func(context.eval_ctx, *args, **kwargs)
        elif passes is _PassArg.environment:
            out = func(context.environment, *args, **kwargs)
        else:
            out = func(*args, **kwargs)
        return budget.made(out)

    return guarded


def _tested(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (a test), each call one step of the budget with its values weighed as read:
    ``select``/``reject`` call a test per item, outside any loop (eye51: ``select('in', s)``
    over 100,000 items held a render 21 s). What Jinja passes first (a context ...) stays."""

    @functools.wraps(func)  # (its pass_context mark too: Jinja passes the same first value)
    def tested(*args: Any, **kwargs: Any) -> Any:
        budget = current()
        budget.step()
        budget.inputs((*args, *kwargs.values()))
        return func(*args, **kwargs)

    return tested


_WIDTHS = frozenset({"center", "ljust", "rjust", "zfill"})


def call_estimate(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """About how much a call that makes much from a count or width makes, before it runs."""
    inner = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner, name = getattr(inner, "__self__", None), getattr(inner, "__name__", "")
    budget = current()
    if inner is generate_lorem_ipsum:
        count = args[0] if args else kwargs.get("n", 5)
        longest = args[3] if len(args) > 3 else kwargs.get("max", 100)
        return _size(count) * _size(longest) * 12
    if not isinstance(owner, str):
        return 0
    if name in _WIDTHS and args:
        return len(owner) + _size(args[0])
    if name == "expandtabs":
        return len(owner) + owner.count("\t") * _size(args[0] if args else 8)
    if name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        return _replaced(owner, args[0], args[1])
    if name == "join" and args:
        return _joined(budget, args[0] if isinstance(args[0], (list, tuple)) else (), len(owner))
    if name in ("format", "format_map"):
        return spec_estimate(owner, (*args, *kwargs.values()))
    if name == "translate" and args and isinstance(args[0], dict):
        return len(owner) * (1 + max((budget.weigh(v) for v in args[0].values()), default=0))
    return 0


def _unlink(tb: TracebackType | None) -> None:
    """The cycles of Jinja's rewritten traceback broken (file and line stay, for
    loader/snippetframes.py): each frame faked at a snippet's line has the exception in its
    globals, and the frames of the rewrite, done, still hold what it made of the stack."""
    while tb is not None:
        faked = tb.tb_frame
        if faked.f_globals.pop("__jinja_exception__", None) is not None:
            back = faked.f_back
            while back is not None and back.f_globals.get("__name__") == "jinja2.debug":
                back.clear()
                back = back.f_back
        tb = tb.tb_next


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, every render within a budget (``budget.py``)."""

    code_generator_class = _Counting
    template_class = BudgetTemplate
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.filters = {name: _guarded(name, f) for name, f in self.filters.items()}
        self.filters[LOOP] = _loop
        self.filters[JOIN] = _join
        self.filters[READ] = _read
        # every test a step, its values read: `x is in s`, and select('in', s) over a list
        self.tests = {n: _tested(cast(Callable[..., Any], f)) for n, f in self.tests.items()}
        self.brought_in: set[str] = set()  # snippets compiled with all they name (snippetfiles)
        self.users = 0  # renderers alive that render with it (loader/snippetlife.py)
        self.retired = False  # no set to come renders with it: freed with its last user

    def handle_exception(self, source: str | None = None) -> NoReturn:
        """Jinja's, without the cycle its rewritten traceback makes: each frame it fakes at the
        snippet's line has the exception in its globals, and the exception holds the frame and,
        through it, every frame below, with their locals (reload54: a background load's, and
        the rule set it made, kept for good once ``gc.freeze`` ran: 0.4 MB each reload)."""
        try:
            super().handle_exception(source)
        except BaseException as exc:
            _unlink(exc.__traceback__)
            raise

    def join_path(self, template: str, parent: str) -> str:
        """An included, imported or extended snippet's name as the file it names (``./a.html``
        and ``.//a.html`` are ``a.html``): the cache keeps one template per file, however a
        name built from the visitor's data spells it."""
        if not isinstance(template, str):
            return template
        try:
            return "/".join(split_template_path(template))
        except TemplateNotFound:  # ".." in it: the loader refuses it, as it always did
            return template

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = current()
        if operator == "%" and isinstance(left, str):  # what it formats, as printing is
            formatted(left, right)  # (a copy of a list of the visitor's: eye61)
        budget.inputs((left, right))
        budget.need(binop_estimate(budget, operator, left, right))
        return budget.made(super().call_binop(context, operator, left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        budget = current()
        budget.step()
        owner = getattr(getattr(obj, "__wrapped__", obj), "__self__", None)  # a method's own
        if isinstance(owner, str) and getattr(obj, "__name__", "") == "format":
            printed(a for a in (*args, *kwargs.values()) if not isinstance(a, Mapping))
        budget.inputs((owner, *args, *kwargs.values()))  # (text, list: read by the method)
        budget.need(call_estimate(obj, args, kwargs))
        return budget.made(super().call(context, obj, *args, **kwargs))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's rules, and no bytes: a snippet shows text (``'x'.encode()`` made values the
        budget did not weigh: editor51)."""
        if isinstance(obj, bytes | bytearray) or (attr == "encode" and isinstance(obj, str)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def get_template(self, *args: Any, **kwargs: Any) -> Template:
        budget = _CURRENT.get()
        if budget is not None:  # an include, import or extends inside a render
            budget.step()
        return super().get_template(*args, **kwargs)

    def select_template(self, *args: Any, **kwargs: Any) -> Template:
        budget = _CURRENT.get()
        if budget is not None:
            budget.step()
        return super().select_template(*args, **kwargs)
