"""Numbers in ``with:`` values that a snippet would show otherwise than the editor wrote them:
YAML reads ``10.50`` as the number 10.5 (a price shown "$10.5"), ``1.10`` as 1.1 (a version),
``1_000`` as 1000 and ``+5`` as 5. ``omotenashi check`` warns at the line, with the quoted form
that keeps the text as written (a snippet may still format a number: ``{{ '%.2f' % price }}``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from omotenashi.errors import RuleError
from omotenashi.loader.findings import Finding
from omotenashi.rules.yamlsource import Loader, read_source

_NUMBERS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


def reshaped_numbers(path: Path, name: str) -> list[Finding]:
    """A warning for each number under a rule's ``with:`` shown otherwise than written."""
    try:
        text = read_source(path, name)
        if "with" not in text:
            return []
        root = yaml.compose(text, Loader=Loader)
    except (RuleError, yaml.YAMLError):
        return []  # (the file's own errors are reported where it is loaded)
    rules = _value(root, "rules")
    if not isinstance(rules, yaml.SequenceNode):
        return []
    out: list[Finding] = []
    reader = Loader("")  # (its constructor only: what each number reads as)
    try:
        for index, rule in enumerate(rules.value):
            given = _value(rule, "with")
            if given is not None:
                out += _walk(given, f"rules[{index}].with", name, reader)
    finally:
        reader.dispose()
    return out


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found: yaml.Node = v
                return found
    return None


def _walk(node: yaml.Node, at: str, name: str, reader: yaml.SafeLoader) -> list[Finding]:
    """Each number under ``node`` whose value reads back otherwise (iterative: no depth limit
    of its own; the loader bounds nesting)."""
    out: list[Finding] = []
    todo = [(node, at)]
    while todo:
        node, at = todo.pop()
        if isinstance(node, yaml.MappingNode):
            todo += [(v, f"{at}.{k.value}") for k, v in reversed(node.value)]
        elif isinstance(node, yaml.SequenceNode):
            todo += [(v, f"{at}[{i}]") for i, v in reversed(list(enumerate(node.value)))]
        elif isinstance(node, yaml.ScalarNode) and node.tag in _NUMBERS and not node.style:
            shown = _shown(node, reader)
            if shown is not None and shown != node.value:
                out.append(
                    Finding(
                        name,
                        node.start_mark.line + 1,
                        "warning",
                        f"{at}: {node.value} is read as the number {shown}, and a snippet "
                        f"shows {shown} (quote it to keep it as written: '{node.value}')",
                    )
                )
    return out


def _shown(node: yaml.ScalarNode, reader: yaml.SafeLoader) -> str | None:
    """How a snippet writes the number ``node`` holds (Jinja: ``str``)."""
    try:
        return str(reader.construct_object(node))
    except (yaml.YAMLError, ValueError):
        return None
