"""ISO-2022-JP and Big5 read as browsers read them (engine/lookalikes.py, mount64): a page's own
bytes decode to what Chromium shows (e2e/test_lookalike_codecs_chromium.py compares every pair)
and encode back to themselves; an inserted character of Python's reading goes out as a
reference; Big5's second ／ and ＼ pairs are read only where they start a pair."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.engine.charset import encode
from omotenashi.engine.labels import ENCODINGS
from omotenashi.engine.lookalikes import BIG5, ISO_2022_JP


def test_the_labels_name_these_codecs() -> None:
    assert ENCODINGS["big5"][0] == BIG5 and ENCODINGS["iso-2022-jp"][0] == ISO_2022_JP


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"\xa2\x41", "∕"),
        (b"\xa1\xfe", "／"),  # (the pair Python reads as ／ too)
        (b"\xa2\x42\xa2\x40", "﹨＼"),
        (b"x\xa2\x41\xa2\x41", "x∕∕"),
        (b"\xa4\xa2A", "丐A"),  # 0xA2 the trail of 0xA4A2, then "A": no ∕
        (b"\xa4\xa4\xa2\x41", "中∕"),
        (b"\xa4\x40\xa2\x41", "一∕"),  # (a pair whose trail is below 0x80 ends a run)
        (b"\xa1\x45\xa1\xc2\xa2\x44\xa2\x46\xa2\x47", "‧¯￥￠￡"),
    ],
)
def test_big5_pairs_read_as_browsers_read_them(raw: bytes, text: str) -> None:
    assert raw.decode(BIG5) == text
    assert text.encode(BIG5) == raw


@pytest.mark.parametrize(
    ("codec", "inserted", "out"),
    [
        (BIG5, "•‧¥￥", b"&#8226;\xa1E&#165;\xa2D"),
        (BIG5, "／∕＼﹨", b"\xa1\xfe\xa2A\xa2@\xa2B"),
        (ISO_2022_JP, "〜～¢￠", b"&#12316;\x1b$B!A\x1b(B&#162;\x1b$B!q\x1b(B"),
        (ISO_2022_JP, "¥‾", b"\x1b(J\\~\x1b(B"),  # (JIS X 0201: browsers read them so too)
    ],
)
def test_inserted_text_goes_out_as_browsers_read_it(codec: str, inserted: str, out: bytes) -> None:
    assert encode(inserted, codec) == out


_BIG5_TEXT = st.text(st.sampled_from("中文∕／＼﹨‧￥￠ x<>A\n"), max_size=60)


@given(_BIG5_TEXT)
def test_big5_text_of_the_browsers_reading_survives(text: str) -> None:
    assert text.encode(BIG5).decode(BIG5) == text


@given(st.binary(max_size=80))
def test_big5_bytes_that_decode_come_back(raw: bytes) -> None:
    try:
        text = raw.decode(BIG5)
    except UnicodeDecodeError:
        return  # (a page with them is refused, as with any codec)
    again = text.encode(BIG5, "strict") if "\ufffd" not in text else raw
    assert again.decode(BIG5) == text


def test_big5_reading_is_linear_in_a_page_of_slashes() -> None:
    raw = b"\xa2\x41" * 200_000 + b"<p>" + b"\xa4\xa4\xa2\x41 " * 50_000
    text = raw.decode(BIG5)
    assert text.count("∕") == 250_000 and text.encode(BIG5) == raw


def _by_runs(raw: bytes) -> str:
    """Big5 read run by run of high bytes (the reading before eye66's: a step per run): a
    0xA2 0x41/0x42 is ∕/﹨ where 0xA2 is at an even distance from its run's start."""
    parts, at = [], 0
    for run in re.finditer(rb"[\x80-\xff]+", raw):
        end = run.end()
        if end < len(raw) and raw[end] in b"\x41\x42" and raw[end - 1] == 0xA2:
            if (end - 1 - run.start()) % 2 == 0:
                parts.append(raw[at : end - 1].decode(BIG5, "replace"))
                parts.append("∕" if raw[end] == 0x41 else "﹨")
                at = end + 1
    parts.append(raw[at:].decode(BIG5, "replace"))
    return "".join(parts)


_BIG5_BYTES = st.lists(
    st.sampled_from([b"a", b"<", b" ", b"\xa2", b"A", b"B", b"\xa4\x40", b"\xa2A", b"\xa2B"]),
    max_size=40,
).map(b"".join)


@given(_BIG5_BYTES)
def test_big5_reads_each_slash_pair_as_a_reading_run_by_run_does(raw: bytes) -> None:
    """eye66: the reading steps from one 0xA2 0x41/0x42 to the next (a page with one ∕ and
    many short runs of high bytes took a step per run); what it reads is the same."""
    assert raw.decode(BIG5, "replace") == _by_runs(raw)


@pytest.mark.parametrize(
    ("label", "raw", "text"),
    [
        ("koi8-u", b"\xae\xbe\xa4", "ўЎє"),  # (KOI8-RU to browsers: koi8_u reads ╝ ╬)
        ("gb18030", b"\xa8\xbc", "ḿ"),  # (Python's 2005 table: U+E7C7)
        ("gb18030", b"\x81\x35\xf4\x37", "\ue7c7"),  # (... and ḿ: the two swapped)
        ("gbk", b"\xa8\xbc\xc4\xe3", "ḿ你"),
    ],
)
def test_koi8_u_and_gb18030_read_as_browsers_read_them(label: str, raw: bytes, text: str) -> None:
    """i18n67: an inserted ╝ or ḿ showed as ў or a private-use box in Chromium (each pair
    read in Chromium: e2e/test_lookalike_codecs_chromium.py)."""
    codec = ENCODINGS[label][0]
    assert raw.decode(codec) == text
    assert text.encode(codec) == raw


@pytest.mark.parametrize(
    ("label", "inserted", "out"),
    [
        ("koi8-u", "╝ў", b"&#9565;\xae"),  # (╝: no byte a browser reads as it)
        ("gb18030", "ḿ", b"\xa8\xbc"),
    ],
)
def test_koi8_u_and_gb18030_write_what_browsers_read_back(
    label: str, inserted: str, out: bytes
) -> None:
    assert encode(inserted, ENCODINGS[label][0]) == out
