"""``omotenashi check``: an editor's lists (``data/<name>.yaml``, read by ``viewed_in_list:``
and a snippet's ``visitor.viewed_in.<name>``). A list holding an id close to a catalogue
item's but not one: a typo that no visitor's viewed item ever matches (as for ``viewed:``, an
id close to none is taken for one the site tracks beyond its catalogue, and not said). A
snippet reading ``visitor.viewed_in.<name>`` of a list there is not: it fails for every
visitor, the slot keeps its default (the sample visitor ``check`` renders with has them all)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from jinja2 import Environment, TemplateError, nodes

from omotenashi.engine.ruleset import CompiledRule
from omotenashi.errors import RuleError
from omotenashi.loader.findings import Finding
from omotenashi.loader.near import CLOSE, Near, series
from omotenashi.loader.ruleset import list_files
from omotenashi.rules.yamlguard import LIST_FILE
from omotenashi.rules.yamlsource import display_path, line_of, load_yaml


def list_findings(rules_dir: Path, base: Path | None, items: Collection[str]) -> list[Finding]:
    """A warning at each list item close to an id of the catalogue's ``items``, not one."""
    if not items:
        return []
    near: Near | None = None
    out: list[Finding] = []
    for path in list_files(rules_dir):
        name = display_path(path, base)
        try:
            data, lines = load_yaml(path, name, limit=LIST_FILE)
        except RuleError:
            continue  # (said where the lists are loaded)
        listed = data.get("items") if isinstance(data, dict) else None
        for index, item in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(item, str) or item in items:
                continue
            near = Near(items) if near is None else near
            meant = near.close(item, CLOSE)
            if meant is not None and not series(meant, item):
                line = line_of(lines, ("items", index))
                said = f"items[{index}]: {item!r} is not an item of the catalogue"
                out.append(Finding(name, line, "warning", f"{said} (did you mean {meant!r}?)"))
    return out


def viewed_in_findings(
    rules: list[CompiledRule],
    env: Environment,
    lists: Collection[str],
    snippets: Path,
    base: Path | None,
) -> list[Finding]:
    """A warning at each ``visitor.viewed_in.<name>`` (or ``['<name>']``) of a rule's snippet
    that names no list (each snippet read once)."""
    out: list[Finding] = []
    for name in dict.fromkeys(r.rule.snippet for r in rules if r.rule.snippet):
        try:
            assert env.loader is not None
            ast = env.parse(env.loader.get_source(env, name)[0])
        except TemplateError:
            continue  # (said where the snippet is loaded)
        for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
            key, inner = _key(node), getattr(node, "node", None)
            if inner is None or _key(inner) != "viewed_in" or not _of_visitor(inner):
                continue
            if isinstance(key, str) and key not in lists and key not in _READERS:
                known = ", ".join(sorted(lists)) or "none"
                out.append(Finding(
                    display_path(snippets / name, base), node.lineno, "warning",
                    f"visitor.viewed_in.{key}: there is no list {key!r} (data/{key}.yaml), so it "
                    f"fails for every visitor and the slot keeps its default (lists: {known})",
                ))  # fmt: skip
    return out


_READERS = frozenset({"get", "keys", "values", "items"})  # (a mapping's own methods)


def _key(node: nodes.Node) -> object:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value
    return None


def _of_visitor(node: nodes.Node) -> bool:
    inner = getattr(node, "node", None)
    return isinstance(inner, nodes.Name) and inner.name == "visitor"
