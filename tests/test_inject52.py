"""inject52 (2 P2): a catalogue item's URL with what browsers strip inside its scheme
(" java\\tscript:") passed the catalogue's check, and a recommendation linked to it; an ESC in
a visitor's value (a name given to ``remember``) went raw into an ISO-2022-JP page, where the
browser read the rest of the page, markup and all, as kanji up to the next escape."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from omotenashi import Omotenashi
from omotenashi.engine.charset import encode
from omotenashi.recommend.catalog import Item

from .conftest import client_for


@pytest.mark.parametrize(
    "url",
    [" java\tscript:alert(1)", "java\nscript:alert(1)", "\x01javascript:alert(1)",
     "JavaScript:alert(1)", "vbscript:x", "data:text/html,<script>x</script>", "file:///etc"],
)  # fmt: skip
def test_a_catalogue_url_a_browser_would_run_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="is not a safe URL"):
        Item(id="a", url=url, title="A")
    with pytest.raises(ValidationError, match="is not a safe URL"):
        Item(id="a", url="/a", title="A", image=url)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("/tours/a", "/tours/a"),
        ("tours/a", "/tours/a"),
        ("https://e.example/a", "https://e.example/a"),
    ],
)
def test_a_catalogue_url_of_the_site_or_the_web_is_taken(url: str, kept: str) -> None:
    assert Item(id="a", url=url, title="A").url == kept


@pytest.mark.parametrize("codec", ["iso2022_jp", "iso2022_jp_2"])
def test_no_escape_from_inserted_text_reaches_an_iso_2022_page(codec: str) -> None:
    page = '<p>京都</p><p class="i">Hi \x1b$B!</p><p id="after">after</p>'
    out = encode(page, codec)
    assert out.decode(codec) == page.replace("\x1b", "")  # (the page's own text: as it was)
    # every escape left is the codec's own, each followed by the text it stands for
    assert b"\x1b$B!</p>" not in out and b'<p id="after">after</p>' in out


@pytest.mark.parametrize(
    ("referer", "said"),
    [
        ('https://a<b>"@evil.example/x', "evil.example"),  # (inject52 P3: kept with its user part)
        ("https://u:pw@shop.example:8080/", "shop.example:8080"),
        ("https://www.google.com/", "www.google.com"),
    ],
)
def test_the_site_a_link_came_from_is_named_without_a_user_part(referer: str, said: str) -> None:
    from omotenashi.engine.explain import host

    assert host(referer) == said


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("own", "rewritten"),
    [("<p>京都</p>", True), ("<p>a\x1bb</p>", False)],  # (eye52b: a stray ESC of the page's own)
)
async def test_an_iso_2022_page_with_a_stray_escape_of_its_own_passes_untouched(
    make_settings: Any, own: str, rewritten: bool
) -> None:
    """Its ESC, let through by the codec, would be dropped with the inserted ones: the page
    goes out as the app made it instead, byte for byte."""
    body = f'<!doctype html><html><body><div data-omo-slot="hero">D</div>{own}</body></html>'
    raw = body.encode("iso2022_jp")

    def page(request: Any) -> Response:
        return Response(raw, media_type="text/html; charset=iso-2022-jp")

    rules = 'rules:\n  - {id: r, slot: hero, text: "Hi", why: "Because."}\n'
    mw = Omotenashi(Starlette(routes=[Route("/", page)]), settings=make_settings(rules))
    async with client_for(mw) as client:
        got = await client.get("/")
    assert (got.content != raw) is rewritten
    assert (b'data-omo-rule="r"' in got.content) is rewritten
