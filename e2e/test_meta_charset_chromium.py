"""The charset Chromium reads each page of ``tests/engine/meta_pages.py`` in, served over HTTP as
``text/html`` (the table's Chromium column, which the unit tests hold our scan to); and a page
whose ``<meta>`` follows a long comment, personalised, shows the rule's text in that charset."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page
from tests.engine.meta_pages import LONG, PAGES, MetaPage

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

Serve = Callable[[bytes, bytes], str]


@pytest.fixture(scope="module")
def serve() -> Iterator[Serve]:
    """``serve(body, content_type)``: the URL of a page sent whole, as an app sends it."""
    pages: dict[str, tuple[bytes, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, content_type = pages.get(self.path, (b"", b""))
            self.send_response(200 if content_type else 404)
            self.send_header("Content-Type", content_type.decode() or "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def add(body: bytes, content_type: bytes) -> str:
        path = f"/{len(pages)}"
        pages[path] = (body, content_type)
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield add
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.mark.parametrize("meta_page", PAGES, ids=[p.id for p in PAGES])
def test_chromium_reads_each_page_in_the_charset_the_table_says(
    page: Page, serve: Serve, meta_page: MetaPage
) -> None:
    page.goto(serve(meta_page.body, b"text/html"))
    read_in = page.evaluate("document.characterSet").lower()
    assert read_in == (meta_page.chromium or "windows-1252")  # ASCII: no guess but its default


def test_a_personalised_page_with_a_late_meta_shows_the_rule_in_its_charset(
    page: Page, serve: Serve, tmp_path: Path
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule = "rules:\n  - {id: hero, slot: hero, text: 'Witaj, Łódź', why: Always.}\n"
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    body = (
        b"<!doctype html><html><head><!-- " + LONG + b' --><meta charset="iso-8859-2">'
        b"</head><body><h1 data-omo-slot=hero>Welcome</h1></body></html>"
    )
    config = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html")]
    result = personalise_response(body, headers, visit, ruleset, Journey(), config)
    page.goto(serve(result.body, dict(result.headers)[b"content-type"]))
    assert page.evaluate("document.characterSet") == "ISO-8859-2"  # as the app's page says
    assert page.locator("h1").inner_text() == "Witaj, Łódź"


def test_a_personalised_page_declared_nowhere_reads_as_the_apps_did(
    page: Page, serve: Serve, tmp_path: Path
) -> None:
    # (html64: it gained charset=utf-8, and Chromium, which guessed windows-1252 for the
    # app's page, read the rewritten one, forms and all, in UTF-8)
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule = "rules:\n  - {id: hero, slot: hero, text: 'Witaj, Łódź → café', why: Always.}\n"
    (tmp_path / "rules" / "site.yaml").write_text(rule, encoding="utf-8")
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    body = b"<!doctype html><html><body><h1 data-omo-slot=hero>Welcome</h1><p>Caf&eacute;</p>"
    config = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    result = personalise_response(
        body, [(b"content-type", b"text/html")], visit, ruleset, Journey(), config
    )
    assert dict(result.headers)[b"content-type"] == b"text/html" and result.body.isascii()
    page.goto(serve(body, b"text/html"))
    theirs = page.evaluate("document.characterSet")
    page.goto(serve(result.body, b"text/html"))
    assert page.evaluate("document.characterSet") == theirs
    assert page.locator("h1").inner_text() == "Witaj, Łódź → café"
    assert page.locator("p").inner_text() == "Café"
