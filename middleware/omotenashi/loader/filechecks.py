"""``omotenashi check``: the folders' files. Slots the site's templates declare, snippets no
rule uses, and files in the rules folder that are never read (a rule file in a subfolder, or
named ``*.YAML``: left out without a word otherwise)."""

from __future__ import annotations

import re
from pathlib import Path

from omotenashi.engine.fits import RAW_TEXT, a_tag
from omotenashi.engine.html.fragment import TABLE_SLOTS
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.loader.findings import Finding
from omotenashi.loader.fingerprint import TEMPLATES
from omotenashi.rules.yamlsource import display_path

# a slot's name: any but what ends an attribute's value or starts a template's expression (i18n67:
# ASCII only, so a slot named ヒーロー was declared by no template)
_NAME = r"""([^\s"'<>=`{}\[\](),;]+)"""  # (nor a selector's ] ) , ; in a script: eye67)
_SLOT_IN_TEMPLATE = r"""\s*=\s*["']?""" + _NAME  # (after the attribute's name)
_INCLUDE = re.compile(r"""{%-?\s*(include|extends|import|from)\s+["']""")
_YAMLISH = (".yaml", ".yml")
LISTS = "data"  # rules/data/<name>.yaml: the editors' lists


def template_text(path: Path) -> str:
    """A template's text as a browser reads the page it makes: a byte-order mark, its
    ``<meta charset>``, else UTF-8 (i18n67: a Shift_JIS template's slots went unseen, a
    UTF-16 one was skipped); what that charset cannot read is U+FFFD."""
    from omotenashi.engine.charset import page_codec
    from omotenashi.errors import PageRefused

    raw = path.read_bytes()
    try:
        codec = page_codec(None, raw)
    except (PageRefused, LookupError):
        codec = "utf-8"
    return raw.decode(codec, errors="replace")


def declared_slots(templates: Path, attribute: str) -> set[str]:
    pattern = re.compile(re.escape(attribute) + _SLOT_IN_TEMPLATE)
    names: set[str] = set()
    for path in templates.rglob("*"):
        if path.is_file() and path.suffix in TEMPLATES:
            names.update(pattern.findall(template_text(path)))
    return names


VOID = "area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr"
# raw text (engine/fits.py's): a browser shows escaped text there as written (html51)
_NO_TEXT = f"{VOID}|{'|'.join(sorted(RAW_TEXT | TABLE_SLOTS))}"  # table parts: no text inside


def void_slots(templates: Path, attribute: str) -> dict[str, str]:
    """Slots the templates put on an element that holds no content (an ``<img>`` ...) or no
    text (a table part, ``<tr>`` ...): the name, and the tag of the first such element."""
    pattern = re.compile(
        rf"<({_NO_TEXT})(?=[\t\n\f\r />])[^<>]*?{re.escape(attribute)}"
        r"\s*=\s*[\"']?" + _NAME,
        re.I,
    )
    found: dict[str, str] = {}
    for path in sorted(templates.rglob("*")):
        if path.is_file() and path.suffix in TEMPLATES:
            for tag, name in pattern.findall(template_text(path)):
                found.setdefault(name, tag.lower())
    return found


_RAW = "a browser reads its content as raw text"


def filled_voids(rules: list[CompiledRule], voids: dict[str, str]) -> list[Finding]:
    """A warning at each text, snippet or recommendation rule whose slot the templates put on
    an element that holds no content, and each text rule whose slot they put on a table part:
    it never shows there."""
    out: list[Finding] = []
    for r in rules:
        rule = r.rule
        tag = voids.get(rule.slot or "")
        if tag in TABLE_SLOTS and rule.text is not None:
            said = (
                f"rule {r.id!r} puts text into the slot {rule.slot!r}, which the templates put "
                f"on a <{tag}>: a browser moves text there out of the table, so this rule never "
                "shows there (use a snippet of table cells or rows, or put the slot on a cell)"
            )
            out.append(Finding(r.file, r.line, "warning", said))
        elif tag is not None and tag not in TABLE_SLOTS and r.fills:
            out.append(
                Finding(
                    r.file,
                    r.line,
                    "warning",
                    f"rule {r.id!r} puts content into the slot {rule.slot!r}, which the templates "
                    f"put on {a_tag(tag)}: "
                    f"{_RAW if tag in RAW_TEXT else 'it holds no content'}, so this rule never "
                    "shows there "
                    "(use attrs: to change it, or put the slot on an element around it)",
                )
            )
    return out


def unused_snippets(snippets_dir: Path, used: set[str], base: Path | None) -> list[Finding]:
    """A warning at each snippet no rule uses and no snippet includes. Hidden files and
    folders are left out: an editor's swap file, a Kubernetes ConfigMap's ``..data`` folders
    (the snippets' own names are links into them)."""
    findings: list[Finding] = []
    if not snippets_dir.is_dir():
        return findings
    included: set[str] | None = None  # read once, when a snippet no rule uses is found
    for path in sorted(snippets_dir.rglob("*")):
        inside = path.relative_to(snippets_dir)
        name = inside.as_posix()
        hidden = any(p.startswith(".") for p in inside.parts)
        if hidden or not path.is_file() or name in used:
            continue
        included = _included(snippets_dir) if included is None else included
        if name not in included:
            shown = display_path(path, base)
            findings.append(Finding(shown, 1, "warning", f"no rule uses the snippet {name!r}"))
    return findings


def _included(snippets_dir: Path) -> set[str]:
    """What snippets' include, extends, import and from tags name, each file read once: every
    start of the text after the quote, as long as the longest snippet's name, so a name is
    included when it is in the set (as a search for the tag and the name would find it)."""
    files = [p for p in snippets_dir.rglob("*") if p.is_file()]
    longest = max((len(p.relative_to(snippets_dir).as_posix()) for p in files), default=0)
    out: set[str] = set()
    for path in files:
        text = path.read_text(errors="replace")
        for found in _INCLUDE.finditer(text):
            after = text[found.end() : found.end() + longest]
            out.update(after[:size] for size in range(1, len(after) + 1))
    return out


def ignored_files(rules_dir: Path, base: Path | None) -> list[Finding]:
    """A warning at each YAML file under ``rules_dir`` that no load reads, saying what would
    be read: rule files are ``rules/*.yaml`` or ``*.yml`` (lowercase), lists
    ``rules/data/*.yaml``; subfolders (but ``data``) and hidden files are not read."""
    out: list[Finding] = []
    for path in sorted(rules_dir.rglob("*")):
        inside = path.relative_to(rules_dir)
        if not path.is_file() or any(p.startswith(".") for p in inside.parts):
            continue
        suffix = path.suffix.lower()
        if suffix not in _YAMLISH:
            continue
        where = inside.parts[:-1]
        right: str | None = None
        if not where and path.suffix not in _YAMLISH:
            right = f"rule files end in .yaml or .yml, in lowercase: rename it to {path.stem}.yaml"
        elif where == (LISTS,) and path.suffix != ".yaml":
            right = f"lists end in .yaml: rename it to {path.stem}.yaml"
        elif len(where) > 1 and where[0] == LISTS:
            right = f"lists sit directly in {rules_dir / LISTS}: move it there"
        elif where and where[0] != LISTS:
            right = f"subfolders are not read: move it to {rules_dir / path.name}"
        if right is not None:
            shown = display_path(path, base)
            out.append(Finding(shown, 1, "warning", f"this file is never read ({right})"))
    return out
