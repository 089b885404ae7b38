"""The accessible names of a page's "i" notes (engine/disclosure.py ``labels``): the editor's
reason, and where two blocks on the page give the same one, which block each is."""

from __future__ import annotations

import re
from functools import lru_cache

from omotenashi.engine.explain import words
from omotenashi.rules.text import unstopped

_SLUG = re.compile(r"[A-Za-z0-9_-]+")


@lru_cache(maxsize=1024)  # the same few pages' blocks again and again
def _labels(blocks: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(rule id, name) of each (rule id, reason, target): "…, the “hero” block" for a slot's
    block whose reason another gives too, "…, block 2 on this page" for a selector's."""
    whys = [unstopped(why) for _, why, _ in blocks]
    out: dict[str, str] = {}
    for index, ((rule_id, _, target), why) in enumerate(zip(blocks, whys, strict=True)):
        if whys.count(why) == 1:
            out[rule_id] = why
        elif _SLUG.fullmatch(target):
            out[rule_id] = f"{why}, the “{words(target)}” block"
        else:
            out[rule_id] = f"{why}, block {index + 1} on this page"
    return tuple(out.items())
