"""A small Japanese travel site (Starlette) for the Japanese end-to-end tests: the same page in
UTF-8, Shift_JIS (declared in the header, or only in a ``<meta>``), EUC-JP and ISO-2022-JP, a
hero block whose copy is Japanese, and rules written as a Japanese editor writes them (a BOM,
CRLF line ends, Japanese in ``why:``, globs and query values)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from omotenashi import Settings

# The hero's copy: NEC's ① and ㈱ and IBM's 髙 (in Shift_JIS and, as browsers read it, EUC-JP),
# a wave dash 〜 and a full-width tilde ～ (two characters, one byte pair in Shift_JIS and EUC-JP)
# and an emoji no Japanese charset holds.
HERO = "京都の紅葉 ①㈱髙島屋 10:00〜18:00 ～ 😀"
DEFAULT = "ようこそ ①㈱髙島屋 ～"  # the page's own text, with NEC's and IBM's characters too
WHY = "京都のツアーを検索されたため。"


@dataclass(frozen=True)
class Charset:
    id: str
    codec: str  # how the app writes its page (Python's codec, as the site's own tools do)
    content_type: str
    meta: str
    hero: bytes  # the hero's copy as it must go out in this charset
    default: str  # the page's own text (what this charset holds of DEFAULT)


# 〜 as bytes would show as ～ (0x8160 is ～ to browsers): a character reference
SHIFT_JIS_HERO = (
    "京都の紅葉 ①㈱髙島屋 10:00".encode("cp932")
    + b"&#12316;18:00 "
    + "～".encode("cp932")
    + b" &#128512;"
)
CHARSETS = [
    Charset("utf-8", "utf-8", "text/html; charset=utf-8", "", HERO.encode(), DEFAULT),
    Charset(
        "shift_jis",
        "cp932",
        "text/html; charset=Shift_JIS",
        "",
        SHIFT_JIS_HERO,
        DEFAULT,
    ),
    Charset(
        "shift_jis-meta",
        "cp932",
        "text/html",
        '<meta charset="Shift_JIS">',
        SHIFT_JIS_HERO,
        DEFAULT,
    ),
    Charset(
        "euc-jp",
        "euc_jp",
        "text/html; charset=EUC-JP",
        "",
        # as browsers write EUC-JP: ① ㈱ (NEC row 13), 髙 (NEC-selected IBM), ～ is 0xA1C1
        "京都の紅葉 ".encode("euc_jp")
        + b"\xad\xa1\xad\xea\xfc\xe2"
        + "島屋 10:00".encode("euc_jp")
        + b"&#12316;18:00 \xa1\xc1 &#128512;",
        "ようこそ ",  # euc_jp cannot write the rest: the page's bytes are added below
    ),
    Charset(
        "iso-2022-jp",
        "iso2022_jp",
        "text/html; charset=ISO-2022-JP",
        "",
        # JIS X 0208 alone: ①㈱髙 as references; ～ is ESC $ B !A, as browsers write it,
        # and 〜 a reference (Python's iso2022_jp wrote it as those bytes, shown as ～: mount64)
        "京都の紅葉 ".encode("iso2022_jp")
        + b"&#9312;&#12849;&#39641;"
        + "島屋 10:00".encode("iso2022_jp")
        + b"&#12316;18:00 \x1b$B!A\x1b(B &#128512;",
        "ようこそ ",
    ),
]
BY_ID = {c.id: c for c in CHARSETS}
EUC_OWN = b"\xad\xa1\xad\xea\xfc\xe2\xa1\xc1"  # ①㈱髙～ as an EUC-JP page has them


def page_bytes(charset: Charset) -> bytes:
    """The tour page in ``charset``, its hero slot holding the page's own text."""
    own = charset.default.encode(charset.codec) + (EUC_OWN if charset.id == "euc-jp" else b"")
    head = (
        f"<!doctype html><html lang=ja><head>{charset.meta}<title>京都ツアー</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body><main><h1 data-omo-slot="hero">'
    ).encode(charset.codec)
    return head + own + "</h1><p>秋の京都へ。</p></main></body></html>".encode(charset.codec)


def personalised_bytes(charset: Charset) -> bytes:
    """The page as it must go out with the hero rule shown (no "i", no panel): every byte the
    app's, but the hero's."""
    page = page_bytes(charset)
    start = page.index(b'data-omo-slot="hero">') + len(b'data-omo-slot="hero"')
    end = page.index(b"</h1>")
    return page[:start] + b' data-omo-rule="kyoto-hero">' + charset.hero + page[end:]


def rules_text() -> str:
    """The rule file, as a Japanese editor's tools save it (written with a BOM and CRLF)."""
    return (
        "rules:\n"
        "  - id: kyoto-hero\n"
        "    slot: hero\n"
        f'    text: "{HERO}"\n'
        '    when: {query: {q: 京都}, path: "/ツアー/*"}\n'
        "    category: deals\n"
        f'    why: "{WHY}"\n'
    )


def write_rules(root: Path) -> tuple[Path, Path]:
    """The rules and snippets folders under ``root``."""
    rules, snippets = root / "rules", root / "snippets"
    rules.mkdir(exist_ok=True)
    snippets.mkdir(exist_ok=True)
    data = "\ufeff" + rules_text().replace("\n", "\r\n")
    (rules / "site.yaml").write_bytes(data.encode("utf-8"))
    return rules, snippets


def japan_settings(root: Path, redis_url: str, **respect: Any) -> Settings:
    rules, snippets = write_rules(root)
    return Settings(
        secret_keys=["test-key-for-the-japanese-site"],
        redis={"url": redis_url},
        rules={"dir": rules, "snippets_dir": snippets, "timezone": "Asia/Tokyo"},
        respect={"fresh_share": 0.0, "disclosure": False, "page_panel": False, **respect},
        debug_header=True,
    )


async def _tour(request: Request) -> Response:
    charset = BY_ID[request.query_params.get("cs", "utf-8")]
    return Response(page_bytes(charset), headers={"content-type": charset.content_type})


def japan_app() -> Starlette:
    """The site: ``/<section>/<name>?cs=<charset id>`` is a tour page in that charset."""
    return Starlette(routes=[Route("/{section}/{name}", _tour)])
