"""Visitor data a snippet marks safe: ``{{ visitor.name | safe }}``, or the same value through
``{% set %}``, a loop, a macro's parameter (its own, or one it imports from another snippet),
an included or extended snippet, or ``{% autoescape false %}``. Autoescaping is what
keeps a visitor's own text (a name a sign-up form stored, a cart item's id the browser sent)
from running as HTML on the page; a snippet that turns it off for such a value is refused at
load, at its line (the values of ``with:`` are the editor's, and may be marked safe)."""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateAssertionError

from omotenashi.errors import SnippetError
from omotenashi.loader.templatescan import BRINGS_IN

SAFE_PROBLEM = "marks the visitor's data safe"
SAFE_HINT = (
    "drop | safe (and autoescape false) there: the visitor's text is escaped, or it could run "
    "as HTML on the page; mark safe only with: values"
)


EVERY = "-every name"  # (in ``tainted``: every name may hold the visitor's data)


def _read(node: nodes.Node, tainted: set[str]) -> str | None:
    """The first of the ``tainted`` names ``node`` reads, if any."""
    found = [node] if isinstance(node, nodes.Name) else node.find_all(nodes.Name)
    every = EVERY in tainted
    return next((n.name for n in found if n.ctx == "load" and (every or n.name in tainted)), None)


def _targets(node: nodes.Node) -> set[str]:
    """The names ``node`` binds; ``{% set ns.v = … %}`` binds ``ns`` (its reads are ``ns.x``)."""
    found = (node, *node.find_all((nodes.Name, nodes.NSRef)))
    return {n.name for n in found if isinstance(n, (nodes.Name, nodes.NSRef))}


def _loads(node: nodes.Node) -> set[str]:
    """The names ``node`` reads."""
    found = [node] if isinstance(node, nodes.Name) else node.find_all(nodes.Name)
    return {n.name for n in found if n.ctx == "load"}


# What a snippet may call that is no macro of its own (Jinja's globals, the sandbox's)
_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace"})
_ANY_MACRO, _CALLER = "-any macro", "-caller"
_IMPORTS = (nodes.Import, nodes.FromImport)
ANY = "*"  # (a macro name no snippet can write: every macro of that snippet)
_AGAIN = 4  # looks at one snippet brought in with more of the visitor's names each time


def _method_of_a_value(callee: nodes.Node) -> bool:
    """``visitor.name.upper()``, ``'{}'.format(...)``: a method of a plain value (an attribute
    of a name that is no namespace and no imported snippet is taken as one; a subscript is not)."""
    return isinstance(callee, nodes.Getattr) and not isinstance(callee.node, nodes.Name)


def _params(macro: nodes.Macro) -> set[str]:
    """The names a macro binds from what it is given (what is left over too)."""
    return {a.name for a in macro.args} | {"varargs", "kwargs"}


