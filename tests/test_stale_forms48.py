"""stale48: a form from a page shown before the visitor's id changed (an erase, a sign-in or a
sign-out in another tab) says plainly that nothing was changed and why, on a readable page that
links straight back to where the choice can be made again (JSON callers keep their JSON); and
under GPC a cookie left with no choice and nothing stored under its id is expired (after an
Undo, by the page that says "Undone": stale48b), while one whose id holds a profile from
before GPC is kept. Through the whole stack, a real Redis."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable

import httpx
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.choicepost import came_from
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.ids import new_vid
from omotenashi.respect.formhttp import ERASED_SINCE, EXPIRED, refusal

from .conftest import client_for, form_token, origin, page_app, page_words
from .test_dismiss_flash import form, said

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
HTML = {"accept": "text/html,application/xhtml+xml"}
GPC = {"sec-gpc": "1"}
SPRING = "/?utm_campaign=spring"
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<aside id="promo" data-omo-slot="promo">Default promo</aside></body></html>'
)
RULES = """
rules:
  - {id: campaign-promo, slot: promo, text: "Spring offer", when: {query: {utm_campaign: spring}},
     category: campaigns, why: "You followed our spring link."}
"""


def site(make_settings: Make, **overrides: object) -> Omotenashi:
    settings = make_settings(RULES, respect={"disclosure": True}, **overrides)
    return Omotenashi(page_app(PAGE), settings=settings)


def problem(page: str) -> str:
    found = re.search(r'<p id="omo-problem">(.*?)</p>', page)
    assert found, page
    return html.unescape(found[1])


def links(page: str) -> dict[str, str]:
    """The refusal's links: what each says, where it goes."""
    found = re.findall(r'<a (?:id="omo-back" )?href="([^"]*)">([^<]*)</a>', page)
    return {text: html.unescape(href) for href, text in found}


async def erase(client: httpx.AsyncClient) -> None:
    page = await client.get(PREFS)
    fields = {"csrf": form_token(page.text), "action": "erase", "confirm": "yes"}
    erased = await client.post(PREFS, data=fields, headers={"origin": origin(client)})
    assert erased.status_code == 303 and "erased=1" in erased.headers["location"]


async def sign_out_elsewhere(client: httpx.AsyncClient, mw: Omotenashi) -> None:
    """What a sign-out (or another worker's erase) leaves: a cookie for a new id, which this
    process never saw change."""
    ident = Identity(vid=new_vid(), is_new=False, issued_at=time.time())
    client.cookies.set("omo_vid", CookieSigner(mw.settings).sign(ident), domain="shop.test")


def old_forms(shown: str, prefs: str) -> dict[str, dict[str, str]]:
    save = {"csrf": form_token(prefs), "action": "save", "listed": "campaign-promo"}
    return {"dismiss": form(shown, "omo-dismiss"), "save": save}


