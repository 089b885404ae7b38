"""Whether a snippet can print the visitor's name (counted against the name cap,
``OMOTENASHI_RESPECT_NAME_PER_PAGE``): read from its tree, erring towards yes."""

from __future__ import annotations

from jinja2 import nodes

from omotenashi.engine.render import VISITOR_FIELDS
from omotenashi.loader.templatescan import BRINGS_IN

OTHER_FIELDS = frozenset(VISITOR_FIELDS) - {"name"}  # what a read of passes over


def prints_name(ast: nodes.Template) -> bool:
    """Whether the snippet ``ast`` can print the visitor's name: it brings another snippet in
    (whose reads are asked apart: loader/ruleset.py), or uses ``visitor`` but to read one of
    its other fields (``visitor.stage``, ``visitor["cart"]``, ``visitor.get("stage")``)."""
    if any(ast.find_all(BRINGS_IN)):
        return True
    fields = set()  # (not ``visitor.items()``, ``.values()``: they reach the name too: last61)
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        target = getattr(node, "node", None)
        arg = getattr(node, "arg", None)
        key = node.attr if isinstance(node, nodes.Getattr) else getattr(arg, "value", None)
        if isinstance(target, nodes.Name) and key in OTHER_FIELDS:
            fields.add(id(target))
    for call in ast.find_all(nodes.Call):  # ``visitor.get('stage')``: that field (last61b)
        got, args = call.node, call.args
        if isinstance(got, nodes.Getattr) and got.attr == "get" and args:
            if isinstance(args[0], nodes.Const) and args[0].value in OTHER_FIELDS:
                fields.add(id(got.node))
    # visitor itself, anywhere else (``{% set v = visitor %}{{ v.name }}``, a macro's
    # argument, ``visitor|attr(...)``, ``visitor[key]``): it can print the name
    return any(
        node.name == "visitor" and node.ctx == "load" and id(node) not in fields
        for node in ast.find_all(nodes.Name)
    )
