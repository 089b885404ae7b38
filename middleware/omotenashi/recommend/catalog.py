"""The catalogue recommendations choose from: a file in the rules folder or an app's callable.

``rules/catalog.yaml`` (or ``catalog.yml`` / ``catalog.json``)::

    labels:                       # how reasons name a tag (default: the tag itself)
      kyoto: Kyoto
      family: family holidays
    items:
      - id: kyoto-autumn
        url: /tours/kyoto-autumn
        title: Kyoto in autumn
        image: /static/img/kyoto.jpg
        tags: [kyoto, japan, culture]
        price: 2390
        available: true

A loaded :class:`Catalog` also holds the index ranking needs: every item has a position, and
every tag a bitset (a Python int) of the positions of its items, so that ranking costs what
could reach the top rather than a pass over the whole catalogue.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from omotenashi.errors import RuleError, RuleSetError, quoted
from omotenashi.recommend.coview import CODE_CHARS, long_part, pair_part, pair_parts
from omotenashi.recommend.links import Addresses
from omotenashi.rules.fileerrors import validation_errors
from omotenashi.rules.text import LISTED as _LISTED
from omotenashi.rules.text import Topic, problem, topic
from omotenashi.rules.urls import url_problem
from omotenashi.rules.yamlsource import Loc, display_path, format_loc, line_of, load_yaml

CATALOG_FILES = ("catalog.yaml", "catalog.yml", "catalog.json")
_SLUG = r"^[a-z0-9][a-z0-9_-]*$"
# A path written without its first "/" ("tours/x"): not one that starts at the root ("/"),
# a whole URL or any scheme ("https:", "mailto:"), a query or fragment alone, or a backslash
_BARE_PATH = re.compile(r"(?![/?#\\\s])(?![A-Za-z][A-Za-z0-9+.-]*:)")
# a title's or label's white space (a folded YAML title's line end, a tab) reads as a space;
# other control characters are refused, and direction marks that open and are not closed
_SPACES = re.compile("[\t\n\r\f\v]+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_OPENS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c"}
_OPENS |= dict.fromkeys("\u2066\u2067\u2068", "\u2069")


def plain_name(value: str) -> str:
    """A catalogue title or label as reasons can name it: white space as one space, every
    direction mark closed within it (recs56: an override, U+202E, ran on past the title and
    reversed the reason after it); ValueError naming what is not."""
    value = _SPACES.sub(" ", value).strip()
    found = _CONTROL.search(value)
    if found:
        raise _problem(
            f"{quoted(value)} holds the control character U+{ord(found.group()):04X}",
            "write it as plain text",
        )
    waiting: list[str] = []
    for char in value:
        if char in _OPENS:
            waiting.append(_OPENS[char])
        elif char in ("\u202c", "\u2069") and waiting and waiting[-1] == char:
            waiting.pop()
    if waiting:
        raise _problem(
            f"{quoted(value)} opens a direction mark it does not close",
            "close each U+202A-U+202E with U+202C and each U+2066-U+2068 with U+2069, or "
            "leave them out: a right-to-left name needs none",
        )
    return value


SMALL_MASK = 512  # catalogues up to this many items build bitsets with int arithmetic


_problem = problem  # (rules/text.py)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    """One thing that can be recommended."""

    id: str = Field(pattern=_SLUG, max_length=100, description="Unique id, as in page items.")
    url: str = Field(min_length=1, description="Where the item's page is (site-relative or http).")
    title: str = Field(min_length=1, max_length=300, description="The item's name.")
    image: str | None = Field(default=None, description="Image URL for the snippet.")
    tags: tuple[str, ...] = Field(default=(), description="Topics, matched to interests.")
    price: float | None = Field(default=None, ge=0, description="Price, for the snippet.")
    available: bool = Field(
        default=True,
        description="false: not recommended (by a rule whose exclude lists unavailable, as "
        "the default does).",
    )

    @field_validator("url", "image")
    @classmethod
    def _safe_url(cls, value: str | None) -> str | None:
        # as a rule's attrs are checked (rules/urls.py): edges and controls as browsers strip
        # them, then only http(s), mailto and tel (inject52: " java\tscript:" passed, and a
        # recommendation linked to it)
        if value is not None and url_problem(value) is not None:
            raise _problem(
                f"{quoted(value)} is not a safe URL", "use an http(s) or site-relative URL"
            )
        if value and _BARE_PATH.match(value):
            # "tours/x": from the site's root, as the on-page links read it (recommend/links.py);
            # written as it is, each page would resolve it from its own path (/tours/tours/x)
            return "/" + value
        return value

    @field_validator("price", mode="before")
    @classmethod
    def _finite_price(cls, value: object) -> object:
        # (recs65: .inf passed, and the demo's round(price) failed on every page; review65: so
        # did 1e400, 'inf' and JSON's 1e999, which become infinity as they are read)
        try:
            number = float(value) if isinstance(value, str | int | float) else 0.0
        except (ValueError, OverflowError):
            return value  # (not a number: said as such)
        if not math.isfinite(number):
            raise _problem(f"the price is {value!r}", "write a price as a number, such as 2390")
        return value

    @field_validator("title")
    @classmethod
    def _plain_title(cls, value: str) -> str:
        return plain_name(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple)):  # topics, as pages give them (京都: japan53)
            tags = []
            for tag in value:
                said = topic(tag) if isinstance(tag, str) else ""
                if not said or _LISTED.search(said):
                    raise _problem(
                        f"{tag!r} is not a tag",
                        "write one topic a page names, e.g. kyoto or 京都 (no commas)",
                    )
                tags.append(said)
            return tuple(dict.fromkeys(tags))
        return value


class CatalogFile(_Strict):
    """A catalogue file: ``items:`` and optional ``labels:`` for tags."""

    items: list[Item] = Field(default_factory=list)
    labels: dict[Topic, str] = Field(
        default_factory=dict, description="How reasons name a tag, e.g. kyoto: Kyoto."
    )

    @field_validator("labels")
    @classmethod
    def _plain_labels(cls, value: dict[str, str]) -> dict[str, str]:
        return {tag: plain_name(label) for tag, label in value.items()}


@dataclass(frozen=True, eq=False)
class Liked:
    """The popular items of a catalogue, as ranking uses them: worked out once for the same
    popular scores (what every visitor shares: recommend/strategies.py ``ranked_popular``)."""

    scores: Mapping[str, float]  # what it was worked out from (a copy)
    pairs: list[tuple[int, float]]  # (position, score), most popular first: read, never changed
    mask: int  # the bitset of their positions
    place: Mapping[int, int]  # position → its place in ``pairs``


@dataclass(frozen=True, eq=False)
class Catalog:
    """Validated items in catalogue order, with the index ranking uses."""

    items: tuple[Item, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    position: Mapping[str, int] = field(init=False)
    tag_mask: Mapping[str, int] = field(init=False)  # tag → bitset of item positions
    unavailable: int = field(init=False)  # bitset of items not available
    specificity: Mapping[str, float] = field(init=False)  # tag → log(1 + items / its items)
    titles: Mapping[str, str] = field(init=False)  # item id → title, to name items to people
    # each id as a side of a visitor's also pairs (a short code, recommend/coview.py pair_part),
    # and each such code and an older long id's digest → the id again
    pair_parts: Mapping[str, str] = field(init=False)
    pair_names: Mapping[str, str] = field(init=False)
    liked: list[Liked | None] = field(init=False, repr=False)  # the last popular items ranked
    # The ids of the items at each page address, for links to them in the page's blocks
    # (``exclude: on_page``: recommend/links.py); made with the catalogue, not in a request
    by_address: Addresses = field(init=False, repr=False, compare=False)
    # each item's id as bytes (the serendipity draw hashes them: recommend/serendipity.py)
    encoded_ids: tuple[bytes, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        position = {item.id: pos for pos, item in enumerate(self.items)}
        size = (len(self.items) + 7) // 8
        buffers: dict[str, bytearray] = {}
        off = bytearray(size)
        for pos, item in enumerate(self.items):
            for tag in item.tags:
                buf = buffers.get(tag)
                if buf is None:
                    buf = buffers[tag] = bytearray(size)
                buf[pos >> 3] |= 1 << (pos & 7)
            if not item.available:
                off[pos >> 3] |= 1 << (pos & 7)
        object.__setattr__(self, "position", position)
        object.__setattr__(self, "liked", [None])
        object.__setattr__(
            self, "tag_mask", {t: int.from_bytes(b, "little") for t, b in buffers.items()}
        )
        object.__setattr__(self, "unavailable", int.from_bytes(off, "little"))
        object.__setattr__(self, "pair_parts", pair_parts(position))
        names = {long_part(i): i for i in position}  # (what a profile written before codes holds)
        names |= {code: i for i, code in self.pair_parts.items()}
        object.__setattr__(self, "pair_names", {d: i for d, i in names.items() if d != i})
        object.__setattr__(self, "titles", {item.id: item.title for item in self.items})
        object.__setattr__(self, "by_address", Addresses((i.id, i.url) for i in self.items))
        object.__setattr__(self, "encoded_ids", tuple(i.id.encode() for i in self.items))
        total = len(self.items)
        object.__setattr__(
            self,
            "specificity",
            {t: math.log(1 + total / m.bit_count()) for t, m in self.tag_mask.items()},
        )

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def pair_titles(self) -> Mapping[str, str]:
        """Titles by id and by each code (or digest) of a visitor's pairs: the data page names
        both (made when it is first shown, then kept). A code two ids share names them both,
        "A or B": a pair written before the second joined the catalogue holds it for the first
        (each is written whole since), and its item is one of them, not one gone."""
        titles = {**self.titles, **{c: self.titles[i] for c, i in self.pair_names.items()}}
        shared: dict[str, dict[str, None]] = {}
        for i, part in self.pair_parts.items():
            if len(part) == CODE_CHARS + 1 and part[0] == "~":
                continue  # (the id's own code: all but a few; no SHA-1 again for them)
            if part != (code := pair_part(i)) and code != i:
                shared.setdefault(code, {})[self.titles[i]] = None
        return titles | {code: " or ".join(said) for code, said in shared.items()}

    @cached_property
    def page_titles(self) -> Mapping[str, str]:
        """Each item's page path (a site-relative ``url`` without a query) → its title, for
        reasons that name a page (``path:``); a path two items share names neither."""
        found: dict[str, list[str]] = {}
        for item in self.items:
            url = item.url.split("#", 1)[0]
            if url.startswith("/") and not url.startswith("//") and "?" not in url:
                found.setdefault(url, []).append(item.title)
        return {path: said[0] for path, said in found.items() if len(said) == 1}

    def get(self, item_id: str) -> Item | None:
        pos = self.position.get(item_id)
        return None if pos is None else self.items[pos]

    def label(self, tag: str) -> str:
        labels = self.labels
        return labels[tag] if tag in labels else tag.replace("-", " ").replace("_", " ")

    def mask_of(self, ids: Iterable[str]) -> int:
        """The bitset of the positions of ``ids`` (unknown ids are ignored)."""
        position = self.position
        if len(self.items) > SMALL_MASK:
            return self.mask_at(p for i in ids if (p := position.get(i)) is not None)
        mask = 0
        for item_id in ids:
            pos = position.get(item_id)
            if pos is not None:
                mask |= 1 << pos
        return mask

    def mask_at(self, positions: Iterable[int]) -> int:
        """The bitset of ``positions`` (each below ``len(self)``)."""
        if len(self.items) <= SMALL_MASK:  # a few machine words: plain int arithmetic
            mask = 0
            for pos in positions:
                mask |= 1 << pos
            return mask
        buf = bytearray((len(self.items) + 7) // 8)  # one pass, not a new big int per item
        for pos in positions:
            buf[pos >> 3] |= 1 << (pos & 7)
        return int.from_bytes(buf, "little")


def find_catalog_file(rules_dir: Path) -> Path | None:
    """The catalogue file in the rules folder, if there is one."""
    for name in CATALOG_FILES:
        path = rules_dir / name
        if path.is_file():
            return path
    return None


# A catalogue is one file of up to 8 MiB, some 80,000 short items read in about 6 s (recs65:
# 512 KB, a rule file's bound, held 6,000 short items, and "split it" could not be done);
# more comes from the app's callable, read in memory.
CATALOG_FILE = (
    8 * 1024 * 1024,
    "give a catalogue this big from your app instead: Omotenashi(app, catalog=callable)",
)


def load_catalog(path: Path, base: Path | None = None) -> Catalog:
    """A catalogue file, or RuleSetError listing every problem as ``file:line: field: …``."""
    name = display_path(path, base)
    try:
        data, lines = load_yaml(path, name, limit=CATALOG_FILE)  # JSON is YAML: one reader
    except RuleError as exc:
        raise RuleSetError([exc]) from exc
    return _validated(data if data is not None else {}, name, lines)


def catalog_from_items(items: object, source: str = "catalog callable") -> Catalog:
    """A catalogue from what an app's callable returned: items as mappings (or ``Item``)."""
    if isinstance(items, Mapping):
        data: object = items
        rows = items.get("items")
        if isinstance(rows, list):
            data = {**items, "items": [_fields(i) for i in rows]}
    elif isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise RuleSetError(
            [RuleError(source, 1, "", f"{type(items).__name__!r} is not a list of items", "")]
        )
    else:
        data = {"items": [_fields(i) for i in items]}
    return _validated(data, source, {})


def _fields(item: object) -> object:
    """An item from the app as the catalogue reads it: a database row's other columns are not
    the item's, and are left out (recs62: one refused every rule); an Item as its fields."""
    if isinstance(item, Item):
        return item.model_dump()
    if isinstance(item, Mapping):
        return {k: v for k, v in item.items() if k in Item.model_fields}
    return item


def _validated(data: Any, name: str, lines: dict[Loc, int]) -> Catalog:
    try:
        parsed = CatalogFile.model_validate(data)
    except ValidationError as exc:
        raise RuleSetError(validation_errors(exc, name, lines, CatalogFile)) from exc
    errors: list[RuleError] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(parsed.items):
        loc: Loc = ("items", index, "id")
        line = line_of(lines, loc)
        if item.id in seen:
            errors.append(
                RuleError(
                    name,
                    line,
                    format_loc(loc),
                    f"the item id {item.id!r} is already used at items[{seen[item.id]}]",
                    "give every item its own id",
                )
            )
        seen.setdefault(item.id, index)
    if errors:
        raise RuleSetError(errors)
    return Catalog(tuple(parsed.items), dict(parsed.labels), name)
