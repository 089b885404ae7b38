"""What a rule's snippet or copy reads, checked against the rule (editor65), as warnings:

- a ``with:`` key its snippet never reads, close to a name it does read (``imgae:`` for
  ``image:``, which the snippet read with ``| default``: the hero showed the default picture
  under another picture's alt text, and nothing said so);
- ``visitor.name`` printed where nothing makes sure there is one (the rule asks no
  ``attr: {first_name: ...}``, and no ``{% if %}``, ``or`` or ``default(..., true)`` guards
  it: the name is empty, not undefined): every visitor without a stored name read "Hello ,
  welcome!".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from jinja2 import Environment, TemplateError, meta, nodes

from omotenashi.engine.ruleset import CompiledRule
from omotenashi.loader.findings import Finding
from omotenashi.rules.model import When
from omotenashi.rules.yamlsource import Loc

__all__ = ["snippet_read_findings"]

Places = Mapping[tuple[str, str], tuple[Mapping[Loc, int], Loc]]
_NAMED = "first_name"  # the attribute visitor.name is (engine/profile.py)


def snippet_read_findings(
    rules: list[CompiledRule], env: Environment, text_env: Environment, places: Places
) -> list[Finding]:
    out: list[Finding] = []
    read: dict[str, tuple[frozenset[str], bool] | None] = {}  # by snippet: names, name bare
    for r in rules:
        rule, name = r.rule, r.rule.snippet
        if name:
            if name not in read:
                read[name] = _reads(env, name, set())
            got = read[name]
        else:
            got = _names_in(_parse(text_env, rule.text)) if rule.text else None
        if got is None:
            continue  # does not parse (said where it loads), or brings in one chosen later
        names, bare = got
        for key in rule.with_ if name else ():  # (one close to a name read: misspelt)
            close = difflib.get_close_matches(key, sorted(names - {"visitor"}), n=1)
            if key not in names and close:
                hint = f"did you mean {close[0]!r}?"
                out.append(
                    Finding(
                        r.file,
                        _line(r, ("with", key), places),
                        "warning",
                        f"rule {r.id!r}: with: {key!r} is not read by the snippet {name!r} "
                        f"({hint})",
                    )
                )
        if bare and not _names_visitor(rule.when):
            out.append(
                Finding(
                    r.file,
                    _line(r, ("snippet",) if name else ("text",), places),
                    "warning",
                    f"rule {r.id!r} prints visitor.name, which is empty for a visitor the site "
                    'stored no first_name for ("Hello , welcome!"): add when: {attr: '
                    "{first_name: {exists: true}}}, or write {% if visitor.name %}...{% endif %}",
                )
            )
    return out


def _reads(env: Environment, name: str, seen: set[str]) -> tuple[frozenset[str], bool] | None:
    """The names ``name`` reads from its context, the templates it brings in included, and
    whether it prints ``visitor.name`` unguarded; None when one it brings in is chosen at render
    time, or one does not load."""
    if name in seen:
        return frozenset(), False
    seen.add(name)
    try:
        assert env.loader is not None
        ast = _parse(env, env.loader.get_source(env, name)[0])
    except TemplateError:
        return None
    if ast is None:
        return None
    got = _names_in(ast)
    if got is None:
        return None
    names, bare = got
    for other in meta.find_referenced_templates(ast):
        more = _reads(env, other, seen) if other is not None else None
        if more is None:
            return None
        names, bare = names | more[0], bare or more[1]
    return names, bare


def _parse(env: Environment, source: str) -> nodes.Template | None:
    try:
        return env.parse(source)
    except TemplateError:
        return None


def _names_in(ast: nodes.Template | None) -> tuple[frozenset[str], bool] | None:
    if ast is None:
        return None
    names = frozenset(meta.find_undeclared_variables(ast))
    printed = [n for out in ast.find_all(nodes.Output) for n in out.find_all(nodes.Getattr)]
    named = any(_is_name(n) for n in printed)
    guarded = any(
        _is_name(n)
        for kind in (nodes.If, nodes.CondExpr, nodes.Or, nodes.Filter)
        for node in ast.find_all(kind)
        for n in _tests_of(node)
        if isinstance(n, nodes.Getattr)
    )
    return names, named and not guarded


def _tests_of(node: nodes.Node) -> list[nodes.Node]:
    """Where ``node`` (an ``if``, ``a if b else c``, ``a or b``, a filter) may read the name to
    guard it: an if's test, ``or``'s left side, a ``default`` filter's value."""
    if isinstance(node, nodes.If | nodes.CondExpr):
        return _getattrs(node.test)
    if isinstance(node, nodes.Or):
        return _getattrs(node.left)
    if isinstance(node, nodes.Filter) and node.name in ("default", "d") and node.node is not None:
        # (only with its second argument true: the name is "", never undefined: last65)
        empty = (node.args[1:2] or [kw.value for kw in node.kwargs if kw.key == "boolean"])[:1]
        if empty and isinstance(empty[0], nodes.Const) and empty[0].value is True:
            return _getattrs(node.node)
    return []


def _getattrs(node: nodes.Node) -> list[nodes.Node]:
    """``node`` and every attribute read inside it (find_all leaves out the node itself)."""
    return [node, *node.find_all(nodes.Getattr)]


def _is_name(node: nodes.Getattr) -> bool:
    target = node.node
    return node.attr == "name" and isinstance(target, nodes.Name) and target.name == "visitor"


def _names_visitor(when: When) -> bool:
    """Whether ``when`` (or an ``all`` in it) asks for a stored first name."""
    asked = (when.attr or {}).get(_NAMED)
    if asked is not None and asked.exists is not False:
        return True
    return any(_names_visitor(sub) for sub in when.all or ())


def _line(r: CompiledRule, field: tuple[str, ...], places: Places) -> int:
    lines, loc = places.get((r.file, r.id), ({}, ()))
    return lines.get((*loc, *field)) or lines.get((*loc, field[0])) or r.line
