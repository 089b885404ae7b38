"""Differential test: the HTML scanner against lexbor on html5lib-tests' tree-construction pages.

For every whole document of html5lib-tests (parsed with scripting on, without <noscript>,
data-omo-* or NUL), lexbor (selectolax) is the oracle for what a browser builds, and the scanner
(``omotenashi.engine.html``: scan_page, parse_selector, Edit, apply_edits) is checked against it:

- selector rules: up to 60 selectors aimed at elements lexbor built (tags, :nth-of-type, [attr],
  #id, .class, child and descendant combinators). Where the scanner matches, an attributes-only
  edit on every match must leave lexbor's tree as it was but for the attribute, on exactly one
  element per match, and on exactly the elements lexbor's own ``css()`` selects (fewer is
  counted as ``sel-match-missed``: the rule then changes less, never something else);
- slots: ``data-omo-slot`` added to each start tag (up to 40) where lexbor puts it on one
  element and builds the same tree otherwise; the scanner must find that element or say why;
- on every matched element, with the bytes outside it unchanged: new content ("OMO",
  "<i>OMO</i>", and with the why note where the scanner says it may end the content) where
  personalise would put it, must give lexbor's tree with that element's content replaced; the
  why note after the element, where the scanner says it may follow, must add just the note.

Counts: ``*-ok`` applied and right; ``*-skip``/``*-skipped`` left alone, with the reasons
summarised (the scanner's own, offsets dropped); ``*-WRONG`` applied to the wrong extent;
``errors``: an exception or a "scanner error" skip. Exit status 1 if any item is wrong or any
error occurred, 2 if no test was found, else 0. ``--wrong FILE`` writes the wrong items and
errors as JSON lines (the document, the rule, the page and the edited page or the traceback).

The corpus is not in this repository; its last commit with tree-construction tests:

    git clone https://github.com/html5lib/html5lib-tests
    git -C html5lib-tests checkout 9329e64
    .venv/bin/python bench/html5lib_diff.py --corpus html5lib-tests [--wrong FILE]

``--only tests1.dat`` (or ``tests1.dat#12``) runs some documents; all of them take seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "middleware"))

from html5lib_corpus import (  # noqa: E402
    Doc,
    documents,
    elements,
    marked,
    parse,
    selectors_for,
    strip,
)
from omotenashi.engine.disclosure import FLOW  # noqa: E402
from omotenashi.engine.html import Edit, Target, apply_edits, parse_selector, scan_page  # noqa: E402
from omotenashi.engine.html.core import NOTE_FULL  # noqa: E402
from omotenashi.engine.html.fragment import PICKY, TABLE_SLOTS, broken  # noqa: E402

MARK = "data-omo-t"  # the attribute the checks put on targets
SLOT = "data-omo-slot"
INNERS = ("<i>OMO</i>", "OMO")
MAX_SLOTS = 40  # start tags tried as slots per document
NOTE_BARE_HTML = '<details class="omo-why"><summary>i</summary>why</details>'
NOTE_FULL_HTML = (
    '<details class="omo-why"><summary>i</summary>why'
    '<form method="post" action="/x"><button>no</button></form></details>'
)
OFFSET = re.compile(r" at offset \d+")


@dataclass
class Result:
    count: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # why something was left alone
    wrong: list[dict[str, Any]] = field(default_factory=list)  # wrong items and errors

    def bad(self, doc: Doc, what: str, label: str, **details: Any) -> None:
        self.wrong.append({"doc": doc.name, "what": what, "rule": label, **details})


def refused(t: Target, inner: str) -> str:
    """Why personalise would not put ``inner`` in ``t`` ("" if it would); mirrors
    engine/personalise.py (void targets, text in table parts, content the place breaks)."""
    if t.void:
        return "void"
    if "<" not in inner and t.tag in TABLE_SLOTS:
        return "text in table part"
    if (t.context or t.tag in PICKY) and broken(inner, t.tag, t.context) is not None:
        return "context"
    return ""


def expected_content(marked_page: str, index: int, inner: str) -> str:
    """lexbor's tree of ``marked_page`` with target ``index``'s content set to ``inner`` and
    data-omo-rule on it, serialised."""
    tree = parse(marked_page)
    node = next(n for n in marked(tree, MARK) if n.attrs[MARK] == str(index))
    node.attrs["data-omo-rule"] = "r"
    if node.tag != "template":
        node.inner_html = inner
        return str(strip(tree, MARK).html)
    # selectolax puts a <template>'s new content beside its content: splice it as text
    del node.attrs[MARK]
    outer = node.html
    start = outer[: outer.index(">") + 1]
    return str(strip(tree, MARK).html).replace(outer, start + inner + "</template>", 1)


def check_targets(
    doc: Doc, page: str, base: str, targets: Sequence[Target], kind: str, label: str, r: Result
) -> Any:
    """Attributes, content and after edits on ``targets`` of ``page`` (lexbor's tree ``base``);
    lexbor's tree of the page with every target marked, or None if marking it went wrong."""
    edits = [Edit(t, attrs={MARK: str(i)}) for i, t in enumerate(targets)]
    out, _ = apply_edits(page, edits)
    if targets and not out.startswith(page[: min(t.start for t in targets)]):
        r.bad(doc, f"{kind}: bytes before the targets changed", label)
    tree = parse(out)
    if strip(parse(out), MARK).html != base:
        r.bad(doc, f"{kind}: an attributes edit changed the tree", label, page=page, out=out)
        return None
    marks = Counter(n.attrs[MARK] for n in marked(tree, MARK))
    if cloned := [k for k, c in marks.items() if c > 1]:
        r.bad(doc, f"{kind}: an attribute lands on several elements", label, page=page, out=out)
    if missing := [i for i in range(len(targets)) if str(i) not in marks]:
        r.bad(doc, f"{kind}: a marked target is not in the tree", label, page=page, out=out)
    for i, t in enumerate(targets):
        if str(i) in cloned or i in missing:
            continue
        inners = list(INNERS)
        if t.note_in and t.tag in FLOW:
            note = NOTE_FULL_HTML if t.note_in == NOTE_FULL else NOTE_BARE_HTML
            inners.append("<i>OMO</i>" + note)
        for inner in inners:
            if why := refused(t, inner):
                r.count[f"{kind}:content-skip"] += 1
                r.reasons[why] += 1
                continue
            got, done = apply_edits(page, [Edit(t, inner=inner, attrs={"data-omo-rule": "r"})])
            if not done:
                r.count[f"{kind}:content-notapplied"] += 1
                continue
            if not (got.startswith(page[: t.start]) and got.endswith(page[t.close_start :])):
                r.bad(doc, f"{kind}: content: bytes outside the target changed", label)
            want = expected_content(out, i, inner)
            if parse(got).html == want:
                r.count[f"{kind}:content-ok"] += 1
            else:
                r.count[f"{kind}:content-WRONG"] += 1
                r.bad(doc, f"{kind}: content", label, tag=t.tag, inner=inner, page=page, out=got)
        if t.note_after:
            note = NOTE_FULL_HTML if t.note_after == NOTE_FULL else NOTE_BARE_HTML
            got, _ = apply_edits(page, [Edit(t, attrs={MARK: "x"}, after=note)])
            after = parse(got)
            notes = [n for n, _ in elements(after) if (n.attrs or {}).get("class") == "omo-why"]
            ok = len(notes) == 1
            if ok:
                notes[0].decompose()
                ok = strip(after, MARK).html == base
            if ok:
                r.count[f"{kind}:after-ok"] += 1
            else:
                r.count[f"{kind}:after-WRONG"] += 1
                r.bad(doc, f"{kind}: after", label, tag=t.tag, page=page, out=got)
    return tree


def scanned(doc: Doc, page: str, label: str, r: Result, selectors: Sequence[Any] = ()) -> Any:
    """scan_page's Scan, or None (an error counted) if it raised; "scanner error" skips too."""
    try:
        scan = scan_page(page, selectors=selectors)
    except Exception:  # noqa: BLE001
        r.bad(doc, "error: scan_page raised", label, trace=traceback.format_exc()[-600:])
        return None
    for s in scan.skipped:
        if "scanner error" in s.reason:
            r.bad(doc, "error: a scanner error skip", label, reason=s.reason)
    return scan


def check_selectors(doc: Doc, base_tree: Any, r: Result) -> None:
    page, base = doc.page, base_tree.html
    for text in selectors_for(base_tree):
        try:
            selector = parse_selector(text)
        except Exception:  # noqa: BLE001  (refused: the rule would be refused when loaded)
            r.count["sel-refused"] += 1
            continue
        scan = scanned(doc, page, text, r, [selector])
        if scan is None:
            continue
        if text not in scan.matches:
            r.count["sel-skipped"] += 1
            why = next((s.reason for s in scan.skipped if s.name == text), "?")
            r.reasons["sel: " + OFFSET.sub("", why)[:70]] += 1
            continue
        targets = [t for t in scan.matches[text] if not t.unsure]
        if unsure := len(scan.matches[text]) - len(targets):
            r.count["sel-unsure"] += unsure  # apply_edits leaves them alone
        try:
            tree = check_targets(doc, page, base, targets, "sel", text, r)
        except Exception:  # noqa: BLE001
            r.bad(doc, "error: check raised", text, trace=traceback.format_exc()[-600:])
            continue
        if tree is None:
            continue
        want = {n.mem_id for n in tree.css(text) if n.tag != "html"}
        got = {n.mem_id for n in marked(tree, MARK)}
        if want == got:
            r.count["sel-match-ok"] += 1
        elif got < want:
            r.count["sel-match-missed"] += 1
        else:
            r.count["sel-match-WRONG"] += 1
            r.bad(doc, "sel: match set", text, want=len(want), got=len(got), page=page)


def check_slots(doc: Doc, base: str, r: Result) -> None:
    page, tried = doc.page, 0
    for m in re.finditer(r"<([A-Za-z][^\t\n\f\r />]*)", page):
        if tried >= MAX_SLOTS:
            break
        page2 = page[: m.end()] + f' {SLOT}="s"' + page[m.end() :]
        tree2 = parse(page2)
        holders = marked(tree2, SLOT)
        if len(holders) != 1 or strip(parse(page2), SLOT).html != base:
            r.count["slot-ambiguous"] += 1  # lexbor drops, moves or clones the attribute
            continue
        if holders[0].tag == "html":
            continue
        tried += 1
        label = m.group(0)
        scan = scanned(doc, page2, label, r)
        if scan is None:
            continue
        slots = [t for t in scan.slots if t.name == "s"]
        if not slots:
            r.count["slot-skipped"] += 1
            why = next((s.reason for s in scan.skipped if s.name == "s"), "not found")
            r.reasons["slot: " + OFFSET.sub("", why)[:70]] += 1
            continue
        if len(slots) > 1:
            r.bad(doc, "slot: several targets", label, page=page2)
            continue
        try:
            tree = check_targets(doc, page2, tree2.html or "", slots, "slot", label, r)
        except Exception:  # noqa: BLE001
            r.bad(doc, "error: check raised", label, trace=traceback.format_exc()[-600:])
            continue
        if tree is None:
            continue
        found = marked(tree, MARK)
        if len(found) == 1 and SLOT in (found[0].attrs or {}):
            r.count["slot-element-ok"] += 1
        else:
            r.count["slot-WRONG-element"] += 1
            r.bad(doc, "slot: the wrong element", label, page=page2)


def run_doc(doc: Doc) -> Result:
    r = Result()
    if doc.skip:
        r.count["doc-skipped"] += 1
        r.reasons["doc: " + doc.skip] += 1
        return r
    r.count["docs"] += 1
    base_tree = parse(doc.page)
    check_selectors(doc, base_tree, r)
    check_slots(doc, base_tree.html or "", r)
    return r


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0] if __doc__ else None,
        epilog="The corpus: git clone https://github.com/html5lib/html5lib-tests && "
        "git -C html5lib-tests checkout 9329e64",
    )
    ap.add_argument("--corpus", type=Path, required=True, help="an html5lib-tests checkout")
    ap.add_argument("--wrong", type=Path, help="write wrong items and errors here (JSON lines)")
    ap.add_argument("--only", action="append", default=[], help="a .dat file or file.dat#N")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = ap.parse_args(argv)
    docs = list(documents(args.corpus, frozenset(args.only)))
    if not docs:  # exit status 2, not 1: nothing was checked
        ap.error(f"no tree-construction/*.dat test in {str(args.corpus)!r} (or --only)")
    total: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    wrong: list[dict[str, Any]] = []
    with Pool(args.jobs) as pool:
        for r in pool.imap_unordered(run_doc, docs, chunksize=4):
            total.update(r.count)
            reasons.update(r.reasons)
            wrong.extend(r.wrong)
    errors = sum(w["what"].startswith("error") for w in wrong)
    total["errors"] = errors
    total["wrong-items"] = len(wrong) - errors
    for key, value in sorted(total.items()):
        print(f"{key:30} {value}")
    print("--- why left alone (most common 40)")
    for reason, n in reasons.most_common(40):
        print(f"{n:6} {reason}")
    if args.wrong:
        with args.wrong.open("w", encoding="utf-8") as out:
            for w in sorted(wrong, key=lambda w: str(w["doc"])):
                out.write(json.dumps(w) + "\n")
    if wrong:
        print(f"FAIL: {total['wrong-items']} wrong, {errors} errors", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
