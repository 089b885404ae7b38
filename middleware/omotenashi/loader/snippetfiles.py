"""Snippet files as the sandbox reads them: refused like rule files when too big or not UTF-8
(named, with the line of the first bad byte), a leading byte-order mark dropped; and a snippet
compiled with every snippet it names, for the set in force to render them as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, Template, TemplateError, nodes
from jinja2.loaders import split_template_path

from omotenashi.engine.sandbox import BudgetedSandbox
from omotenashi.errors import SnippetError, SnippetFileError
from omotenashi.rules.yamlguard import MAX_FILE_BYTES


class SnippetLoader(FileSystemLoader):
    """Snippet files, without a leading byte-order mark (some editors save one); one that is
    too big or not UTF-8 is refused as a rule file would be (SnippetFileError)."""

    def get_source(self, environment: Environment, template: str) -> Any:
        path, size = Path(), 0
        for folder in self.searchpath:
            path = Path(folder, *split_template_path(template))
            size = path.stat().st_size if path.is_file() else 0
            if size > MAX_FILE_BYTES:
                reason = f"the file is {size} bytes, over the {MAX_FILE_BYTES} a snippet may have"
                raise SnippetFileError(template, reason, "split it into several snippets")
            if size:
                break
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1 if size else 1
            problem = "the file is not UTF-8 text"
            raise SnippetFileError(template, problem, "save it as UTF-8", line) from exc
        return source.removeprefix("\ufeff"), filename, uptodate


_NAMES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
_UNREADABLE = (TemplateError, SnippetError, OSError)


def brought_in(env: BudgetedSandbox, name: str) -> Template:
    """``env.get_template(name)``, with every snippet it names outright (include, import,
    extends, however deep) compiled now too, once per environment: the set in force renders
    them as they were when it loaded, also one that a branch reaches only for some visitors. A
    name built while rendering is read when first needed. One that cannot be read or compiled
    now (missing, not UTF-8, too big, a syntax error) is not an error here, the same on every
    load: it fails, as it always did, where a render reaches it."""
    top = env.get_template(name)
    todo = [] if name in env.brought_in else [top]
    env.brought_in.add(name)
    while todo:
        template = todo.pop()
        for other in _named(env, template):
            if other not in env.brought_in:
                env.brought_in.add(other)
                try:
                    todo.append(env.get_template(other))
                except _UNREADABLE:
                    pass
    return top


def _named(env: BudgetedSandbox, template: Template) -> list[str]:
    loader = env.loader
    if loader is None or template.name is None:
        return []
    try:
        ast = env.parse(loader.get_source(env, template.name)[0])
    except _UNREADABLE:
        return []
    out = []
    for node in ast.find_all(_NAMES):
        named = cast(nodes.Expr, getattr(node, "template", None))
        consts = named.items if isinstance(named, (nodes.Tuple, nodes.List)) else [named]
        for const in consts:
            if isinstance(const, nodes.Const) and isinstance(const.value, str):
                out.append(env.join_path(const.value, template.name))
    return out
