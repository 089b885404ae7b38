"""A snippet that brings itself in, directly or through others, by written names: ``a.html``
includes ``b.html``, which includes ``a.html``. Its render never ends (Python's recursion limit
ends it, for every visitor, after tens of milliseconds), so it is an error at the tag that
closes the circle, as a snippet that does not compile is. Only tags every render of a snippet
reaches count: one inside ``{% if %}``, ``{% for %}``, a macro, a ``{% call %}`` or a
``{% block %}`` may stop (a tree's nodes each including the snippet for their children)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import cast

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateAssertionError

from omotenashi.errors import SnippetError
from omotenashi.loader.templatescan import BRINGS_IN

NEVER_ENDS = "its render never ends, so every visitor sees the slot's default"
CYCLE_HINT = (
    "a snippet cannot include itself, directly or through others: take out the tag on this "
    "line, or move what the snippets share into one that brings in neither"
)
_MAY_STOP = (nodes.If, nodes.For, nodes.Macro, nodes.CallBlock, nodes.Block)
_VERBS = {"Include": "includes", "Extends": "extends", "Import": "imports"}
Parse = Callable[[str], "nodes.Template | None"]
Edge = tuple[str, nodes.Node, str]  # the snippet, its tag, the snippet the tag brings in


def written(node: nodes.Node) -> list[str]:
    """The names a tag brings in by, when all are written out (else none: built at render)."""
    named = cast(nodes.Expr, getattr(node, "template", None))
    consts = named.items if isinstance(named, (nodes.Tuple, nodes.List)) else [named]
    names = [c.value for c in consts if isinstance(c, nodes.Const) and isinstance(c.value, str)]
    return names if len(names) == len(consts) else []


def check_cycles(ast: nodes.Template, template: Template, parse: Parse) -> None:
    """SnippetError, located at the snippet and line of the tag that closes the circle, when
    ``template`` or a snippet it names brings itself in on every render."""
    env = template.environment
    if env.loader is None or template.name is None:  # a rule's text brings in none
        return
    trees = {template.name: ast}
    todo = [ast]
    while todo:  # every snippet it names, in any branch: reached by some visitor
        for node in todo.pop().find_all(BRINGS_IN):
            for name in written(node):
                sub = parse(name) if name not in trees else None
                if sub is not None:
                    trees[name] = sub
                    todo.append(sub)

    def edges(name: str) -> Iterator[tuple[nodes.Node, str]]:
        tree = trees.get(name)
        if tree is None:
            return
        extends = any(tree.find_all(nodes.Extends))  # then only its parent is rendered
        for node in _always(tree):
            if extends and not isinstance(node, nodes.Extends):
                continue
            # of a list of names, the first that is there
            there = next((n for n in written(node) if n in trees), None)
            if there is not None:
                yield node, there

    finished: set[str] = set()
    for start in trees:
        found = _cycle(start, edges, finished)
        if found is not None:  # told from its first snippet by name: one error, whoever uses it
            first = min(range(len(found)), key=lambda i: found[i][0])
            cycle = [*found[first:], *found[:first]]
            said = f"{_chain(cycle)}: {NEVER_ENDS}"
            owner, tag, _ = cycle[-1]
            where = TemplateAssertionError(said, tag.lineno, owner)
            raise SnippetError(template.name, said) from where


def _always(node: nodes.Node) -> Iterator[nodes.Node]:
    """The tags bringing in a snippet that every render of ``node`` reaches."""
    for child in node.iter_child_nodes():
        if isinstance(child, BRINGS_IN):
            yield child
        elif not isinstance(child, _MAY_STOP):
            yield from _always(child)


def _cycle(
    start: str, edges: Callable[[str], Iterator[tuple[nodes.Node, str]]], finished: set[str]
) -> list[Edge] | None:
    """The first circle of tags found from ``start`` (depth first, without recursion)."""
    if start in finished:
        return None
    path, taken = [start], list[Edge]()
    on_path = {start: 0}
    stack = [edges(start)]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            done = path.pop()
            del on_path[done]
            finished.add(done)
            if taken:
                taken.pop()
            continue
        node, target = step
        edge = (path[-1], node, target)
        if target in on_path:
            return [*taken[on_path[target] :], edge]
        if target not in finished:
            on_path[target] = len(path)
            path.append(target)
            taken.append(edge)
            stack.append(edges(target))
    return None


def _chain(cycle: list[Edge]) -> str:
    """``'a.html' includes 'b.html', which includes 'a.html'``; ``'a.html' includes itself``."""
    first, node, target = cycle[0]
    verb = _VERBS.get(type(node).__name__.replace("FromImport", "Import"), "includes")
    if len(cycle) == 1:
        return f"{first!r} {verb} itself"
    said = f"{first!r} {verb} {target!r}"
    for _, node, target in cycle[1:]:
        verb = _VERBS.get(type(node).__name__.replace("FromImport", "Import"), "includes")
        said += f", which {verb} {target!r}"
    return said
