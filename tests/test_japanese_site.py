"""A Japanese site end to end through the real middleware and a real Valkey: its pages in UTF-8,
Shift_JIS, EUC-JP and ISO-2022-JP get a Japanese block in their own charset, byte for byte, as
browsers read it (EUC-JP pages with NEC's ① ㈱ and IBM's 髙 are no longer refused; 〜 is never
written as the bytes browsers show as ～); requests as Japanese visitors send them; rule files
as Japanese editors write them (full-width spaces and colons named at their line); reasons in
Japanese end with their own full stop. Chromium's side is e2e/test_japanese_site_chromium.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.charset import encode, page_codec
from omotenashi.engine.disclosure import sentence
from omotenashi.engine.limits import clip
from omotenashi.errors import RuleSetError
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

from .conftest import client_for, page_app
from .japan_site import CHARSETS, Charset, japan_app, japan_settings, personalised_bytes

Make = Callable[..., Settings]
KYOTO = quote("京都")
TOUR = f"/{quote('ツアー')}/{KYOTO}"
SJIS_KYOTO = quote("京都".encode("cp932"))  # %8B%9E%93s


async def raw_get(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    response = await client.get(url, headers=headers)
    await response.aread()
    return response


@pytest.mark.anyio
@pytest.mark.parametrize("charset", CHARSETS, ids=[c.id for c in CHARSETS])
async def test_a_japanese_page_gets_its_block_in_its_own_charset(
    tmp_path: Path, omotenashi_redis_url: str, charset: Charset
) -> None:
    mw = Omotenashi(japan_app(), settings=japan_settings(tmp_path, omotenashi_redis_url))
    async with client_for(mw) as client:
        got = await raw_get(client, f"{TOUR}?q={KYOTO}&cs={charset.id}")
    assert got.headers["x-omotenashi-rules"] == "kyoto-hero"
    assert got.content == personalised_bytes(charset)
    assert got.headers["content-type"] == charset.content_type  # as the app declared it


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"\xad\xa1\xad\xa2\xad\xea\xad\xe2", "①②㈱№"),  # NEC row 13
        (b"\xfc\xe2\xf9\xa1", "髙纊"),  # NEC-selected IBM extensions
        (b"\xa1\xc1\xa1\xc2\xa1\xdd\xa1\xf1\xa1\xf2\xa2\xcc", "～∥－￠￡￢"),  # as browsers read
        (b"\xb5\xfe\xc5\xd4 \x8e\xb6\x8e\xc0 \x8f\xb0\xa1", "京都 ｶﾀ 丂"),  # 0208, kana, 0212
        (b"a\\b~", "a\\b~"),
    ],
)
def test_euc_jp_reads_as_chromium_reads_it_and_writes_back_the_same_bytes(
    data: bytes, text: str
) -> None:
    codec = page_codec("EUC-JP", data)
    assert data.decode(codec) == text
    assert encode(text, codec) == data


@pytest.mark.parametrize(
    ("charset", "text", "written"),
    [
        # the bytes a browser would read as another character go out as references
        ("Shift_JIS", "〜‖−¢£¬¥‾", b"&#12316;&#8214;&#8722;&#162;&#163;&#172;&#165;&#8254;"),
        ("EUC-JP", "〜‖−¢£¬¥‾", b"&#12316;&#8214;&#8722;&#162;&#163;&#172;&#165;&#8254;"),
        ("Shift_JIS", "～∥－￠￡￢", "～∥－￠￡￢".encode("cp932")),
        ("EUC-JP", "～∥－", b"\xa1\xc1\xa1\xc2\xa1\xdd"),
    ],
)
def test_a_character_a_browser_would_read_as_another_is_a_reference(
    charset: str, text: str, written: bytes
) -> None:
    assert encode(text, page_codec(charset, b"")) == written


def test_no_shift_jis_byte_pair_reads_as_a_character_written_as_a_reference() -> None:
    """The page's own text never holds one: its bytes stay the app's."""
    lookalikes = set("〜‖−¢£¬¥‾")
    pairs = (bytes([lead, trail]) for lead in range(0x81, 0xFD) for trail in range(0x40, 0xFD))
    read = {pair.decode("cp932", "ignore") for pair in pairs}
    assert not lookalikes & read


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("url", "headers", "shown"),
    [
        (f"{TOUR}?q={KYOTO}", {}, "kyoto-hero"),  # percent-encoded path and query
        (f"/ツアー/京都?q={KYOTO}", {}, "kyoto-hero"),  # as some clients send the path
        (f"{TOUR}?q={quote('大阪')}", {}, "-"),
        (f"/{quote('ホテル')}/{KYOTO}?q={KYOTO}", {}, "-"),  # the glob holds for /ツアー/* only
        (f"{TOUR}?q={KYOTO}", {"accept-language": "ja-JP,ja;q=0.9,en;q=0.8"}, "kyoto-hero"),
        (f"{TOUR}?q={KYOTO}", {"referer": "https://search.yahoo.co.jp/search?p=%E4"}, "kyoto-hero"),
        # a form on a Shift_JIS or EUC-JP page sends its text in the page's charset
        (f"{TOUR}?q={SJIS_KYOTO}&cs=shift_jis", {}, "kyoto-hero"),
        (f"{TOUR}?q={SJIS_KYOTO}&cs=shift_jis-meta", {}, "kyoto-hero"),
        (f"{TOUR}?q={quote('京都'.encode('euc_jp'))}&cs=euc-jp", {}, "kyoto-hero"),
        (f"{TOUR}?q={quote('京都'.encode('iso2022_jp'))}&cs=iso-2022-jp", {}, "kyoto-hero"),
        (f"{TOUR}?q={KYOTO}&cs=shift_jis", {}, "kyoto-hero"),  # a link's UTF-8 stays UTF-8
        (f"{TOUR}?q={SJIS_KYOTO}&cs=utf-8", {}, "-"),  # a UTF-8 page's forms send UTF-8
    ],
)
async def test_japanese_paths_and_queries_choose_the_block(
    tmp_path: Path, omotenashi_redis_url: str, url: str, headers: dict[str, str], shown: str
) -> None:
    mw = Omotenashi(japan_app(), settings=japan_settings(tmp_path, omotenashi_redis_url))
    async with client_for(mw) as client:
        got = await raw_get(client, url, **headers)
    assert got.status_code == 200
    assert got.headers["x-omotenashi-rules"] == shown


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("when", "url", "headers"),
    [
        ("{query: {utm_campaign: 秋の紅葉}}", f"/x?utm_campaign={quote('秋の紅葉')}", {}),
        ('{referrer: "*search.yahoo.co.jp*"}', "/x", {"referer": "https://search.yahoo.co.jp/s"}),
        ('{referrer: "*例え.jp*"}', "/x", {"referer": "https://xn--r8jz45g.jp/page"}),
        ("{language: ja}", "/x", {"accept-language": "ja-JP,ja;q=0.9"}),
    ],
)
async def test_what_a_japanese_visitor_brings_is_read(
    make_settings: Make, when: str, url: str, headers: dict[str, str]
) -> None:
    rules = f"rules:\n  - {{id: r, slot: hero, text: はい, when: {when}, why: あなたへ。}}\n"
    page = '<!doctype html><meta charset="utf-8"><p data-omo-slot="hero">いいえ</p>'
    mw = Omotenashi(page_app(page), settings=make_settings(rules))
    async with client_for(mw) as client:
        got = await raw_get(client, url, **headers)
    assert got.headers["x-omotenashi-rules"] == "r"
    assert "はい" in got.text


FULL_WIDTH_SPACE, FULL_WIDTH_COLON = "\u3000", "\uff1a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"rules:\n  - id: kyoto\n    slot: hero\n{FULL_WIDTH_SPACE * 2}text: 京都\n"
            "    why: 京都を見ていました。\n",
            "rules/site.yaml:4: line 4 is indented with a full-width space (U+3000) (indent "
            "with ASCII spaces: retype it in half-width (hankaku) mode)",
        ),
        (
            f"rules:\n  - id: kyoto\n    slot{FULL_WIDTH_COLON}hero\n    text: 京都\n",
            "rules/site.yaml:3: line 3 has a full-width colon '：' after 'slot' (write slot: "
            "with an ASCII colon: retype it in half-width (hankaku) mode)",
        ),
        (
            f'rules:\n  - id: kyoto\n    slot: hero\n    text: "京都の紅葉" {FULL_WIDTH_SPACE}\n'
            "    why: 京都を見ていました。\n",
            "rules/site.yaml:4: line 4 has a full-width space (U+3000) outside the quotes "
            "(delete it, or put it inside the quotes)",
        ),
        (
            "rules:\n  - id: 京都ヒーロー\n    slot: hero\n    text: 京都\n    why: 京都です。\n",
            "rules/site.yaml:2: rules[0].id: '京都ヒーロー' has characters that are not allowed",
        ),
        (  # after a BOM, CRLF and Japanese text: still its own line
            "\ufeffrules:\r\n  - id: kyoto\r\n    slot: hero\r\n    text: 京都の紅葉ツアー\r\n"
            "    why: 京都を見ていました。\r\n    category: 閲覧履歴\r\n",
            "rules/site.yaml:6: rules[0].category: '閲覧履歴' has characters that are not allowed",
        ),
    ],
    ids=["full-width-indent", "full-width-colon", "full-width-space-after", "id", "category"],
)
def test_a_japanese_editors_slip_is_named_at_its_line_with_its_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_bytes(text.encode("utf-8"))
    with pytest.raises(RuleSetError) as info:
        load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    assert any(expected in str(error) for error in info.value.errors), info.value.errors


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("京都のツアーを検索されました。", "京都のツアーを検索されました。"),
        ("日本語でご覧です！", "日本語でご覧です！"),
        ("京都はお好きですか？", "京都はお好きですか？"),
        ("“q” in the link you followed is 京都", "“q” in the link you followed is 京都."),
    ],
)
def test_a_japanese_reason_keeps_its_own_full_stop(reason: str, said: str) -> None:
    assert sentence(reason) == said


IVS_KUZU = "葛\U000e0100"  # 葛 with the variation selector a place name (葛飾) may need


@pytest.mark.parametrize(
    ("text", "limit", "kept"),
    [
        ("京都の紅葉", 3, "京都の"),
        ("a" + IVS_KUZU * 3, 4, "a" + IVS_KUZU),  # not 葛 without its selector
        ("ab" + "か\u3099" * 3, 3, "ab"),  # が written decomposed: not か
        ("x👍🏽👍🏽", 4, "x👍🏽"),  # not a thumb without its skin tone
        ("👨\u200d👩\u200d👧!", 4, ""),  # not a couple out of a family
        ("x🇯🇵🇯🇵", 4, "x🇯🇵"),  # not half a flag
        ("x🇯🇵🇯🇵", 2, "x"),
        ("\u1112\u1161\u11ab\u1100\u116e\u11a8", 2, ""),  # 한국 as jamo: not 하 out of 한
        ("\u1112\u1161\u11ab\u1100\u116e\u11a8", 4, "\u1112\u1161\u11ab"),
    ],
)
def test_a_cut_to_a_limit_never_splits_what_reads_as_one_character(
    text: str, limit: int, kept: str
) -> None:
    assert clip(text, limit) == kept


@pytest.mark.anyio
async def test_a_long_japanese_campaign_is_kept_without_a_broken_character(
    make_settings: Make,
) -> None:
    """The first visit's campaign is kept to 200 characters; the cut keeps each variant whole."""
    campaign = "秋" + IVS_KUZU * 150
    page = '<!doctype html><meta charset="utf-8"><p data-omo-slot="hero">いいえ</p>'
    mw = Omotenashi(page_app(page), settings=make_settings())
    async with client_for(mw) as client:
        await client.get(f"/?utm_campaign={quote(campaign)}")
        listed = (await client.get("/_omotenashi/preferences")).text
    assert f"the campaign the link you first came by was part of: 秋{IVS_KUZU * 99}." in listed


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        ("2026-12-03T23:59:00+09:00", True),  # the last minute of the end date in Tokyo
        ("2026-12-04T00:00:00+09:00", False),  # Tokyo's midnight (15:00 UTC on the 3rd)
        ("2026-11-30T23:59:00+09:00", False),  # 14:59 UTC on the 30th: not yet the 1st there
        ("2026-12-01T00:00:00+09:00", True),
    ],
)
def test_a_schedule_of_bare_dates_keeps_tokyo_days(
    tmp_path: Path, moment: str, shown: bool
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule = (
        "rules:\n  - {id: sale, slot: hero, text: 年末セール, why: 年末セール中です。,\n"
        "     schedule: {start: 2026-12-01, end: 2026-12-03}}\n"
    )
    (tmp_path / "rules" / "site.yaml").write_text(rule, encoding="utf-8")
    ruleset = load_ruleset(
        tmp_path / "rules", Renderer(tmp_path / "snippets"), timezone="Asia/Tokyo", base=tmp_path
    )
    now = datetime.fromisoformat(moment).timestamp()
    visit = Visit(visitor_id="v1", profile=Profile(), now=now)
    config = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
    page = '<!doctype html><meta charset="utf-8"><p data-omo-slot="hero">ようこそ</p>'.encode()
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    result = personalise_response(page, headers, visit, ruleset, Journey(), config)
    assert ("年末セール".encode() in result.body) is shown
