"""Names close to known ones, found in time that does not grow with every pair of names: the
likely typos ``omotenashi check`` warns of (segments, topics, slots, categories, events,
catalogue items)."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

CLOSE = 0.8  # how alike a name must be to a known one to be called a likely typo
_DIGITS = re.compile(r"\d+")


def series(a: str, b: str) -> bool:
    """``a`` and ``b`` differ only in their numbers (``tier1``, ``tier2``): a series, not a
    typo."""
    return _DIGITS.sub("", a) == _DIGITS.sub("", b)


def _close(name: str, known: list[str], cutoff: float = 0.6) -> str | None:
    """``difflib.get_close_matches(name, known, n=1, cutoff=cutoff)``, reckoning the ratio
    only while it can still beat the best so far: the names that pass difflib's quick tests,
    in the order of their quick_ratio (an upper bound of the ratio), then by name, as difflib
    ranks them; stopping at the first whose bound is below the best ratio found."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(name)
    bounds = []
    for other in known:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= cutoff and (bound := matcher.quick_ratio()) >= cutoff:
            bounds.append((bound, other))
    best: tuple[float, str] | None = None
    for bound, other in sorted(bounds, reverse=True):
        if best is not None and bound < best[0]:
            break  # neither it nor any after it can reach the best ratio
        matcher.set_seq1(other)
        ratio = matcher.ratio()
        if ratio >= cutoff and (best is None or (ratio, other) > best):
            best = (ratio, other)
    return best[1] if best else None


class Near:
    """Known names, indexed so that a name is compared (by :func:`_close`) only with those
    that can reach the cutoff, found without a Python step per known name.

    difflib's ratio is ``2M / (len(a) + len(b))``, M characters matched in blocks that run in
    order in both: a ratio of at least the cutoff needs lengths alike and ``M >= need``, so
    at most ``len(a) - need`` of a's characters (the second ``o`` of ``kyoto`` counts) are
    missing from b: difflib's own real_quick_ratio and quick_ratio tests. For each length,
    which names hold each character n times or more is a bit set (a Python int), and how many
    of a's characters each name misses is counted across them bit-sliced, for every name of
    that length at once (rarest characters first, stopping when none is left): exactly the
    names that pass difflib's quick tests, and :func:`_close` over them answers as over every
    name."""

    def __init__(self, names: Iterable[str]) -> None:
        self.by_length: dict[int, list[str]] = {}
        at: dict[tuple[int, str, int], list[int]] = {}
        self.seen: Counter[tuple[str, int]] = Counter()  # names holding it, of any length
        for name in sorted(set(names)):
            size = len(name)
            group = self.by_length.setdefault(size, [])
            for token in _tokens(name, 1):
                at.setdefault((size, *token), []).append(len(group))
            self.seen.update(_tokens(name, 1))
            group.append(name)
        # (length, character, n): the names of that length holding the character n times or
        # more, as a bit set over by_length[length]
        self.held: dict[tuple[int, str, int], int] = {k: _bitset(v) for k, v in at.items()}

    def candidates(self, name: str, cutoff: float) -> set[str]:
        """The known names whose quick_ratio with ``name`` (and so real_quick_ratio) reaches
        ``cutoff``: those whose ratio may (every name of an empty length, or no cutoff)."""
        found: set[str] = set()
        size = len(name)
        letters = sorted(_tokens(name, 1), key=lambda token: self.seen[token])
        for length, names in self.by_length.items():
            total = size + length
            if not size or not length or cutoff <= 0:
                found.update(names)  # difflib: two empty names are alike (nothing to index)
                continue
            need = next((m for m in range(size + 1) if 2.0 * m / total >= cutoff), size + 1)
            if need > min(size, length):
                continue  # too unlike in length: difflib's real_quick_ratio refuses it
            bits = self._holding(length, len(names), letters, size - need)
            found.update(names[i] for i in _ones(bits))
        return found

    def _holding(self, length: int, count: int, tokens: list[tuple[str, int]], missing: int) -> int:
        """The names of ``length`` (``count`` of them) that miss at most ``missing`` of
        ``tokens``, as a bit set; ``missed[j]``: those that miss more than ``j`` so far."""
        everyone = (1 << count) - 1
        missed = [0] * (missing + 1)
        for token in tokens:
            lacks = everyone ^ self.held.get((length, *token), 0)
            for j in range(missing, 0, -1):
                missed[j] |= missed[j - 1] & lacks
            missed[0] |= lacks
            if missed[missing] == everyone:
                return 0
        return everyone ^ missed[missing]

    def close(
        self, name: str, cutoff: float, keep: Callable[[str], bool] | None = None
    ) -> str | None:
        """:func:`_close` over the known names (those ``keep`` accepts), less ``name``."""
        near = self.candidates(name, cutoff) - {name}
        return _close(name, sorted(n for n in near if keep is None or keep(n)), cutoff)


def _bitset(indices: list[int]) -> int:
    raw = bytearray(indices[-1] // 8 + 1)
    for i in indices:
        raw[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(raw, "little")


def _ones(bits: int) -> Iterator[int]:
    """The positions of a bit set's ones, lowest first."""
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def _tokens(name: str, q: int) -> list[tuple[str, int]]:
    """The name's q-grams, each with how many times it has come so far (``aa``: a 1, a 2)."""
    seen: Counter[str] = Counter()
    out = []
    for i in range(len(name) - q + 1):
        gram = name[i : i + q]
        seen[gram] += 1
        out.append((gram, seen[gram]))
    return out
