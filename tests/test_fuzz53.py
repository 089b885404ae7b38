"""fuzz53: what long property runs on outside input found.

- A ``!!`` tag YAML cannot honour (``x: !!int ""``, ``rules: [!!bool maybe]``) or an integer
  of thousands of digits stopped ``check`` (and the app at startup) with a bare IndexError,
  ValueError or KeyError: no file, no line.
- A quoted attribute value whose quote closes nowhere after it (a page cut short) was read
  as unquoted, up to the next ">": a slot inside it was rewritten, and our quotes closed the
  browser's (which reads on to the end and drops the tag).
- A page that declares no charset and holds escape bytes (ISO-2022-JP, which a browser may
  detect) was labelled ``charset=utf-8`` when rewritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from omotenashi import Omotenashi

from .conftest import client_for
from .test_cli_check import check_site


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('x: !!int ""', "r.yaml:1: error: x: '' cannot be read as int (write the value without a"),
        ("rules: [!!bool maybe]", "r.yaml:1: error: rules[0]: 'maybe' cannot be read as bool"),
        (
            "rules:\n  - id: a\n    slot: !!float .\n",
            "r.yaml:3: error: rules[0].slot: '.' cannot be read as",
        ),
        (  # (i18n67: the field named, and what to write)
            "x: " + "9" * 5000,
            "r.yaml:1: error: x: a number of 5,000 characters is too long to read (write a "
            "shorter number, or quote it if it is text)",
        ),
        ('x: !!timestamp ""', "r.yaml:1: error: x: '' cannot be read as timestamp"),  # (eye53)
        (
            "rules:\n  - id: 0x" + "f" * 5000,
            "r.yaml:2: error: rules[0].id: YAML reads what is written here as a number of "
            "thousands of digits, not as text",
        ),
        (  # (a number field too, and any shape: eye53c)
            "rules:\n  - {id: a, slot: s, text: x, why: wwww, priority: 0x" + "f" * 5000 + "}",
            "r.yaml:2: error: rules[0].priority: input should be less than or equal to 1000, got "
            "a number of thousands of digits",
        ),
        (
            "rules:\n  - {id: a, slot: s, text: x, why: wwww, when: 0x" + "f" * 5000 + "}",
            "r.yaml:2: error: rules[0].when: this should be a mapping of field: value, not a "
            "number of thousands of digits",
        ),
    ],
    ids=["int", "bool", "float", "digits", "timestamp", "hex-digits", "priority", "when"],
)
def test_a_value_yaml_cannot_make_as_tagged_is_said_at_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    said: str,
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": text + "\n"})
    assert code == 1
    assert out[0].startswith(f"rules/{said}"), out


RULES = 'rules:\n  - {id: r, slot: hero, text: "NEW", why: "Because."}\n'


async def _served(make_settings: Any, raw: bytes, media_type: str) -> Any:
    def page(request: Any) -> Response:
        return Response(raw, headers={"content-type": media_type})  # (as given: no charset)

    mw = Omotenashi(Starlette(routes=[Route("/", page)]), settings=make_settings(RULES))
    async with client_for(mw) as client:
        return await client.get("/")


@pytest.mark.anyio
@pytest.mark.parametrize("quote", ['"', "'"])
async def test_a_slot_inside_a_quote_that_never_closes_is_left_alone(
    make_settings: Any, quote: str
) -> None:
    body = f"<!doctype html><p title={quote}<div data-omo-slot=hero>OLD</div>".encode()
    got = await _served(make_settings, body, "text/html; charset=utf-8")
    assert got.content == body


@pytest.mark.anyio
async def test_a_slot_after_a_quote_closed_later_is_rewritten(make_settings: Any) -> None:
    body = b'<!doctype html><p title="a>b" data-omo-slot=hero>OLD</p>'
    got = await _served(make_settings, body, "text/html; charset=utf-8")
    assert b">NEW</p>" in got.content


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("own", "rewritten"),
    [
        ("<p>日本語</p>", False),
        ("<p>abc</p>", True),
        ("<pre>\x1b[31mred\x1b[0m</pre>", True),
        ("<pre>done\x1b(B\x1b[m</pre>", True),
    ],
)  # (ANSI colours and tput's ESC ( B, in a log shown in <pre>, are no ISO-2022: eye53, eye53d)
async def test_an_undeclared_page_with_escape_bytes_is_not_labelled_utf8(
    make_settings: Any, own: str, rewritten: bool
) -> None:
    body = f'<!doctype html><html><body><div data-omo-slot="hero">D</div>{own}</body></html>'
    raw = body.encode("iso2022_jp")
    got = await _served(make_settings, raw, "text/html")
    assert (got.content != raw) is rewritten
    assert got.headers["content-type"] == "text/html"  # (declared nowhere: stays so, html64)


def test_a_path_with_a_lone_surrogate_has_a_url_path() -> None:
    """A server that decodes a path's bytes with surrogates (not uvicorn: it gives U+FFFD)
    made every page of such a path "personalisation failed", with a traceback in the log."""
    from omotenashi.engine.facts import RequestInfo

    info = RequestInfo(path="/tours/a\udcffb", raw_path="")
    assert info.url_path == "/tours/a%EF%BF%BDb"
