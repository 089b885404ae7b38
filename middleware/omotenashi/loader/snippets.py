"""Snippets and copy, compiled once through Jinja2's immutable sandbox (autoescaped) when the
rules load. Refused, with the file and line to fix (:meth:`Renderer.problem`), rather than left
to fail on every page: a snippet that does not compile, names a field the visitor does not
have or marks its data safe, or needs on every render a value ``with:`` does not give (a
misspelt key included). One that merely fails for a sample visitor is a warning
(:meth:`Renderer.sample_problem`): the visitors its rules show to may all differ from it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from jinja2 import BaseLoader, Template, TemplateError, meta, nodes
from jinja2.exceptions import (
    SecurityError,
    TemplateAssertionError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)

from omotenashi.engine.render import SnippetUndefined, not_a_field, render
from omotenashi.engine.sandbox import BudgetedSandbox, sample_render
from omotenashi.errors import RuleError, SnippetError, SnippetFileError, SnippetLimitError
from omotenashi.loader import snippetlife
from omotenashi.loader.copyfields import check_simple
from omotenashi.loader.copytext import SimpleCopy, parse_simple
from omotenashi.loader.namecap import prints_name
from omotenashi.loader.safescan import check_safe
from omotenashi.loader.snippetfiles import SnippetLoader, brought_in
from omotenashi.loader.snippetframes import Frames
from omotenashi.loader.snippethtml import BrokenMarkup, checked_render
from omotenashi.loader.snippetnames import TEXT, check_brought_in, nearest, text_hint, text_problem
from omotenashi.loader.snippetnames import hint as _hint
from omotenashi.loader.snippetplaces import MARKED, SAMPLE_ITEMS, SAMPLE_SAID, refused, unsafe_place
from omotenashi.loader.snippetplaces import (
    SAMPLE_VISITOR as SAMPLE_VISITOR,  # (loader/snippetplaces.py)
)
from omotenashi.loader.templatescan import BRINGS_IN, every_name, needed, rebound
from omotenashi.loader.withtypos import with_problem
from omotenashi.rules.model import Rule
from omotenashi.rules.yamlsource import Loc, display_path, format_loc, line_of

_UNDEFINED = re.compile(r"'(\w+)' is undefined")
_READERS = frozenset({"get", "keys", "values", "items"})  # ``visitor.get('name')`` reads
# Failures that refuse a snippet even when met with a sample visitor: the sandbox said no, the
# render went past its budget, or a snippet it brings in cannot be read.
_REFUSED = (SecurityError, SnippetLimitError, SnippetFileError)


class SampleFailure(SnippetError):
    """Failed for the sample visitor only: a warning (its rules' visitors may all differ)."""


class Renderer:
    """Owns the sandboxed Jinja2 environment over the snippets folder."""

    def __init__(self, snippets_dir: Path) -> None:
        self.snippets_dir = snippets_dir
        # Immutable: a snippet can read what it is given, never change it (``cart.append``).
        self.env = BudgetedSandbox(
            autoescape=True,
            loader=SnippetLoader(str(snippets_dir)),
            undefined=SnippetUndefined,  # a missing value fails the snippet, never prints blanks
            # The snippets as loaded, included ones too: an edit is read by the next load, in a
            # fresh environment (loader/reload.py); a refused one stays out. 2,048 are kept:
            auto_reload=False,
            cache_size=2048,  # the least used past that are read again when needed
            keep_trailing_newline=False,
        )
        # Copy is plain text: rendered without markup, then escaped as a whole.
        self.text_env = BudgetedSandbox(autoescape=False, undefined=SnippetUndefined)
        self._copies: dict[str, Template] = {}
        self._asts: dict[tuple[str, str], nodes.Template | None] = {}
        self.reported: dict[tuple[str, int, str], tuple[RuleError, list[str]]] = {}
        self._fine: set[int] = set()  # ids of the kept asts whose visitor fields all exist
        self._tried: set[int] = set()  # ids of the kept asts of copy that rendered for a sample
        self._undeclared: dict[int, frozenset[str]] = {}  # by the id of a kept ast
        self._every: dict[int, frozenset[str] | None] = {}  # ... and what it brings in
        self._needs: dict[int, frozenset[str]] = {}  # templatescan.needed, by a kept ast's id
        self._placed: dict[int, tuple[str, str] | None] = {}  # unsafe_place, by ast id (no with:)
        self._frames = Frames(snippets_dir)  # where a problem is (snippetframes.py)
        self.life = snippetlife.use(self)  # its templates freed once let go of

    def renewed(self) -> Renderer:
        """For the next load when no snippet file changed since this one's (loader/reload.py):
        the same Jinja environments (nothing compiled again), empty caches of copy and asts."""
        fresh = object.__new__(Renderer)
        fresh.snippets_dir, fresh.env, fresh.text_env = self.snippets_dir, self.env, self.text_env
        fresh._copies, fresh._asts, fresh.reported = {}, {}, {}
        fresh._fine, fresh._undeclared, fresh._needs, fresh._tried = set(), {}, {}, set()
        fresh._placed, fresh._every = {}, {}
        fresh.life = snippetlife.use(fresh)
        fresh._frames = Frames(self.snippets_dir)
        return fresh

    def snippet(self, name: str) -> Template:
        """The compiled snippet ``name``, or SnippetError saying why it cannot be used."""
        try:
            return brought_in(self.env, name)
        except TemplateError as exc:
            reason = (
                f"not found in {self.snippets_dir.absolute()}"
                if isinstance(exc, TemplateNotFound)
                else f"does not compile: {exc}"
            )
            raise SnippetError(name, reason) from exc

    def copy(self, text: str) -> Template:
        """Plain copy, compiled once; ``{{ visitor.name }}`` and the like are allowed.

        Text with at most simple ``{{ field }}`` substitutions skips Jinja (copytext.py);
        identical texts share one compiled template."""
        simple = parse_simple(text)
        if simple is not None:
            check_simple(simple, self.text_env.globals)
            return cast(Template, simple)
        compiled = self._copies.get(text)
        if compiled is None:
            try:
                compiled = self.text_env.from_string(text)
            except TemplateError as exc:
                raise SnippetError(TEXT, f"does not compile: {exc}") from exc
            ast = self._ast(compiled, text)
            if ast is not None:
                self._visitor_fields(ast, compiled)
            self._copies[text] = compiled
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
            loader = cast(BaseLoader, self.env.loader)
            return self.env.parse(loader.get_source(self.env, template.name)[0])
        except (TemplateError, SnippetError):
            return None

    def uses_name(self, template: Template, text: str | None = None) -> bool:
        """Whether the output can contain the visitor's name (includes count as yes)."""
        if isinstance(template, SimpleCopy):
            return template.uses_name
        ast = self._ast(template, text)
        if ast is None:
            return text is None
        return prints_name(ast)

    def reads(self, template: Template, text: str | None = None) -> frozenset[str] | None:
        """Every name a snippet or copy may read from its context (through what it includes,
        imports or extends too); None when that cannot be known."""
        if isinstance(template, SimpleCopy):
            return frozenset(head for head, _ in template.fields)
        ast = self._ast(template, text)
        if ast is not None and id(ast) not in self._every:  # once per snippet or copy
            self._every[id(ast)] = every_name(ast, self._included, self._names)
        return self._every[id(ast)] if ast is not None else None

    def prerender(
        self, template: Template, values: Mapping[str, Any], text: str | None = None
    ) -> str | None:
        """The output now, when it cannot depend on the visitor; else None.

        A snippet that never mentions ``visitor`` (and includes nothing) renders the same for
        everyone, so it is rendered once when the rules load rather than on every page. One that
        does is tried with :data:`SAMPLE_VISITOR`: SnippetError when it names a field the
        visitor does not have or needs a value ``with:`` lacks; SampleFailure when it fails
        only for the sample (``{{ messages[visitor.stage] }}`` for a rule on later stages).
        """
        if isinstance(template, SimpleCopy):  # plain copy: once, unless it names the visitor
            if any(head == "visitor" for head, _ in template.fields):
                return None
            try:
                return render(template, values, {})
            except SnippetError:  # a value it lacks: the request says so, as for Jinja copy
                return None
        if template.name is None:  # copy (``text``): tried as a snippet is, kept unrendered
            ast = self._ast(template, text) if text is not None else None
            if ast is not None and id(ast) not in self._tried:  # once per text
                self._try(template, ast, {})
                self._tried.add(id(ast))
            return None
        ast = self._ast(template)
        if ast is None:
            return None
        self._visitor_fields(ast, template)
        brings_in = any(ast.find_all(BRINGS_IN))
        if not brings_in and "visitor" not in self._names(ast):
            with sample_render():  # bounded (budget.py), and a wall clock as a guard
                return checked_render(template, values, {})  # the same for everyone, good or bad
        self._try(template, ast, values)
        return None

    def _try(self, template: Template, ast: nodes.Template, values: Mapping[str, Any]) -> None:
        """Renders ``template`` for :data:`SAMPLE_VISITOR` (see :meth:`prerender`)."""
        needs = self._needs.get(id(ast))
        if needs is None:  # once per snippet, however many rules use it
            needs = self._needs[id(ast)] = needed(ast, self._included)
        lacking = sorted(needs - {*values, *template.environment.globals, "visitor"})
        try:
            with sample_render():
                checked_render(template, values, SAMPLE_VISITOR)  # what it brings in too
                known = not values and id(ast) in self._placed  # (once a snippet: rules share it)
                place: tuple[str, str] | None = (
                    self._placed[id(ast)]
                    if known
                    else unsafe_place(checked_render(template, values, MARKED))  # its text's place
                )
                if not values:
                    self._placed[id(ast)] = place
            if place is not None:  # (inject52)
                raise refused(template.name or TEXT, place)
        except BrokenMarkup:  # broken HTML for the sample visitor: an error, not a warning
            raise
        except SnippetError as exc:
            cause = exc.__cause__
            if isinstance(cause, TemplateSyntaxError):  # one it brings in: for everyone
                raise SnippetError(cause.name or TEXT, f"does not compile: {cause}") from cause
            certain = lacking and isinstance(cause, UndefinedError)  # read on every render
            if certain or isinstance(cause, _REFUSED) or self._misspelt_with(exc, ast, values):
                raise  # certain to fail for everyone, unsafe, too big, or a misspelt with: key
            raise SampleFailure(exc.snippet, exc.reason) from cause
        if lacking:  # read on every render, whoever the visitor: certain to fail
            said = f"'{lacking[0]}' is undefined"
            raise SnippetError(template.name or TEXT, said) from UndefinedError(said)
        return None

    def _included(self, name: str) -> nodes.Template | None:
        try:
            return self._ast(self.env.get_template(name))
        except (TemplateError, SnippetError):
            return None

    def check_fields(self, template: Template) -> None:
        """SnippetError when the snippet names a field the visitor does not have (for the
        snippets of recommend rules, not rendered at load: their items differ per visitor)."""
        if not isinstance(template, SimpleCopy) and template.name is not None:
            ast = self._ast(template)
            if ast is not None:
                self._visitor_fields(ast, template)
            if ast is not None and id(ast) not in self._placed:  # where the visitor's text lands,
                try:  # for one sample item (eye52c: these snippets were never tried)
                    with sample_render():
                        out = render(template, {"items": SAMPLE_ITEMS}, MARKED)
                except Exception:  # (what fails for the sample: said per page, as ever)
                    out = ""
                self._placed[id(ast)] = place = unsafe_place(out)
                if place is not None:
                    raise refused(template.name, place)

    def _misspelt_with(
        self, exc: SnippetError, ast: nodes.Template, values: Mapping[str, Any]
    ) -> bool:
        """Whether the value a render missed is near a ``with:`` key the snippet never uses."""
        cause = exc.__cause__
        missing = _UNDEFINED.fullmatch(str(cause)) if isinstance(cause, UndefinedError) else None
        if missing is None or missing.group(1) in values:
            return False
        unused = [k for k in values if k not in self._names(ast)]
        return bool(difflib.get_close_matches(missing.group(1), unused, n=1))

    def _names(self, ast: nodes.Template) -> frozenset[str]:
        """The names a snippet reads from its context, once per snippet (Jinja compiles it
        again to find them: about a millisecond)."""
        names = self._undeclared.get(id(ast))
        if names is None:
            names = self._undeclared[id(ast)] = frozenset(meta.find_undeclared_variables(ast))
        return names

    def _visitor_fields(self, ast: nodes.Template, template: Template) -> None:
        """SnippetError for the first ``visitor.x`` (or ``visitor['x']``) that is no field."""
        if id(ast) in self._fine:  # asts are kept: one look
            return
        check_safe(ast, template, self._included, bound := rebound(ast))  # safescan.py
        check_brought_in(ast, template, self._included)  # missing, broken, loops (snippetnames)
        if "visitor" in bound:
            return  # a loop variable, macro parameter or {% set %} named visitor: not ours
        for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
            target = getattr(node, "node", None)
            arg = getattr(node, "arg", None)
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(arg, "value", None)
            if not (isinstance(target, nodes.Name) and target.name == "visitor"):
                continue
            if isinstance(key, str) and key not in SAMPLE_VISITOR and key not in _READERS:
                name = template.name or TEXT
                where = TemplateAssertionError(not_a_field(key), node.lineno, template.name)
                raise SnippetError(name, not_a_field(key)) from where
        self._fine.add(id(ast))

    def problem(
        self,
        exc: SnippetError,
        rule: Rule,
        file: str,
        lines: dict[Loc, int],
        loc: Loc,
        base: Path | None,
    ) -> RuleError | None:
        """Where an editor fixes ``exc``, met loading ``rule`` (at ``loc`` in ``file``): a value
        ``with:`` lacks, at ``with:``; a problem inside a snippet, once at the snippet's file and
        line, naming the rules that use it (None for the second rule on: already reported);
        else at the rule's ``snippet:`` or ``text:``."""
        field_name = "snippet" if rule.snippet else "text"
        cause = exc.__cause__
        missing = _UNDEFINED.fullmatch(str(cause)) if isinstance(cause, UndefinedError) else None
        located = self._frames.located(exc if isinstance(exc, SnippetFileError) else cause)
        if missing is not None and rule.snippet is None:  # a rule's text is given no values
            return text_problem(missing.group(1), file, lines, loc)
        if missing is not None and missing.group(1) not in rule.with_:
            via = located[0] if located and located[0] != exc.snippet else None
            snippet = f"{exc.snippet!r}" + (f" (through {via!r})" if via else "")
            read = self.reads(self.snippet(rule.snippet)) if rule.snippet else None
            used = read if read is not None else frozenset()
            problem = with_problem(snippet, missing.group(1), rule, used, file, lines, loc)
            if located is not None and problem.hint.startswith("it needs"):  # where, to judge
                at = display_path(self.snippets_dir / located[0], base)
                problem.hint = problem.hint.replace("it needs", f"{at}:{located[1]} needs", 1)
            return problem
        if located is None:
            if isinstance(cause, TemplateNotFound) and rule.snippet:
                close = nearest(rule.snippet, self.env)
                fix = f"did you mean {close!r}?" if close else "name a snippet that exists"
            elif rule.snippet:
                fix = "fix the snippet, or give the rule what it needs under with:"
            else:
                fix = text_hint(exc.reason)
            where = (*loc, field_name)
            return RuleError(file, line_of(lines, where), format_loc(where), str(exc), fix)
        name, line = located
        key = (name, line, exc.reason)
        known = self.reported.get(key)
        if known is not None:
            known[1].append(rule.id)
            known[0].hint = _hint(exc.reason, known[1])
            return None
        shown = display_path(self.snippets_dir / name, base)
        error = RuleError(shown, line, "", exc.reason, _hint(exc.reason, [rule.id]))
        self.reported[key] = (error, [rule.id])
        return error

    def sample_problem(
        self,
        exc: SampleFailure,
        rule: Rule,
        file: str,
        lines: dict[Loc, int],
        loc: Loc,
        base: Path | None,
    ) -> RuleError | None:
        """The warning for a snippet that failed for the sample visitor: once per snippet
        and line (None after), at the snippet when the failure is located in it."""
        located = self._frames.located(exc.__cause__) if rule.snippet else None
        key = (*(located or (exc.snippet, 0)), f"sample: {exc.reason}")
        key = key if rule.snippet else (file, -1, f"sample: {loc} {exc.reason}")  # its own
        if key in self.reported:
            self.reported[key][1].append(rule.id)
            return None
        what = f"the snippet {exc.snippet!r}" if rule.snippet else "the rule's text"
        problem = (
            f"with a sample visitor ({SAMPLE_SAID}) {what} {exc.reason}; rule {rule.id!r} is kept"
        )
        hint = (
            "fine if no visitor the rule shows to is like that; otherwise a visitor who is sees "
            "the slot's default"
        )
        if located is not None:
            shown = display_path(self.snippets_dir / located[0], base)
            error = RuleError(shown, located[1], "", problem, hint)
        else:
            where = (*loc, "snippet" if rule.snippet else TEXT)
            error = RuleError(file, line_of(lines, where), format_loc(where), problem, hint)
        self.reported[key] = (error, [rule.id])
        return error
