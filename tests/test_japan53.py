"""japan53: a Japanese shop, end to end.

- A page's topics written with Japanese commas (``京都、温泉``, ``京都，温泉``) were one topic.
- Width and wave-dash variants were different interests (ｷｮｳﾄ / キョウト, ＫＹＯＴＯ / kyoto,
  〜 U+301C / ～ U+FF5E, which macOS and Shift_JIS write apart).
- A catalogue's ``tags:`` had to be ASCII, while pages' topics may be Japanese: they never met.
- The download of a visitor's data was all ``\\u`` escapes.
- ``language: jp`` (a country's code) passed ``check`` (tests/test_editor53.py); a stage's
  words ending in 。 read "。.";
  a full-width id was told to "use lowercase letters", which it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from omotenashi import Omotenashi
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import page_tags
from omotenashi.identity.cookie import Identity
from omotenashi.recommend.catalog import Catalog, Item
from omotenashi.respect.preferences import export
from omotenashi.rules.text import topic, unstopped

from .conftest import client_for, form_token, page_app
from .test_cli_check import check_site
from .test_editb47_never import HEAD


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ｷｮｳﾄ", "キョウト"),
        ("ＫＹＯＴＯ", "kyoto"),
        ("３泊", "3泊"),
        ("ｶﾞｲﾄﾞ", "ガイド"),
        ("京都〜大阪", "京都～大阪"),
        ("京都　温泉", "京都 温泉"),
        # the other byte pairs Shift_JIS and CP932 read apart (session 54)
        ("東京−大阪", "東京－大阪"),
        ("東京‖大阪", "東京∥大阪"),
        ("東京―大阪", "東京—大阪"),
    ],
)
def test_width_and_wave_dash_variants_are_one_topic(one: str, other: str) -> None:
    assert topic(one) == topic(other)


@pytest.mark.parametrize("comma", [",", "、", "，", "､"])
def test_a_page_s_topics_may_be_listed_with_japanese_commas(comma: str) -> None:
    page = f'<html><head><meta name="omotenashi:topics" content="京都{comma} 温泉"></head></html>'
    assert page_tags(page, "/", Journey())[0] == ["京都", "温泉"]


def test_a_catalogue_tag_is_a_topic_as_pages_give_them() -> None:
    item = Item.model_validate(
        {"id": "kyoto-autumn", "title": "秋の京都", "url": "/t/k", "tags": ["京都", "ｷｮｳﾄ"]}
    )
    assert item.tags == ("京都", "キョウト")
    with pytest.raises(ValueError, match="is not a tag"):
        Item.model_validate({"id": "x", "title": "x", "url": "/x", "tags": ["京都、温泉"]})


def test_the_download_of_a_visitor_s_data_is_readable() -> None:
    profile = Profile(attrs={"first_name": "花子"})
    ident = Identity(vid="v" * 22, is_new=False, issued_at=0.0)
    data = export(ident, profile, {}, Catalog(), "Asia/Tokyo", Journey()).decode()
    assert "花子" in data and "\\u82b1" not in data
    assert "花子" in json.dumps(json.loads(data), ensure_ascii=False)


def test_a_full_width_id_is_told_its_half_width_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = HEAD.replace("id: kyoto-hero", "id: ｋｙｏｔｏ-hero")
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rule})
    assert code == 1
    assert out[0] == (
        "rules/r.yaml:2: error: rules[0].id: 'ｋｙｏｔｏ-hero' has characters that are not "
        "allowed here (write it in half-width (hankaku) characters: 'kyoto-hero')"
    )


@pytest.mark.parametrize(
    ("written", "said"), [("ご覧いただいています。", "ご覧いただいています"), ("Done.", "Done")]
)
def test_a_sentence_s_own_full_stop_goes_before_ours(written: str, said: str) -> None:
    assert unstopped(written) == said


CATEGORY_RULES = """
categories:
  onsen: {label: 温泉のご案内}
rules:
  - {id: spa, slot: hero, text: "湯けむり", category: onsen, why: "温泉がお好きなようです。"}
