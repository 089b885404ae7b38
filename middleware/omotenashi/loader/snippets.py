"""Snippets and copy, compiled once through Jinja2's sandbox (autoescaped) when the rules load."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from omotenashi.engine.render import render
from omotenashi.errors import SnippetError
from omotenashi.loader.copytext import SimpleCopy, parse_simple


class Renderer:
    """Owns the sandboxed Jinja2 environment over the snippets folder."""

    def __init__(self, snippets_dir: Path) -> None:
        self.snippets_dir = snippets_dir
        self.env = SandboxedEnvironment(
            autoescape=True,
            loader=FileSystemLoader(str(snippets_dir)),
            undefined=StrictUndefined,  # a missing value fails the snippet, never prints blanks
            auto_reload=True,
            keep_trailing_newline=False,
        )
        # Copy is plain text: rendered without markup, then escaped as a whole.
        self.text_env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
        self._copies: dict[str, Template] = {}
        self._asts: dict[tuple[str, str], nodes.Template | None] = {}

    def renewed(self) -> Renderer:
        """A renderer for the next load of the rules: the same Jinja environments (whose cache
        notices an edited snippet by its modification time), so snippets nobody edited are not
        compiled again, and empty caches of copy and parsed snippets."""
        fresh = object.__new__(Renderer)
        fresh.snippets_dir, fresh.env, fresh.text_env = self.snippets_dir, self.env, self.text_env
        fresh._copies, fresh._asts = {}, {}
        return fresh

    def snippet(self, name: str) -> Template:
        """The compiled snippet ``name``, or SnippetError saying why it cannot be used."""
        try:
            return self.env.get_template(name)
        except TemplateError as exc:
            reason = (
                f"not found in {self.snippets_dir}"
                if exc.__class__.__name__ == ("TemplateNotFound")
                else f"does not compile: {exc}"
            )
            raise SnippetError(name, reason) from exc

    def copy(self, text: str) -> Template:
        """Plain copy, compiled once; ``{{ visitor.name }}`` and the like are allowed.

        Text with at most simple ``{{ field }}`` substitutions skips Jinja (copytext.py);
        identical texts share one compiled template."""
        simple = parse_simple(text)
        if simple is not None:
            return cast(Template, simple)
        compiled = self._copies.get(text)
        if compiled is None:
            try:
                compiled = self._copies[text] = self.text_env.from_string(text)
            except TemplateError as exc:
                raise SnippetError("text", f"does not compile: {exc}") from exc
        return compiled

    def _ast(self, template: Template, text: str | None = None) -> nodes.Template | None:
        key = ("text", text) if text is not None else ("snippet", template.name or "")
        if key not in self._asts:  # one parse per snippet or text, however many rules use it
            self._asts[key] = self._parse(template, text)
        return self._asts[key]

    def _parse(self, template: Template, text: str | None = None) -> nodes.Template | None:
        try:
            if text is not None:
                return self.text_env.parse(text)
            if template.name is None:
                return None
            source = self.env.loader.get_source(self.env, template.name)[0]  # type: ignore[union-attr]
            return self.env.parse(source)
        except TemplateError:
            return None

    def uses_name(self, template: Template, text: str | None = None) -> bool:
        """Whether the output can contain the visitor's name (includes count as yes)."""
        if isinstance(template, SimpleCopy):
            return template.uses_name
        ast = self._ast(template, text)
        if ast is None:
            return text is None
        if any(ast.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport))):
            return True
        for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
            target = getattr(node, "node", None)
            arg = getattr(node, "arg", None)
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(arg, "value", None)
            if isinstance(target, nodes.Name) and target.name == "visitor" and key == "name":
                return True
        return False

    def prerender(self, template: Template, values: Mapping[str, Any]) -> str | None:
        """The output now, when it cannot depend on the visitor; else None.

        A snippet that never mentions ``visitor`` (and includes nothing) renders the same for
        everyone, so it is rendered once when the rules load rather than on every page.
        """
        if isinstance(template, SimpleCopy):  # plain copy: once, unless it names the visitor
            if any(head == "visitor" for head, _ in template.fields):
                return None
            try:
                return render(template, values, {})
            except SnippetError:  # a value it lacks: the request says so, as for Jinja copy
                return None
        if template.name is None:
            return None  # copy: tiny, and usually personal
        ast = self._ast(template)
        if ast is None:
            return None
        if any(ast.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport))):
            return None
        if "visitor" in meta.find_undeclared_variables(ast):
            return None
        return render(template, values, {})
