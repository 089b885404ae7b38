"""What a page's blocks show of the catalogue: the items an editors' block links to or names
(``data-omo-item="<id>"``), so that a recommendation on the same page leaves them out
(``exclude: on_page``, the default) rather than suggesting what the page already shows."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

from omotenashi.recommend.catalog import Catalog, address

# An attribute that names an item, and its value: quoted, or bare as HTML allows (no nested
# repeats: linear in the content)
_NAMING = re.compile(
    r"""(?<![\w-])(href|data-omo-item)[ \t\n\r\f]*=[ \t\n\r\f]*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE,
)
_REMEMBERED = 4096  # content up to this long: read once (the same blocks, page after page)


def _read(inner: str) -> tuple[tuple[bool, str], ...]:
    """(whether it is an item's id, the value) of each attribute in ``inner`` naming an item."""
    out = []
    for match in _NAMING.finditer(inner):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        value = html.unescape(value if value is not None else match.group(4))
        out.append((match.group(1).lower() != "href", value.strip()))
    return tuple(out)


_read_small = lru_cache(maxsize=512)(_read)


def items_shown(catalog: Catalog, inner: str | None, attrs: Mapping[str, str]) -> Iterator[str]:
    """The ids of the catalogue's items a block shows: those whose page its content or its
    ``href`` links to, and those its content names by ``data-omo-item``."""
    named = () if not inner else _read_small(inner) if len(inner) <= _REMEMBERED else _read(inner)
    named += tuple((False, v.strip()) for k, v in attrs.items() if k.lower() == "href")
    for is_id, value in named:
        if is_id:
            if value in catalog.position:
                yield value
        else:
            yield from catalog.by_address.get(address(value), ())
