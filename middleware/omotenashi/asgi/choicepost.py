"""``POST {prefix}/preferences``: a choice made on the preferences page or on a block ("Don't
show me this", its Undo), checked (same site, size, the visitor's form token), applied to the
cookie, and the browser sent on (asgi/endpoints.py routes here)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from omotenashi.asgi.arrival import Guest, request_host, url_root
from omotenashi.asgi.ownhttp import ELSEWHERE, cross_site, read_body, same_site, send_answer
from omotenashi.asgi.setcookie import holds_nothing
from omotenashi.engine.restraint import Prefs
from omotenashi.errors import StoreError
from omotenashi.identity import moves
from omotenashi.identity.cookie import Identity
from omotenashi.ids import new_vid
from omotenashi.respect import preferences
from omotenashi.respect.formhttp import BOT, safe_next
from omotenashi.respect.privacy import Privacy
from omotenashi.store import privacy as privacy_store

if TYPE_CHECKING:  # (the endpoints import this module)
    from omotenashi.asgi.endpoints import Endpoints

Scope = dict[str, Any]
PARSE_ON_LOOP = 8192  # a preferences form larger than this is parsed in a worker thread
ENDS = ("save", "dismiss", "undo")  # a choice that may leave the cookie with none


def came_from(form: dict[str, list[str]], own: str, root: str) -> str:
    """The page the form was on: a block's (its ``next``: a path on this site only, else the
    site's home), else the preferences page, whose forms carry none."""
    if (form.get("action") or ["save"])[0] not in ("dismiss", "undo"):
        return own
    return safe_next((form.get("next") or [root + "/"])[0], root + "/")


async def post_choice(
    ep: Endpoints,
    scope: Scope,
    receive: Any,
    send: Any,
    guest: Guest,
    ident: Identity,
    privacy: Privacy,
) -> None:
    headers, loaded, signer = guest.headers, ep.rules.current, ep.signer
    secure = scope.get("scheme") in ("https", "wss")
    root = url_root(scope)  # behind a path prefix, the URLs we write start with it
    prefix = root + ep.prefix
    own = f"{prefix}/preferences"  # the one page with a notice to go to (#omo-notice)
    host = request_host(headers, scope, ep.settings)[0]
    if cross_site(headers, host):
        await send_answer(send, 403, *preferences.refusal(ELSEWHERE, headers, prefix, root))
        return
    if privacy.reason == "bot":  # no choice is kept for a bot (privacy62: a reset was done)
        await send_answer(send, 403, *preferences.refusal(BOT, headers, prefix, root))
        return
    choices = await ep.page.choices.get(loaded.ruleset)  # indexed once per rule set
    limit = 16384  # without our cookie: a dismiss or a few switches
    if not ident.is_new:  # twice what the page's form can send
        limit = max(limit, choices.form_limit)
    body = await read_body(receive, limit)
    if body is None:  # over the limit (a client that left reads no answer)
        too_big = f"the form is over {limit} bytes, more than this page's form sends"
        await send_answer(send, 413, *preferences.refusal(too_big, headers, prefix, root))
        return
    if len(body) > PARSE_ON_LOOP:  # a big rule set's form: parsed off the event loop
        form = await asyncio.to_thread(preferences.parse_form, body)
    else:
        form = preferences.parse_form(body)
    action, token = (form.get("action") or ["save"])[0], (form.get("csrf") or [""])[0]
    # A private visitor without our cookie (GPC/DNT) who makes a choice gets a cookie that
    # keeps only it, under an id nothing is stored under: there is no cookie for a token to
    # be tied to, so the browser must show the form came from this site.
    unlinked = (
        ident.is_new
        and privacy.private
        and privacy.keeps_choices(False)  # (never where ours is unread: it would replace it)
        and action in ("save", "dismiss")
        and same_site(headers, host)
    )
    if unlinked:
        ident = Identity(vid=new_vid(), is_new=False, issued_at=time.time())
    elif ident.is_new or not signer.check_csrf(ident, token) or signer.moves.gone(ident.vid):
        # (a form of a cookie a sign-out gave up: kept, it would sign the user back in: last61c)
        # nothing is changed; a stale form says why, with a link back to where the choice
        # can be made again (without our cookie it could not be: no link says it could)
        why, back = ep.erased.why(token), came_from(form, own, root)
        if ident.is_new:  # without consent (where it is asked), no cookie even for this
            why = preferences.NO_CONSENT if privacy.consent_missing else preferences.NO_COOKIE
            why = preferences.NOT_READ if ident.unread and not privacy.consent_missing else why
            back = ""
        await send_answer(send, 403, *preferences.refusal(why, headers, prefix, root, back))
        return
    before = ident
    ident, target, _ = await preferences.apply_choice(
        ep.store, loaded.ruleset, prefix, ident, form, choices, root=root
    )
    if nothing_ended(before, ident) and not ep.arrival.privacy(guest, ident).private:
        # pages this browser saw meanwhile went uncounted: its count says so (visitor70: "seen
        # 4 pages" after 9); Redis failing leaves the count unmarked, the choice made
        with contextlib.suppress(StoreError):
            await privacy_store.mark_uncounted(ep.store, ident.user or ident.vid)
    at = moves.stamp()  # (before its cookie is signed: a page in flight holds one older)
    ident, fitted = signer.fit(ident, choices.categories, secure=secure)
    if fitted.notice:  # not every choice fitted as given: the page says how they are kept
        target = f"{prefix}/preferences?{fitted.notice}=1"
    given, seen = signer.set_cookie_header(ident, secure=secure), ident.vid
    if unlinked and not ident.prefs:  # every switch left on: nothing to keep, no cookie
        go = preferences.location(preferences.marked(signer, target, "", own))
        await send_answer(send, 303, b"", [(b"location", go)])
        return
    if ident.vid != before.vid:  # erased: a form from a page shown before is told so
        ep.erased.add(signer.csrf_token(before))
    # a cookie that carries a choice's confirmation (an Undo's) to the next page is not ended
    # here: that page says it, then ends it (asgi/setcookie.py identity_headers)
    may_end = action in ENDS and not unlinked and (action == "save" or ident.flash is None)
    if privacy.private and ident.vid != before.vid and not ident.prefs and ident.user is None:
        # erased under GPC/no consent, with no choices nor sign-in to keep: the cookie goes
        # too (privacy66: a signed-in visitor's went, and with it the link to their account)
        given, seen = signer.expired_cookie_header(secure=secure), ""
        target = f"{prefix}/preferences?erased_all=1"
    elif may_end and await holds_nothing(ep.store, ident, private=private(ep, guest)):
        # nothing left to keep, nor to reach with its id: the cookie goes, as if never given
        # (an Undo with no confirmation to carry, of a rule gone since: back to its page)
        given, seen = signer.expired_cookie_header(secure=secure), ""
        if action != "save":
            target = came_from(form, own, root)
    go = preferences.location(preferences.marked(signer, target, seen, own))
    # a page in flight keeps its cookie to itself (race53)
    signer.moves.mark(before.vid, at, moves.cookie_value(given))
    await send_answer(send, 303, b"", [(b"location", go), (b"set-cookie", given)])


def private(ep: Endpoints, guest: Guest) -> bool:
    """Whether the privacy decision keeps nothing about this visitor (their cookie holding no
    choice: consent given is one)."""
    return ep.arrival.privacy(guest, None).private


def nothing_ended(before: Identity, after: Identity) -> bool:
    """The choice switched "Personalise nothing" off."""
    return Prefs.from_cookie(before.prefs).nothing and not Prefs.from_cookie(after.prefs).nothing
