"""The html5lib-tests tree-construction documents and lexbor tree helpers for html5lib_diff.py.

A ``.dat`` file holds tests separated by ``#data`` lines; each test has sections (``#data``,
``#errors``, ``#document``, ``#document-fragment``, ``#script-off`` ...). Only whole documents
parsed with scripting on are used: the scanner reads whole pages, as a browser with scripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from selectolax.lexbor import LexborHTMLParser

Node = Any  # selectolax.lexbor.LexborNode (selectolax ships no type hints)

SECTIONS = frozenset(
    "data errors new-errors document document-fragment script-on script-off".split()
)
SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # a name usable as is in a CSS selector
MAX_SELECTORS = 60  # per document


class Doc(NamedTuple):
    name: str  # "tests1.dat#12": the file and the test's index in it
    page: str  # the #data section
    skip: str  # why the document is not used ("" when it is)


def read_dat(path: Path) -> list[dict[str, str]]:
    """The tests of one ``.dat`` file, each as {section name: its text}."""
    tests: list[dict[str, str]] = []
    text = path.read_text(encoding="utf-8")
    for chunk in re.split(r"\n(?=#data\n)", "\n" + text):
        if not chunk.strip():
            continue
        sections: dict[str, str] = {}
        current: str | None = None
        lines: list[str] = []
        for line in chunk.strip("\n").split("\n"):
            if line.startswith("#") and line[1:] in SECTIONS:
                if current is not None:
                    sections[current] = "\n".join(lines)
                current, lines = line[1:], []
            else:
                lines.append(line)
        if current is not None:
            sections[current] = "\n".join(lines)
        tests.append(sections)
    return tests


def why_not(test: dict[str, str]) -> str:
    """Why a test is not a document to check ("" when it is)."""
    if "data" not in test:
        return "no #data"
    if "document-fragment" in test:
        return "a fragment"
    if "script-off" in test:
        return "parsed with scripting off"
    page = test["data"]
    if re.search("noscript", page, re.I):  # lexbor parses <noscript> as with scripting off
        return "has <noscript>"
    if "data-omo" in page:  # the checks add data-omo-* attributes of their own
        return "has data-omo-*"
    if "\x00" in page:
        return "has a NUL"
    return ""


def documents(corpus: Path, only: frozenset[str] = frozenset()) -> Iterator[Doc]:
    """Every tree-construction test of ``corpus`` (an html5lib-tests checkout), in order;
    with ``only``, those whose file name ("tests1.dat") or name ("tests1.dat#12") is in it."""
    for path in sorted((corpus / "tree-construction").glob("*.dat")):
        for k, test in enumerate(read_dat(path)):
            name = f"{path.name}#{k}"
            if only and path.name not in only and name not in only:
                continue
            yield Doc(name, test.get("data", ""), why_not(test))


def parse(page: str) -> LexborHTMLParser:
    return LexborHTMLParser(page)


def elements(tree: LexborHTMLParser) -> list[tuple[Node, Node | None]]:
    """Every element of ``tree`` with its parent element (None for the root), in tree order."""
    out: list[tuple[Node, Node | None]] = []
    stack: list[tuple[Node, Node | None]] = [(tree.root, None)]
    while stack:
        node, parent = stack.pop()
        if not node.is_element_node:
            continue
        out.append((node, parent))
        kids = []
        child = node.child
        while child is not None:
            kids.append((child, node))
            child = child.next
        stack.extend(reversed(kids))
    return out


def marked(tree: LexborHTMLParser, attr: str) -> list[Node]:
    """The elements of ``tree`` that have ``attr``."""
    return [n for n, _ in elements(tree) if n.attrs and attr in n.attrs]


def strip(tree: LexborHTMLParser, attr: str) -> LexborHTMLParser:
    """``tree`` with ``attr`` removed from every element."""
    for node in marked(tree, attr):
        del node.attrs[attr]
    return tree


def selectors_for(tree: LexborHTMLParser) -> list[str]:
    """Up to MAX_SELECTORS selectors aimed at the elements lexbor built: each tag name and
    its first three :nth-of-type, [attribute], #id, .class, and parent > child, parent child,
    grandparent child (names that need no escaping only)."""
    found: dict[str, None] = {}  # (ordered)
    seen_tags: dict[str, int] = {}

    def add(selector: str) -> None:
        if len(found) < MAX_SELECTORS:
            found.setdefault(selector, None)

    for node, parent in elements(tree):
        tag = node.tag
        if not SIMPLE.match(tag):
            continue
        seen_tags[tag] = seen_tags.get(tag, 0) + 1
        add(tag)
        for k in range(1, min(seen_tags[tag], 3) + 1):
            add(f"{tag}:nth-of-type({k})")
        for name, value in (node.attrs or {}).items():
            if SIMPLE.match(name):
                add(f"[{name}]")
            if name == "id" and value and SIMPLE.match(value):
                add(f"#{value}")
            if name == "class" and value:
                for cls in value.split():
                    if SIMPLE.match(cls):
                        add(f".{cls}")
        if parent is not None and SIMPLE.match(parent.tag):
            add(f"{parent.tag} > {tag}")
            add(f"{parent.tag} {tag}")
            grand = parent.parent
            if grand is not None and grand.is_element_node and SIMPLE.match(grand.tag):
                add(f"{grand.tag} {tag}")
    return list(found)
