"""What a snippet's source says for certain, read from its parsed tree without rendering it:
the names it binds itself, and the values it needs whatever the visitor is like."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

from jinja2 import meta, nodes

_MAYBE = frozenset({"default", "d"})  # ``x | default('...')``: x may be missing
# Parts of a template that run only sometimes, or under names of their own: not looked into.
_SOMETIMES = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.With, nodes.Test)


# What brings another snippet in (its names, its output): every loader module asks of these
BRINGS_IN = (nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)


def every_name(
    ast: nodes.Template,
    parse: Callable[[str], nodes.Template | None],
    names: Callable[[nodes.Template], AbstractSet[str]] = meta.find_undeclared_variables,
) -> frozenset[str] | None:
    """Every name a snippet may read from its context, in the snippets it includes, imports
    or extends too (``parse``: a snippet's tree by name; ``names``: the names one tree reads,
    the renderer's kept per tree); None when that cannot be known (a snippet named by an
    expression, or one that cannot be read: any name may be read)."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = [ast]
    while todo:
        tree = todo.pop()
        found.update(names(tree))
        for node in tree.find_all(BRINGS_IN):
            named = getattr(node, "template", None)
            if not (isinstance(named, nodes.Const) and isinstance(named.value, str)):
                return None
            if named.value not in seen:
                seen.add(named.value)
                brought = parse(named.value)
                if brought is None:
                    return None
                todo.append(brought)
    return frozenset(found)


def rebound(ast: nodes.Template) -> frozenset[str]:
    """Names the snippet binds itself: loop variables, ``{% set %}`` and ``{% with %}``
    targets, macros and their parameters, call parameters, imports. Such a ``visitor`` is not
    the visitor."""
    names = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names.update(node.target for node in ast.find_all(nodes.Import))
    names.update(node.name for node in ast.find_all(nodes.Macro))  # {% macro m() %}: m
    for node in ast.find_all(nodes.FromImport):
        names.update(n if isinstance(n, str) else n[1] for n in node.names)
    return frozenset(names)


def needed(ast: nodes.Template, parse: Callable[[str], nodes.Template | None]) -> frozenset[str]:
    """Names read on every render, whatever the visitor: outside the bodies of ``{% if %}``
    and ``{% for %}``, the branches of ``a if b else c``, the right of ``and``/``or``, a
    ``| default`` and ``is defined``, and so in the snippets it includes so (``parse``: a
    snippet's tree by name, None when it cannot be read); less the names they bind."""
    walk = _Walk(parse)
    walk.visit(ast)
    return frozenset(walk.found)


class _Walk:
    """:func:`needed`'s walk (methods, not two closures naming each other: that cycle held
    ``parse`` and its loader for good once a reload's ``gc.freeze`` ran: reload54)."""

    __slots__ = ("found", "parse", "seen")

    def __init__(self, parse: Callable[[str], nodes.Template | None]) -> None:
        self.parse = parse
        self.found: set[str] = set()
        self.seen: set[str] = set()

    def visit(self, tree: nodes.Template) -> None:
        names: set[str] = set()
        for child in tree.body:
            _needed(child, names, self.include)
        self.found.update(names - rebound(tree))

    def include(self, name: str) -> None:
        tree = self.parse(name) if name not in self.seen else None
        self.seen.add(name)
        if tree is not None:
            self.visit(tree)


def _needed(node: nodes.Node, found: set[str], include: Callable[[str], None]) -> None:
    if isinstance(node, nodes.Include):
        named = node.template
        if isinstance(named, nodes.Const) and isinstance(named.value, str):
            if not node.ignore_missing and node.with_context:
                include(named.value)
            return
    if isinstance(node, nodes.Name):
        if node.ctx == "load":
            found.add(node.name)
        return
    if isinstance(node, _SOMETIMES):
        return
    if isinstance(node, nodes.Filter) and node.name in _MAYBE:
        return
    if isinstance(node, nodes.If):
        return _needed(node.test, found, include)  # its branches: only sometimes
    if isinstance(node, nodes.For):
        return _needed(
            node.iter, found, include
        )  # its body: only when there is something to loop over
    if isinstance(node, nodes.CondExpr):
        return _needed(node.test, found, include)
    if isinstance(node, (nodes.And, nodes.Or)):
        return _needed(node.left, found, include)
    for child in node.iter_child_nodes():
        _needed(child, found, include)
