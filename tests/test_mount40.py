"""Pages in a charset other than UTF-8, personalised with a snippet that holds a <script> or
<style>: a browser reads no character reference there, so a character the charset cannot hold
(or would show as another) cannot go out as ``&#8594;``: the page is served as the app made it
(refused), never with the reference's own characters in its script or style."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.html.rawtext import in_raw_text

from .conftest import client_for, page_app

Make = Callable[..., Settings]
RULE = 'rules:\n  - {id: t, slot: tag, snippet: s.html, why: "Everyone."}\n'
PAGE = (
    '<html><head><title>x</title></head><body><div data-omo-slot="tag">Default</div></body></html>'
)
AFTER = PAGE.replace('"tag">Default', '"tag" data-omo-rule="t">{}')


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("charset", "snippet", "sent"),
    [
        # (the first four were sent with the reference in the script or style)
        ("iso-8859-1", '<script>var m = "5→ off";</script>', None),
        ("windows-1252", '<style>.x::after{content: "→"}</style>', None),
        ("Shift_JIS", '<script>var m = "€";</script>', None),
        ("Shift_JIS", '<script>var m = "10〜20";</script>', None),  # shown as ～ if written
        ("euc-jp", '<style>.x::after{content: "¥"}</style>', None),
        # outside raw text a reference reads as the character; in a script, one it can hold
        ("iso-8859-1", "<p>5→ off</p>", "<p>5&#8594; off</p>"),
        ("iso-8859-1", '<p title="→">x</p>', '<p title="&#8594;">x</p>'),
        (
            "windows-1252",
            '<script>var m = "5€ off";</script>',
            '<script>var m = "5€ off";</script>',
        ),
        ("utf-8", '<script>var m = "5→ off";</script>', '<script>var m = "5→ off";</script>'),
    ],
)
async def test_a_character_the_charset_lacks_never_reaches_a_script_as_a_reference(
    make_settings: Make, charset: str, snippet: str, sent: str | None
) -> None:
    codec = {"Shift_JIS": "cp932", "windows-1252": "cp1252"}.get(charset, charset)
    settings = make_settings(RULE, {"s.html": snippet})
    app = page_app(PAGE.encode(codec), content_type=f"text/html; charset={charset}")
    async with client_for(Omotenashi(app, settings=settings)) as client:
        response = await client.get("/")
    wanted = PAGE if sent is None else AFTER.format(sent)
    assert response.content == wanted.encode(codec, "xmlcharrefreplace")
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers.get("x-omotenashi-rules") == ("t" if sent else None)


@pytest.mark.parametrize(
    ("page", "inside"),
    [
        ("<p>→</p>", False),
        ("<script>→</script>", True),
        ("<SCRIPT type=module>x→</SCRIPT>", True),
        ("<style>a</style>→", False),
        ("<!-- <script> -->→", False),
        ('<p title="<script>">→</p>', False),
        ("<script><!--<script></script>→</script>", True),  # double-escaped: still script
        ("<xmp>→</xmp>", True),
        ("<noscript>→</noscript>", True),
        ("<plaintext>a</plaintext>→", True),
        ("<svg><![CDATA[→]]></svg>", True),
        ("<textarea>→</textarea>", False),  # RCDATA: references read
        ("<title>→</title>", False),
    ],
)
def test_raw_text_is_where_the_tokenizer_reads_no_reference(page: str, inside: bool) -> None:
    at = page.index("→")
    assert in_raw_text(page, [at]) == (at if inside else None)
