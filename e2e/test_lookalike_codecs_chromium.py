"""ISO-2022-JP and Big5 pages are read as Chromium reads them (engine/lookalikes.py, mount64):
every byte pair our codecs decode reads as the same character in Chromium, and what is
inserted into such a page shows in Chromium as the snippet wrote it (Python's codecs wrote 〜
in ISO-2022-JP, and ¢ £ ¥ • ∼ in Big5, as bytes Chromium shows as ～ ￠ ￥ ‧ ～)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from omotenashi.engine.charset import encode
from omotenashi.engine.lookalikes import BIG5, GB18030, ISO_2022_JP, KOI8_U

# HKSCS pairs of two code points each (Ê̄ Ê̌ ê̄ ê̌): this Chromium reads them as U+0093 and a lone
# surrogate, against the Encoding standard's index; Python's reading is the standard's
_CHROMIUM_ODD = {b"\x88\x62", b"\x88\x64", b"\x88\xa3", b"\x88\xa5"}


# GB18030-2022's private-use moves, which Python's 2005 table and this Chromium read apart (U+E78D
# is ︐ to it): a page's own such bytes go out as they came; inserted, these private-use
# characters show as their standard twins (README, known limits)
_GB_PRIVATE = {
    bytes.fromhex(h)
    for h in "a3a0 a6d9 a6da a6db a6dc a6dd a6de a6df a6ec a6ed a6f3 fe59 fe61 fe66 fe67 "
    "fe6d fe7e fe90 fea0".split()
}


def _pairs(codec: str) -> list[tuple[bytes, str]]:
    """Each pair our ``codec`` decodes, as the bytes a page holds, and what it reads."""
    out = []
    if codec == KOI8_U:
        candidates = [bytes([b]) for b in range(0x80, 0x100)]
    elif codec == GB18030:
        trails = [*range(0x40, 0x7F), *range(0x80, 0xFF)]
        candidates = [bytes([lead, t]) for lead in range(0x81, 0xFF) for t in trails]
        candidates = [c for c in candidates if c not in _GB_PRIVATE] + [b"\x81\x35\xf4\x37"]
    elif codec == BIG5:
        trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
        candidates = [bytes([lead, t]) for lead in range(0x81, 0xFF) for t in trails]
    else:
        every = range(0x21, 0x7F)
        candidates = [b"\x1b$B" + bytes([lead, t]) + b"\x1b(B" for lead in every for t in every]
    for raw in candidates:
        try:
            out.append((raw, raw.decode(codec)))
        except UnicodeDecodeError:
            continue  # (a page with it is refused: served as the app made it)
    return out


def _shown(browser: Browser, label: str, body: bytes) -> str:
    page = b"<!doctype html><meta charset=" + label.encode() + b"><pre id=x>x" + body + b"</pre>"
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.route(
            "http://codec.test/",
            lambda r: r.fulfill(body=page, headers={"content-type": f"text/html; charset={label}"}),
        )
        tab.goto("http://codec.test/")
        text: str = tab.evaluate("document.getElementById('x').textContent")
        return text[1:]
    finally:
        context.close()


@pytest.mark.parametrize(
    ("label", "codec", "least"),
    [
        ("iso-2022-jp", ISO_2022_JP, 6000),  # (JIS X 0208: 6,879)
        ("big5", BIG5, 17000),
        ("koi8-u", KOI8_U, 128),  # (i18n67: 0xAE, 0xBE)
        ("gb18030", GB18030, 23000),  # (i18n67: ḿ)
    ],
)
def test_every_pair_reads_as_chromium_reads_it(
    browser: Browser, label: str, codec: str, least: int
) -> None:
    pairs = [(raw, ours) for raw, ours in _pairs(codec) if raw not in _CHROMIUM_ODD]
    assert len(pairs) >= least
    theirs = _shown(browser, label, b"\n".join(raw for raw, _ in pairs) + b"\n").split("\n")
    assert [ours for _, ours in pairs] == theirs[:-1]


@pytest.mark.parametrize(
    ("label", "codec", "own"),
    [
        ("iso-2022-jp", ISO_2022_JP, b'\x1b$B!A!B!]!q!r"L\x1b(B'),  # ～∥－￠￡￢ as written
        ("big5", BIG5, b"\xa1\x45\xa1\x4e\xa1\xc2\xa1\xe3\xa2\x41\xa2\x44\xa2\x46\xa2\x47"),
        ("koi8-u", KOI8_U, b"\xae\xbe\xa4"),  # ўЎє as written
        ("gb18030", GB18030, b"\xa8\xbc\x81\x35\xf4\x37"),  # ḿ and U+E7C7 as written
    ],
)
def test_inserted_text_shows_as_the_snippet_wrote_it(
    browser: Browser, label: str, codec: str, own: bytes
) -> None:
    """Both readings of each look-alike, inserted beside the page's own: the page's bytes go out
    as they came, and Chromium shows every inserted character as it is."""
    text = own.decode(codec)
    inserted = "〜～‖∥−－¢￠£￡¬￢¥￥•‧､﹑‾¯∼♁⊕☉⊙／∕＼﹨ 京都 ① ╝╬ўЎ ḿ\ue7c7"
    out = encode(text + "|" + inserted, codec)
    assert out.startswith(own + b"|")  # (the page's own bytes, as they were)
    assert text.encode(codec) == own
    assert _shown(browser, label, out) == text + "|" + inserted
