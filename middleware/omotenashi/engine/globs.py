"""Path globs (``fnmatch`` syntax, case-sensitive) compiled once into one regular expression."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from fnmatch import translate


def matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """``fnmatchcase(text, g) for any g in globs``, as one compiled test (False for none)."""
    patterns = [translate(glob) for glob in dict.fromkeys(globs)]
    if not patterns:
        return lambda text: False
    match = re.compile("|".join(f"(?:{p})" for p in patterns)).match
    return lambda text: match(text) is not None
