"""A misspelt name in a snippet, told apart from a misspelt ``with:`` key.

A rule whose ``with:`` passes a key its snippet does not use, near a name the snippet reads
and the rule does not give, has a typo on one side. When several rules pass that key and no
rule using the snippet passes the name it reads, the typo is the snippet's (``{{ cta_lable
}}`` with ``cta_label`` passed by every rule): one error at the snippet's file and line,
naming the rules that wait for the fix, instead of one per rule asking to break a good key.
Otherwise each rule's error stands, at its ``with:`` key.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from jinja2.exceptions import UndefinedError

from omotenashi.errors import RuleError, SnippetError
from omotenashi.loader.snippetframes import Frames
from omotenashi.rules.model import Rule
from omotenashi.rules.yamlsource import Loc, display_path, format_loc, line_of

_UNDEFINED = re.compile(r"'(\w+)' is undefined")
NAMED = 5  # rules the snippet's error names; the rest are counted
# A rule's own fields, as written: one under ``with:`` is a value for the snippet (qa60)
RULE_FIELDS = frozenset(f.alias or name for name, f in Rule.model_fields.items())


class WithTypos:
    """Collects, during one load, the rules' ``with:`` keys per snippet and the errors about
    a ``with:`` key near a name the snippet reads; :meth:`errors` words them at the end."""

    def __init__(self, snippets_dir: Path, base: Path | None) -> None:
        self.snippets_dir, self.base = snippets_dir, base
        self.frames = Frames(snippets_dir)
        self.passed: dict[str, set[str]] = {}  # snippet: every with: key its rules pass
        # (where the name is read, the name, the key passed): [(error, rule, its snippet)]
        self.held: dict[tuple[tuple[str, int] | None, str, str], list[tuple[RuleError, str, str]]]
        self.held = {}

    def saw(self, rule: Rule) -> None:
        """A rule of the set (every one with a snippet is told, failing or not)."""
        if rule.snippet:
            self.passed.setdefault(rule.snippet, set()).update(rule.with_)

    def hold(self, problem: RuleError, exc: SnippetError, rule: Rule, loc: Loc) -> bool:
        """Whether ``problem`` (``exc`` met loading ``rule`` at ``loc``) is about a ``with:``
        key near a name the snippet reads: then it is kept, for :meth:`errors`."""
        cause = exc.__cause__
        found = _UNDEFINED.fullmatch(str(cause)) if isinstance(cause, UndefinedError) else None
        if found is None or not rule.snippet:
            return False
        key = next((k for k in rule.with_ if problem.field == format_loc((*loc, "with", k))), None)
        if key is None:
            return False
        where = self.frames.located(cause)
        self.held.setdefault((where, found.group(1), key), []).append(
            (problem, rule.id, rule.snippet)
        )
        return True

    def errors(self) -> list[RuleError]:
        """The kept errors: once at the snippet where its typo is plain, else each rule's."""
        out: list[RuleError] = []
        for (where, name, key), group in self.held.items():
            snippets = {snippet for _, _, snippet in group}
            passed = set().union(*(self.passed.get(s, set()) for s in snippets))
            if len(group) < 2 or name in passed:
                out += [problem for problem, _, _ in group]
                continue
            snippet, line = where or (sorted(snippets)[0], 1)
            shown = display_path(self.snippets_dir / snippet, self.base)
            ids = [rule_id for _, rule_id, _ in group]
            named = ", ".join(repr(i) for i in ids[:NAMED])
            more = f" and {len(ids) - NAMED} more" if len(ids) > NAMED else ""
            out.append(
                RuleError(
                    shown,
                    line,
                    "",
                    f"uses {name!r}, which no rule passes; the {len(ids)} rules using it pass "
                    f"{key!r}",
                    f"did you mean {key!r}? fix the snippet; used by rules {named}{more}",
                )
            )
        return out


def with_problem(
    snippet: str,
    missing: str,
    rule: Rule,
    used: frozenset[str],
    file: str,
    lines: dict[Loc, int],
    loc: Loc,
) -> RuleError:
    """A value the snippet needs and ``with:`` does not give (``used``: the names the snippet
    reads): a misspelt key, if one is near."""
    unused = [k for k in rule.with_ if k not in used]
    near = difflib.get_close_matches(missing, unused, n=1)
    if near:
        where: Loc = (*loc, "with", near[0])
        # (one rule: which side is misspelt is not known; both fixes said: editor63)
        problem = f"the snippet {snippet} reads {missing!r}, not {near[0]!r}"
        hint = (
            f"it needs {missing!r}: one of the two is misspelt; write {missing!r} here, or "
            f"{near[0]!r} in the snippet"
        )
    else:
        where = (*loc, "with") if rule.with_ else (*loc, "snippet" if rule.snippet else "text")
        problem = f"the snippet {snippet} needs {missing!r}, which with: does not give"
        hint = f"add {missing}: ... under with:"
    return RuleError(file, line_of(lines, where), format_loc(where), problem, hint)


def slipped(
    rule: Rule, used: frozenset[str], file: str, lines: dict[Loc, int], loc: Loc
) -> RuleError | None:
    """A rule's own field (``when:``, ``cap:``, ``priority:`` ...) indented under ``with:``,
    where it is a value the snippet never reads (``used``) and the rule goes without it: its
    ``when:`` there showed it to every visitor, and no check said a word (qa60)."""
    key = next((k for k in rule.with_ if k in RULE_FIELDS and k not in used), None)
    if key is None:
        return None
    where: Loc = (*loc, "with", key)
    return RuleError(
        file,
        line_of(lines, where),
        format_loc(where),
        f"{key!r} is under with: (a value for the snippet, which never reads it), so the "
        f"rule has no {key}: of its own",
        f"indent {key}: as far as with:, to make it the rule's",
    )
