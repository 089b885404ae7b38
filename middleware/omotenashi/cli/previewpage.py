"""The page ``omotenashi preview`` personalises: a live page's address or a file (an HTML file
as it is, or a Jinja2 template rendered), read in its charset as a browser reads it (a
byte-order mark, the Content-Type's charset, the page's ``<meta>``, else UTF-8: i18n67, a
Shift_JIS page was "UnicodeDecodeError: 'utf-8' codec ..."), and the result written in the
charset the page declares itself (UTF-8 when only its Content-Type said one)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from omotenashi.errors import CommandError, PageRefused


def page_of(page: str, path: str, context: str) -> tuple[str, str, str]:
    """(the page's text, the path rules see, the codec it is read and written in)."""
    if page.startswith(("http://", "https://")):
        with urllib.request.urlopen(page, timeout=10) as response:  # noqa: S310
            raw, declared = response.read(), response.headers.get_content_charset()
        text, codec = _decoded(raw, declared, page)
        return text, urllib.parse.urlsplit(page).path or "/", _own(raw)
    file = Path(page)
    if not file.is_file():
        raise CommandError(f"no page file at {str(file)!r}")
    text, codec = _decoded(file.read_bytes(), None, str(file))
    if "{%" in text or "{{" in text:
        text = _rendered(file, context, codec)
    return text, path, codec


def written(html: str, codec: str) -> bytes:
    """The personalised page in its own charset (what it cannot hold as references)."""
    from omotenashi.engine.charset import encode

    try:
        return encode(html, codec)
    except PageRefused as exc:
        raise CommandError(f"the personalised page cannot be written in {codec}: {exc}") from None


def _own(raw: bytes) -> str:
    """The charset a file of the page is read in without the Content-Type: the one the page
    says itself (a byte-order mark, its ``<meta>``), else UTF-8."""
    from omotenashi.engine.charset import page_codec

    try:
        return page_codec(None, raw)  # (its <meta> over a Content-Type that disagrees: eye67)
    except PageRefused:
        return "utf-8"


def _decoded(raw: bytes, declared: str | None, where: str) -> tuple[str, str]:
    from omotenashi.engine.charset import page_codec

    try:
        codec = page_codec(declared, raw)
    except PageRefused as exc:
        raise CommandError(
            f"{where}: the page cannot be read as a browser reads it: {exc}"
        ) from None
    try:
        return raw.decode(codec), codec
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{where}: byte {exc.start} is not {codec} text, the charset the page is read in "
            "(declare the right one in its Content-Type or <meta charset>)"
        ) from None


def _rendered(path: Path, context: str, codec: str) -> str:
    """A Jinja2 template (extends/includes work, read in ``codec``) rendered with the JSON
    ``context``; values it does not get render empty."""
    from jinja2 import ChainableUndefined, Environment, FileSystemLoader, TemplateError

    try:
        values = json.loads(context)
    except ValueError as exc:
        raise CommandError(f"--context is not JSON ({exc}): {context!r}") from None
    if not isinstance(values, dict):
        raise CommandError(f"--context must be a JSON object: {context!r}")

    class InCharset(FileSystemLoader):  # (eye67: Jinja opens a file with the codec's
        def get_source(  # incremental decoder, which ours have none of)
            self, environment: Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            source, name, fresh = super().get_source(environment, template)
            return source.encode("latin-1").decode(codec), name, fresh

    env = Environment(
        loader=InCharset(str(path.parent), encoding="latin-1"),  # (every byte as it is)
        autoescape=True,
        undefined=ChainableUndefined,
    )
    try:
        return env.get_template(path.name).render(values)
    except UnicodeDecodeError as exc:  # (an included template not in the page's charset)
        said = f"{path.name}: a template it includes is not {codec} text ({exc})"
        raise CommandError(said) from None
    except TemplateError as exc:
        raise CommandError(
            f"{path.name} needs values to render ({exc.message}): pass them with "
            """--context '{"name": ...}'"""
        ) from None