@pytest.mark.parametrize("which", ["dismiss", "save"])
@pytest.mark.parametrize(("how", "why"), [("erased", ERASED_SINCE), ("elsewhere", EXPIRED)])
async def test_a_stale_form_says_nothing_changed_and_links_back_to_its_page(
    make_settings: Make, omotenashi_redis: redis.Redis, which: str, how: str, why: str
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        forms = old_forms((await client.get(SPRING)).text, (await client.get(PREFS)).text)
        if how == "erased":  # in another tab
            await erase(client)
        else:
            await sign_out_elsewhere(client, mw)
        sent = forms[which]
        answer = await client.post(PREFS, data=sent, headers={"origin": origin(client), **HTML})
        as_json = await client.post(PREFS, data=sent, headers={"origin": origin(client)})
        went = links(answer.text)
        back = (
            went.get("Back to the page you were on") or went["Back to your personalisation choices"]
        )
        again = await client.get(back)
    assert answer.status_code == 403 and as_json.status_code == 403
    assert as_json.json() == {"error": why}  # JSON callers keep their JSON answer
    assert problem(answer.text) == why[:1].upper() + why[1:] + "."
    assert "reload" not in page_words(answer.text).lower()
    assert "<title>Nothing was changed</title>" in answer.text
    if which == "dismiss":  # straight back to the block, which shows: nothing was kept
        assert went == {
            "Back to the page you were on": SPRING + "#promo",
            "Your personalisation choices": PREFS,
        }
        assert "Spring offer" in again.text and said(again) == ""
        assert form(again.text, "omo-dismiss")["rule"] == "campaign-promo"  # to choose again
    else:
        assert went == {"Back to your personalisation choices": PREFS, "Back to the site": "/"}
        assert 'name="csrf"' in again.text
    # readable, from an inline style the page's own policy allows; nothing else loaded
    style = re.search(r"<style>(.*?)</style>", answer.text)
    assert style and "system-ui" in style[1] and "max-width" in style[1]
    assert len(style[0]) <= 1024 and "url(" not in style[1] and "@import" not in style[1]
    policy = answer.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "default-src 'none'" in policy


async def test_a_forged_next_leads_back_to_this_site_only(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get(SPRING)
        fields = {**form((await client.get(SPRING)).text, "omo-dismiss"), "csrf": "0" * 32}
        fields["next"] = "//evil.example/"
        answer = await client.post(PREFS, data=fields, headers={"origin": origin(client), **HTML})
    assert answer.status_code == 403
    assert links(answer.text)["Back to the page you were on"] == "/"
    assert problem(answer.text) == EXPIRED[:1].upper() + EXPIRED[1:] + "."


@given(st.text(max_size=40), st.sampled_from(["dismiss", "undo", "save", "erase", ""]))
def test_the_way_back_is_a_path_on_this_site_written_safely(nxt: str, action: str) -> None:
    back = came_from({"next": [nxt], "action": [action]}, "/shop/_omotenashi/preferences", "/shop")
    page = refusal(EXPIRED, HTML, "/shop/_omotenashi", "/shop", back)[0].decode()
    href = re.search(r'<a id="omo-back" href="([^"]*)">', page)
    assert href, page
    went = html.unescape(href[1])
    assert went == back and went.startswith("/") and not went.startswith("//")
    assert not any(ch in went for ch in "\\\t\n\r ") and '"' not in href[1]
    if action not in ("dismiss", "undo"):
        assert went == "/shop/_omotenashi/preferences"


# -- P2-b: under GPC, a cookie left with no choice -------------------------------------------


async def dismiss_then_undo(client: httpx.AsyncClient) -> httpx.Response:
    shown = await client.get(SPRING)
    went = await client.post(
        PREFS, data=form(shown.text, "omo-dismiss"), headers={"origin": origin(client)}
    )
    assert went.status_code == 303 and "omo_vid" in client.cookies  # it keeps the choice
    back = await client.get(SPRING)
    assert said(back).startswith("Done: ")
    undo = await client.post(
        PREFS, data=form(back.text, "omo-undo"), headers={"origin": origin(client)}
    )
    assert undo.status_code == 303
    return undo


def private_note(page: str) -> str:
    found = re.search(r'id="omo-private"[^>]*>(.*?)</', page, re.S)
    return " ".join(page_words(found[1]).split()) if found else ""


async def test_a_cookie_minted_under_gpc_goes_once_its_undo_is_said(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """stale48b: the Undo's answer keeps the cookie that carries its confirmation; the page
    that says "Undone" expires it (it holds no choice, its id nothing): the visitor leaves
    told, and without our cookie, as a GPC browser never given one."""
    mw = site(make_settings)
    async with client_for(mw, headers=GPC) as client:
        undo = await dismiss_then_undo(client)
        carried = "omo_vid" in client.cookies
        again = await client.get(undo.headers["location"])
        gone = "omo_vid" not in client.cookies
        after = await client.get(SPRING)
        prefs = await client.get(PREFS)
        redo = await client.post(  # from the page that said Undone: as a browser without one
            PREFS, data=form(again.text, "omo-dismiss"), headers={"origin": origin(client)}
        )
    async with client_for(mw, headers=GPC) as stranger:  # never given our cookie
        theirs = await stranger.get(PREFS)
    assert redo.status_code == 303 and "Max-Age=0" not in redo.headers["set-cookie"]
    assert "Max-Age=0" not in undo.headers["set-cookie"] and carried
    assert undo.headers["location"] == SPRING + "#omo-done"  # to the confirmation
    assert said(again).startswith("Undone: ") and "Spring offer" in again.text
    assert "Max-Age=0" in again.headers["set-cookie"] and gone
    assert again.headers["cache-control"].startswith("private")  # no cache replays it
    assert "cookie" in again.headers["vary"].lower()
    assert said(after) == "" and "set-cookie" not in after.headers  # said once; none given
    assert private_note(prefs.text) == private_note(theirs.text) != ""
    assert list(omotenashi_redis.scan_iter(match="omo:*")) == []


async def test_a_save_that_leaves_a_gpc_cookie_no_choice_expires_it_at_once(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """Without a confirmation to carry (a save's notice is in its link), the answer to the
    save itself expires the cookie."""
    async with client_for(site(make_settings), headers=GPC) as client:
        shown = await client.get(SPRING)
        went = await client.post(
            PREFS, data=form(shown.text, "omo-dismiss"), headers={"origin": origin(client)}
        )
        assert went.status_code == 303 and "omo_vid" in client.cookies
        page = await client.get(PREFS)
        fields = {"csrf": form_token(page.text), "action": "save", "rule": "campaign-promo"}
        fields["category"] = "campaigns"  # everything on again
        saved = await client.post(PREFS, data=fields, headers={"origin": origin(client)})
        notice = await client.get(saved.headers["location"])
    assert saved.status_code == 303 and "Max-Age=0" in saved.headers["set-cookie"]
    assert "omo_vid" not in client.cookies and "set-cookie" not in notice.headers
    assert list(omotenashi_redis.scan_iter(match="omo:*")) == []


@pytest.mark.parametrize("store", ["profile", "down"])
async def test_a_gpc_cookie_is_kept_after_undo_when_its_id_may_hold_a_profile(
    make_settings: Make, omotenashi_redis: redis.Redis, store: str
) -> None:
    """A profile kept under the id before GPC stays the visitor's to see and erase; and
    where the store cannot say (down), the cookie stays as it is."""
    down = {"redis": {"url": "redis://127.0.0.1:1/0"}} if store == "down" else {}
    async with client_for(site(make_settings, **down)) as client:
        for _ in range(3 if store == "profile" else 0):  # before GPC: a profile is kept
            await client.get("/")
        client.headers.update(GPC)
        undo = await dismiss_then_undo(client)
        again = await client.get(undo.headers["location"])
    assert "Max-Age=0" not in undo.headers["set-cookie"] and "omo_vid" in client.cookies
    assert said(again).startswith("Undone: ")
    assert "Max-Age=0" not in again.headers.get("set-cookie", "")  # kept by the page too


async def test_a_bug_asking_whether_the_cookie_holds_anything_keeps_it_and_the_page(
    make_settings: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eye48: the page that says "Undone" asks the store once; a failure there that is no
    Redis error (a bug of ours) keeps the cookie as it is and serves the page, never a 5xx."""
    mw = site(make_settings)
    async with client_for(mw, headers=GPC) as client:
        undo = await dismiss_then_undo(client)

        async def broken(*_: object) -> object:
            raise ValueError("a bug")

        monkeypatch.setattr(mw.store, "load", broken)
        again = await client.get(undo.headers["location"])
    assert again.status_code == 200 and said(again).startswith("Undone: ")
    assert "Max-Age=0" not in again.headers.get("set-cookie", "")
