"""What a reload looks at: the rule and snippet files' names, sizes, times and inodes
(loader/reload.py compares one look with the next)."""

from __future__ import annotations

import os
from pathlib import Path

Seen = tuple[tuple[str, int, int, int, int], ...]  # fingerprint's
# What a load may read (rules, lists, journey, catalogue, snippets): a file named otherwise
# that changes at every look (a log, a cache) is let be; one named so loads as it changes
READ = (".yaml", ".yml", ".json", ".csv", ".html", ".htm", ".jinja", ".j2", ".jinja2")
INCLUDED = (".html", ".htm", ".jinja", ".j2", ".jinja2")  # what an include may name, hidden too


def fingerprint(*folders: Path) -> Seen:
    """What a reload looks at: each file's path, size, modification and change times and
    inode (through a link), so a file replaced by one of the same size and time is seen too: a
    Kubernetes ConfigMap's or git-sync's swap of a link, a copy that keeps times (rsync -a).
    Each folder is looked at on its own, into the folders a link inside it leads to (a
    ConfigMap links ``blocks`` to ``..data/blocks``: reload54), each once, not into a link out
    of it (``assets -> /usr``: eye54). Hidden folders are left out (a ConfigMap's ``..data``,
    ``.git``), and hidden files but snippets (an include may name ``.part.html``: reload54),
    not an editor's swap file or lock, nor a hidden rule file."""
    out = []
    for folder in folders:
        root = folder.resolve()
        walked: set[tuple[int, int]] = set()  # (device, inode) of each folder looked into
        for top, dirs, files in os.walk(folder, followlinks=True):
            st = os.stat(top)
            if (st.st_dev, st.st_ino) in walked:  # (a link back up, or to one seen already)
                dirs[:] = []
                continue
            walked.add((st.st_dev, st.st_ino))
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _inside(top, d, root))
            for name in sorted(f for f in files if not f.startswith(".") or f.endswith(INCLUDED)):
                path = Path(top, name)
                if path.is_file():
                    st = path.stat()
                    out.append((str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(out)


def _inside(top: str, name: str, root: Path) -> bool:
    """Whether the folder ``name`` in ``top`` is one to look into: not a link out of ``root``."""
    path = Path(top, name)
    return not path.is_symlink() or path.resolve().is_relative_to(root)