def _spread(ast: nodes.Node, tainted: set[str]) -> None:
    """Adds to ``tainted`` every name bound from a tainted value, through any chain of
    bindings: each binding read once into a graph of names, then walked once (a fixed point
    over the whole tree, pass after pass, took a chain written backwards n passes)."""
    fed: dict[str, set[str]] = {}  # a name -> the names bound from a value that reads it

    def bind(sources: set[str], targets: set[str]) -> None:
        for source in sources:
            fed.setdefault(source, set()).update(targets)

    macros = {m.name: m for m in ast.find_all(nodes.Macro)}
    # (a {% set x %}...{% endset %} block is escaped as made, but |striptags or .unescape()
    # gives the visitor's text back: x holds their data all the same)
    for node in ast.find_all((nodes.Assign, nodes.AssignBlock, nodes.For, nodes.With)):
        if isinstance(node, nodes.AssignBlock):
            bind(set().union(*map(_loads, node.body)), _targets(node.target))
        elif isinstance(node, nodes.Assign):
            bind(_loads(node.node), _targets(node.target))
            if isinstance(node.node, nodes.Name) and node.node.name in macros:
                for alias in _targets(node.target):  # {% set f = m %}: f is m
                    macros.setdefault(alias, macros[node.node.name])
        elif isinstance(node, nodes.For):  # (loop.previtem, loop.nextitem: the items too)
            bind(_loads(node.iter), _targets(node.target) | {"loop"})
        elif isinstance(node, nodes.With):
            for target, value in zip(node.targets, node.values, strict=False):
                bind(_loads(value), _targets(target))
    # (two names no snippet can write, each bound once: any macro's parameters, and any call
    # block's: every call that reaches one of them is one edge, whatever their number)
    bind({_ANY_MACRO}, {a.name for m in macros.values() for a in m.args} | {"varargs", "kwargs"})
    bind({_CALLER}, {a.name for b in ast.find_all(nodes.CallBlock) for a in b.args})
    for call in ast.find_all(nodes.Call):
        given = set().union(*map(_loads, [*call.args, *(k.value for k in call.kwargs)]))
        if call.dyn_args is not None or call.dyn_kwargs is not None:
            given |= set().union(*map(_loads, filter(None, (call.dyn_args, call.dyn_kwargs))))
        callee = call.node.name if isinstance(call.node, nodes.Name) else None
        if callee is None:  # ns.f(...), [m][0](...): a macro may be behind it
            if not _method_of_a_value(call.node):
                bind(given, {_ANY_MACRO})
            continue
        if callee in _GLOBALS:
            continue
        if (macro := macros.get(callee)) is not None:
            bind(given, _params(macro))
        elif callee == "caller":  # a call block's body, given these: its parameters
            bind(given, {_CALLER})
        else:  # a macro under a name of its own (a parameter, a variable): any of them
            bind(given, {_ANY_MACRO})
    context = any(getattr(n, "with_context", False) for n in ast.find_all(_IMPORTS))
    for block in ast.find_all(nodes.CallBlock):  # {% call(x) m(...) %}: x from what m gets
        if not (isinstance(block.call.node, nodes.Name) and block.call.node.name in macros):
            # (m not seen: all it is given, and the visitor if it reads the caller's names)
            given = _loads(block.call) | ({"visitor"} if context else set())
            bind(given, {a.name for a in block.args})
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
    """(the snippet, the line, what) where ``ast`` (the snippet ``name``) or a snippet it brings
    in (includes, extends, imports: ``parse`` gives a tree by name) writes visitor data
    unescaped; None when none does. ``rebound``: names the snippet binds itself (a
    ``visitor`` among them is not the visitor)."""
    # each snippet looked at once with the caller's names, and each macro of one once with its
    # parameters holding the visitor's data (a snippet that includes itself: not again)
    seen: set[tuple[str | None, str | None]] = set()
    looked: dict[str, set[str]] = {}  # a snippet brought in: the names it was looked at with
    again: dict[str, int] = {}  # ... and how many times
    known: dict[int, _Names] = {}  # by tree: what its names call (read once per snippet)
    todo: list[_Look] = [(name, ast, ast, set() if "visitor" in rebound else {"visitor"}, None)]
    while todo:
        at, tree, scope, tainted, given = todo.pop()
        _spread(scope, tainted)
        if tainted:
            found = _unescaped(scope, tainted, False)
            if found is not None:
                line, what = found
                if given is not None:  # a macro of this file, given the visitor's data
                    what += f" (given the visitor's data by {given[0]!r} line {given[1]})"
                return at, line, what
        for other, with_context in _brought_in(scope):
            if not with_context:
                continue
            wanted = {"visitor", *tainted}  # it reads the caller's names: once, or again with
            n = again.get(other, 0)  # more of them (a few times, then once with every name it
            if n <= _AGAIN and not wanted <= (had := looked.setdefault(other, set())):  # reads)
                if (sub := parse(other)) is None:
                    continue
                had |= wanted | ({EVERY} if n == _AGAIN else set())
                again[other] = n + 1
                todo.append((other, sub, sub, set(had), None))
        names = known.get(id(tree)) or known.setdefault(id(tree), _names(tree, at))
        for owner, macro, line in _macro_calls(scope, scope is not tree, names, tainted):
            if (owner, macro) in seen:
                continue
            seen.add((owner, macro))
            sub = tree if owner == at or owner is None else parse(owner)
            if sub is None:
                continue
            of_sub = known.get(id(sub)) or known.setdefault(id(sub), _names(sub, owner))
            for name, node in (
                of_sub[2].items() if macro == ANY else [(macro, of_sub[2].get(macro))]
            ):
                if node is not None and (name == macro or (owner, name) not in seen):
                    seen.add((owner, name))
                    params = _params(node)
                    todo.append((owner, sub, node, params, (at or "text", line)))
    return None


