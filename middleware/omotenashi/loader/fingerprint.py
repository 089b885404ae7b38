"""What a reload looks at: the rule and snippet files' names, sizes, times and inodes
(loader/reload.py compares one look with the next)."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from itertools import islice
from pathlib import Path

Entry = tuple[str, int, int, int, int]  # path, size, modified and changed (ns), inode
Seen = tuple[Entry, ...]  # fingerprint's
# What a load may read (rules, lists, journey, catalogue, snippets): a file named otherwise
# that changes at every look (a log, a cache) is let be; one named so loads as it changes
TEMPLATES = (".html", ".htm", ".jinja", ".j2", ".jinja2")  # snippets and app templates
READ = (".yaml", ".yml", ".json", ".csv", *TEMPLATES)
INCLUDED = TEMPLATES  # what an include may name, hidden too
#: Entries (files and folders) looked at through links out of a folder, per look: a snippets
#: folder with ``assets -> /usr`` in it would be 124,446 files a look (eye54)
OUTSIDE = 10_000
UNREADABLE, TOO_MANY = -1, -2  # the size of what could not be looked at, of a link past OUTSIDE


def fingerprint(rules: Path, snippets: Path) -> Seen:
    """What a reload looks at: each file's path, size, modification and change times and
    inode (through a link), so a file replaced by one of the same size and time is seen too: a
    Kubernetes ConfigMap's or git-sync's swap of a link, a copy that keeps times (rsync -a).

    Each folder is looked at on its own, each folder in it once (a link back up ends), into
    the folders a link inside it leads to (a ConfigMap links ``blocks`` to ``..data/blocks``:
    reload54), and, after all that, into a link out of it where loads read through one: the
    rules folder's ``data`` (its lists), any of the snippets folder's (an include names a
    file through it: eye54b), OUTSIDE entries at most. Hidden folders are left out (a
    ConfigMap's ``..data``, ``.git``), and hidden files but snippets (an include may name
    ``.part.html``: reload54), not an editor's swap file or lock, nor a hidden rule file.

    What cannot be looked at is an entry too, with a size of UNREADABLE (and the error's
    number where the time goes): a folder that can be listed but not entered, a file that
    cannot be read; and a link out past OUTSIDE one of TOO_MANY: ``troubles`` says them."""
    out: list[Entry] = []
    _look(rules, out, lambda name, depth: 1 if depth == 0 and name == "data" else 0)  # its own
    _look(snippets, out, lambda name, depth: OUTSIDE)  # (files only: loads read no deeper)
    return tuple(out)


def troubles(seen: Seen) -> dict[str, str]:
    """What a look could not see, by path: the reason, for a log line."""
    said = {}
    for path, size, number, _, _ in seen:
        if size == UNREADABLE:
            reason = os.strerror(number) if number else "an error"
            said[path] = f"cannot be read ({reason}): edits to it are not seen until it can be"
        elif size == TOO_MANY:
            said[path] = (
                f"is a link out of the folder with more than {OUTSIDE} entries: edits past "
                "them are not seen (keep only rules and snippets in these folders)"
            )
    return said


def _look(folder: Path, out: list[Entry], leaves: Callable[[str, int], int]) -> None:
    """``folder``'s files into ``out``: inside first, then links out, as many levels down as
    ``leaves`` says (0: not followed; 1: the folder's own files)."""
    root = folder.resolve()
    walked: set[tuple[int, int]] = set()  # (device, inode) of each folder looked into
    later: list[tuple[Path, int]] = []  # links out and their levels, after the folder's own
    inside: list[tuple[Path, int]] = [(folder, 0)]
    while inside:
        top, depth = inside.pop()
        for path, is_dir in _listed(top, out, walked):
            if not is_dir:
                _add(path, out)
            elif not path.is_symlink() or path.resolve().is_relative_to(root):
                inside.append((path, depth + 1))
            elif levels := leaves(path.name, depth):
                later.append((path, levels))
    budget = [OUTSIDE]
    for link, levels in later:
        below = [(link, levels)]
        while below and budget[0] > 0:
            top, left = below.pop()
            for path, is_dir in _listed(top, out, walked, budget):
                if not is_dir:
                    _add(path, out)
                elif left > 1:
                    below.append((path, left - 1))
        if below or budget[0] < 0:
            out.append((str(link), TOO_MANY, 0, 0, 0))


def _listed(
    top: Path, out: list[Entry], walked: set[tuple[int, int]], budget: list[int] | None = None
) -> list[tuple[Path, bool]]:
    """``top``'s entries to look at, by name, each folder once; ``budget``: entries left."""
    try:
        st = top.stat()
        if (st.st_dev, st.st_ino) in walked:  # (a link back up, or to one seen already)
            return []
        walked.add((st.st_dev, st.st_ino))
        with os.scandir(top) as listing:  # (past a link, only what the budget may take)
            taken = listing if budget is None else islice(listing, max(budget[0], 0) + 1)
            entries = sorted(taken, key=lambda e: e.name)
    except FileNotFoundError:  # (gone while we looked: the next look sees what is there)
        return []
    except OSError as exc:
        out.append((str(top), UNREADABLE, exc.errno or 0, 0, 0))
        return []
    found = []
    for entry in entries:
        if budget is not None:
            if budget[0] <= 0:
                budget[0] = -1  # (entries left: the link's look was cut)
                break
            budget[0] -= 1
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        hidden = entry.name.startswith(".")
        if (is_dir and not hidden) or (
            not is_dir and (not hidden or entry.name.endswith(INCLUDED))
        ):
            found.append((Path(entry.path), is_dir))
    return found


def _add(path: Path, out: list[Entry]) -> None:
    try:
        st = path.stat()  # (through a link)
    except FileNotFoundError:  # gone, or a link to nothing (an editor's lock)
        return
    except OSError as exc:  # a folder listed but not entered: EACCES
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            out.append((str(path), UNREADABLE, exc.errno or 0, 0, 0))
        return
    if stat.S_ISREG(st.st_mode):
        out.append((str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
