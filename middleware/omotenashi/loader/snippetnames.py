"""What a rule's snippet or text names that is not there, said where the editor fixes it: a
snippet an ``{% include %}``, ``{% import %}`` or ``{% extends %}`` names that no file is (it
fails for every visitor who reaches it: an error at the tag's line, with the closest snippet's
name), a value a rule's text reads (a text has only the visitor's fields), and the hints of
a snippet's own problems (``Renderer.problem``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import cast

from jinja2 import Environment, Template, TemplateNotFound, nodes
from jinja2.exceptions import TemplateAssertionError, TemplateSyntaxError

from omotenashi.engine.budget import STEPS_HINT, TEXT_HINT
from omotenashi.engine.render import VISITOR_FIELDS
from omotenashi.errors import RuleError, SnippetError, SnippetFileError
from omotenashi.loader.safescan import SAFE_HINT, SAFE_PROBLEM
from omotenashi.loader.snippetcycles import CYCLE_HINT, NEVER_ENDS, check_cycles
from omotenashi.loader.templatescan import BRINGS_IN
from omotenashi.rules.yamlsource import Loc, format_loc, line_of

TEXT = "text"  # the name a rule's text goes by in a SnippetError (said "the rule's text")
NO_SNIPPET = "which is no snippet"
UNSAFE_HINT = "a snippet reads its values: no internals (__x__), nothing that changes them"
HINTS = (
    ("unexpected '}'", "close the tag with }}"),
    ("expected token 'end of print statement'", "close the tag with }}"),
    ("unexpected end of template", "close every {% if %} and {% for %} with its {% end... %}"),
    (SAFE_PROBLEM, SAFE_HINT),
    ("is unsafe", UNSAFE_HINT),
    ("the file is not utf-8 text", "save it as UTF-8"),
    ("a snippet may have", "split it into several snippets"),
    ("loops more than", STEPS_HINT),
    ("makes text longer than", TEXT_HINT),
    ("characters of text in one render", TEXT_HINT),
    ("takes too long to render", "loop less and build less text"),
    (NO_SNIPPET, "name a snippet that exists (its path under the snippets folder)"),
    (NEVER_ENDS, CYCLE_HINT),
)
NAMED_USERS = 5  # rules a snippet's problem names; the rest are counted


def hint(reason: str, users: list[str]) -> str:
    """How to fix a snippet's own problem, and which rules wait for the fix."""
    fix = next((h for text, h in HINTS if text in reason.lower()), "")
    named = ", ".join(repr(u) for u in users[:NAMED_USERS])
    more = f" and {len(users) - NAMED_USERS} more" if len(users) > NAMED_USERS else ""
    used = f"used by rule{'s' if len(users) > 1 else ''} {named}{more}"
    return f"{fix}; {used}" if fix else used


def text_hint(reason: str) -> str:
    """How to fix a problem of a rule's own text."""
    if "is unsafe" in reason.lower():
        return UNSAFE_HINT.replace("a snippet", "a rule's text")
    return next((h for text, h in HINTS if text in reason.lower()), "") or (
        "a rule's text may use the visitor's fields ({{ visitor.name }}) and nothing else"
    )


def nearest(name: str, env: Environment, besides: str | None = None) -> str | None:
    """The existing snippet ``name`` likely means: itself with ``.html``, or the closest
    (never ``besides``: the snippet that names it, which cannot bring in itself)."""
    try:
        known = [t for t in env.list_templates() if t != besides]
    except (TypeError, OSError):  # (no loader: a rule's text)
        return None
    if f"{name}.html" in known:
        return f"{name}.html"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def not_found(name: str, env: Environment, besides: str | None = None) -> str:
    """The missing snippet ``name``, with the one likely meant: ``'nope.html', which is no
    snippet (did you mean 'note.html'?)``; ``besides``: the snippet naming it (not meant)."""
    close = nearest(name, env, besides)
    return f"{name!r}, {NO_SNIPPET}" + (f" (did you mean {close!r}?)" if close else "")


def check_brought_in(
    ast: nodes.Template, template: Template, parse: Callable[[str], nodes.Template | None]
) -> None:
    """SnippetError, located at the snippet and line, when the snippet (or one it brings in)
    includes, imports or extends by a written name a snippet that does not exist (``ignore
    missing`` aside; of a list of names, when none exists) or does not compile, or brings
    itself in (snippetcycles.py). A rule's text brings in none."""
    env = template.environment
    if env.loader is None:  # a rule's text: no snippets folder to read
        for node in ast.find_all(BRINGS_IN):
            said = "cannot bring in a snippet (include, import, extends)"
            raise SnippetError(TEXT, said) from TemplateAssertionError(said, node.lineno)
        return
    seen: set[str] = set()
    todo: list[tuple[str | None, nodes.Template]] = [(template.name, ast)]
    while todo:
        owner, tree = todo.pop()
        for node in tree.find_all(BRINGS_IN):
            named = cast(nodes.Expr, getattr(node, "template", None))
            consts = named.items if isinstance(named, (nodes.Tuple, nodes.List)) else [named]
            names = [c.value for c in consts if isinstance(c, nodes.Const)]
            if len(names) != len(consts) or not all(isinstance(n, str) for n in names):
                continue  # a name built while rendering: found missing only then
            there = [n for n in names if _exists(env, n)]
            if there:  # the one used: one that does not compile fails wherever it is reached
                _compiles(env, there[0])
            elif getattr(node, "ignore_missing", False):
                continue
            else:
                tag = type(node).__name__.lower().replace("fromimport", "import")
                said = f"its {{% {tag} %}} names {not_found(names[0], env, owner)}"
                where = TemplateAssertionError(said, node.lineno, owner)
                raise SnippetError(template.name or TEXT, said) from where
            for name in there:
                if name not in seen:
                    seen.add(name)
                    sub = parse(name)
                    todo.extend([(name, sub)] if sub is not None else [])
    check_cycles(ast, template, parse)


def _compiles(env: Environment, name: str) -> None:
    """SnippetError, located in the snippet ``name``, when it does not compile (as for a
    rule's own snippet: ``Renderer.snippet``), or cannot be read (too big, not UTF-8)."""
    try:
        env.get_template(name)
    except SnippetFileError:
        raise
    except TemplateSyntaxError as exc:
        raise SnippetError(name, f"does not compile: {exc}") from exc
    except Exception:  # (missing, unreadable: said where it is rendered, as before)
        return


def _exists(env: Environment, name: str) -> bool:
    try:
        env.get_template(name)
    except TemplateNotFound:
        return False
    except Exception:  # there, but unreadable: said where it is rendered
        return True
    return True


def text_problem(missing: str, file: str, lines: dict[Loc, int], loc: Loc) -> RuleError:
    """A value a rule's text reads: it is never given one (``with:`` goes with a snippet)."""
    where: Loc = (*loc, TEXT)
    problem = (
        f"the rule's text reads {missing!r}, which it is never given: it fails for every "
        "visitor (a rule's text has only the visitor's fields; with: goes with a snippet)"
    )
    close = difflib.get_close_matches(missing, VISITOR_FIELDS, n=1)
    if missing in VISITOR_FIELDS:
        fix = f"write {{{{ visitor.{missing} }}}}"
    elif close:
        fix = f"did you mean {{{{ visitor.{close[0]} }}}}?"
    else:
        fix = f"write the words themselves, or use a snippet and give {missing}: ... under with:"
    return RuleError(file, line_of(lines, where), format_loc(where), problem, fix)