# (the snippet, its tree, the part of it looked at, the names there holding the visitor's
# data, and who gave a macro's parameters that data: the snippet and line of the call)
_Look = tuple[str | None, nodes.Template, nodes.Node, set[str], tuple[str, int] | None]


def _brought_in(tree: nodes.Node) -> list[tuple[str, bool]]:
    """The snippets ``tree`` includes, extends or imports, named as written, and whether each
    sees the caller's names (an include by default, a parent always, an import if asked)."""
    out = []
    for node in tree.find_all(BRINGS_IN):
        named = getattr(node, "template", None)
        if isinstance(named, nodes.Const) and isinstance(named.value, str):
            context = isinstance(node, nodes.Extends) or bool(getattr(node, "with_context", 0))
            out.append((named.value, context))
    return out


# a snippet's names that call macros: those it imports by name, the snippets it imports as
# modules (by alias), and its own macros (each: the snippet it is in, and its name there)
_Names = tuple[
    dict[str, tuple[str | None, str]], dict[str, str], dict[str, nodes.Macro], str | None
]


def _names(tree: nodes.Template, at: str | None) -> _Names:
    """What the names of ``tree`` (the snippet ``at``) call (see :data:`_Names`)."""
    imported: dict[str, tuple[str | None, str]] = {}
    modules: dict[str, str] = {}
    own: dict[str, nodes.Macro] = {}
    aliases: list[nodes.Assign] = []
    for node in tree.find_all((nodes.Import, nodes.FromImport, nodes.Macro, nodes.Assign)):
        if isinstance(node, nodes.Macro):
            own.setdefault(node.name, node)
            continue
        if isinstance(node, nodes.Assign):
            aliases.append(node)
            continue
        named = getattr(node, "template", None)
        if not (isinstance(named, nodes.Const) and isinstance(named.value, str)):
            continue
        if isinstance(node, nodes.Import):
            modules[node.target] = named.value
        elif isinstance(node, nodes.FromImport):
            for entry in node.names:
                macro, alias = entry if isinstance(entry, tuple) else (entry, entry)
                imported[alias] = (named.value, macro)
    for assign in aliases:  # {% set f = show %}, {% set f = lib.show %}: f is that macro
        value, was = assign.node, None
        if isinstance(value, nodes.Name):
            was = imported.get(value.name)
        elif isinstance(value, nodes.Getattr) and isinstance(value.node, nodes.Name):
            module = modules.get(value.node.name)
            was = (module, value.attr) if module is not None else None
        if was is not None:
            imported.update((n, was) for n in _targets(assign.target))
    return imported, modules, own, at


def _macro_calls(
    scope: nodes.Node, in_macro: bool, names: _Names, tainted: set[str]
) -> list[tuple[str | None, str, int]]:
    """(the snippet, the macro, the line) of each call in ``scope`` with an argument that reads
    a ``tainted`` name, of a macro imported from another snippet (``{% from 'm.html' import
    show %}``, ``{% import 'm.html' as m %}``) or, ``in_macro`` (``scope`` is a macro), of
    another macro of its snippet (the whole snippet's own are followed by ``_spread``)."""
    imported, modules, own, at = names
    if not (imported or modules or (in_macro and own)):
        return []
    # a macro imported under a name of its own, or behind one: any of them
    anything = [*imported.values(), *((m, ANY) for m in modules.values())]
    out: list[tuple[str | None, str, int]] = []
    for call in scope.find_all(nodes.Call):
        given = [*call.args, *(k.value for k in call.kwargs)]
        given += [v for v in (call.dyn_args, call.dyn_kwargs) if v is not None]
        if not any(_read(value, tainted) is not None for value in given):
            continue
        callee, where = call.node, None
        if isinstance(callee, nodes.Name):
            where = imported.get(callee.name)
            if in_macro and callee.name in own and where is None:
                where = (at, callee.name)
            if where is None and (callee.name in own or callee.name in _GLOBALS):
                continue  # (its own macros: _spread follows them)
            if where is None and callee.name == "caller":
                continue
        elif isinstance(callee, nodes.Getattr) and isinstance(callee.node, nodes.Name):
            module = modules.get(callee.node.name)
            where = (module, callee.attr) if module is not None else None
        elif _method_of_a_value(callee):
            continue
        out += (
            [(*where, call.lineno)] if where is not None else [(*w, call.lineno) for w in anything]
        )
    return out
