"""Visitor data a snippet marks safe: ``{{ visitor.name | safe }}``, or the same value through
``{% set %}``, a loop, a macro's parameter or ``{% autoescape false %}``. Autoescaping is what
keeps a visitor's own text (a name a sign-up form stored, a cart item's id the browser sent)
from running as HTML on the page; a snippet that turns it off for such a value is refused at
load, at its line (the values of ``with:`` are the editor's, and may be marked safe)."""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateAssertionError

from omotenashi.errors import SnippetError

SAFE_PROBLEM = "marks the visitor's data safe"
SAFE_HINT = (
    "drop | safe (and autoescape false) there: the visitor's text is escaped, or it could run "
    "as HTML on the page; mark safe only with: values"
)


def _read(node: nodes.Node, tainted: set[str]) -> str | None:
    """The first of the ``tainted`` names ``node`` reads, if any."""
    found = [node] if isinstance(node, nodes.Name) else node.find_all(nodes.Name)
    return next((n.name for n in found if n.ctx == "load" and n.name in tainted), None)


def _targets(node: nodes.Node) -> set[str]:
    """The names ``node`` binds; ``{% set ns.v = … %}`` binds ``ns`` (its reads are ``ns.x``)."""
    found = (node, *node.find_all((nodes.Name, nodes.NSRef)))
    return {n.name for n in found if isinstance(n, (nodes.Name, nodes.NSRef))}


def _loads(node: nodes.Node) -> set[str]:
    """The names ``node`` reads."""
    found = [node] if isinstance(node, nodes.Name) else node.find_all(nodes.Name)
    return {n.name for n in found if n.ctx == "load"}


def _spread(ast: nodes.Template, tainted: set[str]) -> None:
    """Adds to ``tainted`` every name bound from a tainted value, through any chain of
    bindings: each binding read once into a graph of names, then walked once (a fixed point
    over the whole tree, pass after pass, took a chain written backwards n passes)."""
    fed: dict[str, set[str]] = {}  # a name -> the names bound from a value that reads it

    def bind(sources: set[str], targets: set[str]) -> None:
        for source in sources:
            fed.setdefault(source, set()).update(targets)

    macros = {m.name: m for m in ast.find_all(nodes.Macro)}
    for node in ast.find_all((nodes.Assign, nodes.AssignBlock, nodes.For, nodes.With)):
        if isinstance(node, nodes.Assign):
            bind(_loads(node.node), _targets(node.target))
        elif isinstance(node, nodes.AssignBlock):
            bind(set().union(*map(_loads, node.body)), _targets(node.target))
        elif isinstance(node, nodes.For):
            bind(_loads(node.iter), _targets(node.target))
        elif isinstance(node, nodes.With):
            for target, value in zip(node.targets, node.values, strict=False):
                bind(_loads(value), _targets(target))
    for call in ast.find_all(nodes.Call):
        macro = macros.get(call.node.name) if isinstance(call.node, nodes.Name) else None
        if macro is not None:
            given = [*call.args, *(k.value for k in call.kwargs)]
            params = {a.name for a in macro.args} | {"varargs", "kwargs"}  # (what is left over)
            bind(set().union(*map(_loads, given)), params)
    todo = list(tainted)
    while todo:
        for name in fed.get(todo.pop(), ()):
            if name not in tainted:
                tainted.add(name)
                todo.append(name)


def _unescaped(node: nodes.Node, tainted: set[str], raw: bool) -> tuple[int, str] | None:
    """(the line, what) of the first tainted value written unescaped under ``node``, if any."""
    if isinstance(node, nodes.Filter) and node.name == "safe" and node.node is not None:
        if (read := _read(node.node, tainted)) is not None:
            return node.lineno, f"{read!r} under | safe"
    if isinstance(node, (nodes.ScopedEvalContextModifier, nodes.EvalContextModifier)):
        for option in node.options:
            value = option.value
            if option.key == "autoescape" and isinstance(value, nodes.Const):
                raw = not value.value
    if raw and isinstance(node, nodes.Output):
        for part in node.nodes:
            read = None if isinstance(part, nodes.TemplateData) else _read(part, tainted)
            if read is not None:
                return part.lineno, f"{read!r} with autoescaping off"
    for child in node.iter_child_nodes():
        found = _unescaped(child, tainted, raw)
        if found is not None:
            return found
    return None


def check_safe(
    ast: nodes.Template,
    template: Template,
    parse: Callable[[str], nodes.Template | None],
    rebound: frozenset[str],
) -> None:
    """SnippetError, located at the snippet and line, when the autoescaped ``template`` (of
    tree ``ast``) or one it includes writes the visitor's data unescaped."""
    if not template.environment.autoescape:
        return  # copy: escaped as a whole
    found = unsafe_visitor(ast, template.name, parse, rebound)
    if found is not None:
        said = f"{SAFE_PROBLEM}: {found[2]}"
        where = TemplateAssertionError(said, found[1], found[0])
        raise SnippetError(template.name or "text", said) from where


def unsafe_visitor(
    ast: nodes.Template,
    name: str | None,
    parse: Callable[[str], nodes.Template | None],
    rebound: frozenset[str],
) -> tuple[str | None, int, str] | None:
    """(the snippet, the line, what) where ``ast`` (the snippet ``name``) or a snippet it includes
    (``parse``: a tree by name) writes visitor data unescaped; None when none does.
    ``rebound``: names the snippet binds itself (a ``visitor`` among them is not the visitor)."""
    seen: set[str] = set()
    todo: list[tuple[str | None, nodes.Template, set[str]]] = [
        (name, ast, set() if "visitor" in rebound else {"visitor"})
    ]
    while todo:
        at, tree, tainted = todo.pop()
        _spread(tree, tainted)
        if tainted:
            found = _unescaped(tree, tainted, False)
            if found is not None:
                return at, *found
        for include in tree.find_all(nodes.Include):
            named = include.template
            if isinstance(named, nodes.Const) and isinstance(named.value, str):
                if include.with_context and named.value not in seen:
                    seen.add(named.value)
                    sub = parse(named.value)
                    if sub is not None:
                        todo.append((named.value, sub, {"visitor", *tainted}))
    return None