"""


@pytest.mark.anyio
async def test_a_kind_has_the_label_its_file_gives_it(make_settings: Any) -> None:
    """The preferences page and the data page name a kind by its ``label:`` (it said "Onsen");
    a kind without one keeps its name in words."""
    page = '<!doctype html><html lang="ja"><body><div data-omo-slot="hero">既定</div></body></html>'
    mw = Omotenashi(page_app(page), settings=make_settings(CATEGORY_RULES))
    async with client_for(mw) as client:
        await client.get("/")
        prefs = (await client.get("/_omotenashi/preferences")).text
        form = {
            "csrf": form_token(prefs),
            "action": "save",
            "listed": ["spa"],
            "listed_kind": ["onsen,browsing-history"],
            "category": ["browsing-history"],
            "listed_category": ["onsen", "browsing-history"],
        }
        await client.post(
            "/_omotenashi/preferences", data=form, headers={"origin": "http://shop.test"}
        )
        prefs = (await client.get("/_omotenashi/preferences")).text
        data = (await client.get("/_omotenashi/preferences/data")).text
    assert "温泉のご案内" in prefs and "Onsen" not in prefs
    assert "Switched off: 温泉のご案内" in data


@pytest.mark.parametrize(
    ("label", "said"),
    [("''", "the label is empty"), ("'" + "湯" * 61 + "'", "the label is 61 characters long")],
)
def test_a_label_is_words_a_visitor_reads(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    label: str,
    said: str,
) -> None:
    rules = CATEGORY_RULES.replace("label: 温泉のご案内", f"label: {label}")
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rules})
    assert code == 1 and f"categories.onsen.label: {said}" in out[0], out


@pytest.mark.parametrize(
    ("categories", "said"),
    [
        (
            '  onsen: {label: "温\\u202e泉"}\n',
            "categories.onsen.label: the label holds a character no one sees ('\\u202e', "
            "U+202E, after '温') (retype the label without it",
        ),
        (  # (i18n67: named, where it is)
            '  onsen: {label: "\\u200b温泉"}\n',
            "the label holds a character no one sees ('\\u200b', U+200B, at its start)",
        ),
        (
            "  osen: {label: 温泉}\n",
            "warning: categories.osen: no rule has the category 'osen': its label names no",
        ),
    ],
)
def test_a_label_is_checked_as_visitors_read_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    categories: str,
    said: str,
) -> None:
    rules = CATEGORY_RULES.replace("  onsen: {label: 温泉のご案内}\n", categories)
    _, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rules})
    assert any(said in line for line in out), out


def test_a_page_s_item_ids_are_folded_as_viewed_and_the_beacon_give_them() -> None:
    """``<meta name="omotenashi:item" content="商品３">`` is ``商品３`` (NFC), as ``viewed:``
    and the beacon give it; topics fold as NFKC (eye53b)."""
    page = (
        '<html><head><meta name="omotenashi:item" content="商品３、2">'
        '<meta name="omotenashi:topics" content="ＫＹＯＴＯ"></head></html>'
    )
    assert page_tags(page, "/", Journey()) == (["kyoto"], ["商品３、2"])


def test_a_page_s_topics_are_folded_within_a_budget() -> None:
    """Folding a page's text costs up to 18 characters for one (ﷺ): each value is cut,
    and text not ASCII folded up to a budget, however long the tag (eye53b)."""
    page = f'<html><head><meta name="omotenashi:topics" content="{"ﷺ" * 20000}, kyoto"></head>'
    assert page_tags(page, "/", Journey())[0] == ["kyoto"]


def test_japanese_topics_past_the_budget_are_not_folded() -> None:
    """Past 1,600 characters of text that is not ASCII, a tag's later topics are left (a
    Japanese page names a handful; a tag of thousands is no page's own)."""
    many = "、".join(f"話題{i}" for i in range(1000))
    page = f'<html><head><meta name="omotenashi:topics" content="{many}"></head>'
    assert page_tags(page, "/", Journey())[0] == [f"話題{i}" for i in range(10)]
    late = "、".join(["ﷺ" * 160] * 10 + ["京都"])
    page = f'<html><head><meta name="omotenashi:topics" content="{late}"></head>'
    assert page_tags(page, "/", Journey())[0] == []


def test_the_folding_budget_is_the_page_s_not_each_tag_s() -> None:
    """Many topic tags of text that folds long each had a budget of their own: 34 ms a view
    (eye53d). The page has one; an ASCII topic after it is still read."""
    tag = '<meta name="omotenashi:topics" content="{}">'
    tags = "".join(tag.format(",".join(["ﷺ" * 160] * 10)) for _ in range(19))
    page = f"<html><head>{tags}{tag.format('kyoto, 京都')}</head></html>"
    assert page_tags(page, "/", Journey())[0] == ["kyoto"]
