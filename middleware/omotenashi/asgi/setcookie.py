"""What a response carries about the visitor's identity, rewritten or not: their cookie (new,
renewed or expired), the QA preview's cookie and why a force link was not honoured."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from omotenashi import quiet
from omotenashi.asgi.arrival import is_page_request
from omotenashi.asgi.visitor import Visitor
from omotenashi.engine.headers import Headers, add_vary, make_private
from omotenashi.engine.pagehttp import can_personalise
from omotenashi.errors import StoreError
from omotenashi.identity import moves
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.identity.moves import RENEW_WITHIN
from omotenashi.identity.preview import unknown_rules
from omotenashi.loader.reload import Loaded
from omotenashi.respect.shown import kept
from omotenashi.store.store import Store

if TYPE_CHECKING:  # (the responder imports this module)
    from omotenashi.asgi.tools import Tools

Message = dict[str, Any]
log = logging.getLogger("omotenashi")
_CLASH = quiet.Quiet(log, every=3600.0)  # the app setting our cookie's name: said hourly


def app_sets_ours(headers: Headers, name: str) -> None:
    """Say (at most once an hour) that the app's response (or the proxy's origin's) sets a
    cookie named as our visitor cookie: browsers keep whichever comes last, and a visitor
    whose cookie the app replaced is new at their next page (proxy51: it passed unsaid). The
    app's cookie is left as it is: it is the app's answer."""
    prefix = name.encode() + b"="
    for k, v in headers:
        if len(k) == 10 and k.lower() == b"set-cookie" and bytes(v).lstrip().startswith(prefix):
            _CLASH.say(
                logging.WARNING,
                "clash",
                "omotenashi: the app sets a cookie named %r, the name of Omotenashi's visitor "
                "cookie (OMOTENASHI_COOKIE_NAME): browsers keep whichever comes last, and a "
                "visitor whose cookie the app replaced is new at their next page; give one of "
                "them another name",
                name,
            )
            return


def with_identity(
    start: Message,
    visitor: Visitor,
    tools: Tools,
    *,
    secure: bool,
    page: bool = False,
    looked: bool = False,
    left: bool = False,
) -> Message:
    """A response we do not rewrite still carries a sign-in or sign-out's new cookie (or,
    for a private visitor's sign-out, the expiry of the cookie their browser sent), and a
    ``page`` (one we would have personalised) the returning visitor's renewed cookie and why
    a force link was refused, as a rewritten page says it (a private visitor's page left
    alone, OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false, or one the engine could not rewrite).
    An answer the app made reading the visitor (``looked``: a JSON of their profile) is
    private to them too, whatever its type (cdn55: a cache in front gave it to others). So
    is a page ``left`` as the app made it where others' are rewritten (Redis out or slow, a
    private visitor's under OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false, a failure of ours):
    as every page we rewrite, or leave alone because no rule applies, is (cdn55: a cache
    kept the app's public copy and gave it to everyone, no block, no cookie, no page view
    counted, for as long as the app's max-age, after Redis was back)."""
    visitor.answered = True  # (a sign-in or sign-out from now on cannot reach the browser)
    app_sets_ours(start.get("headers", []), tools.signer.cookie.name)
    tracked_new = visitor.is_new and bool(visitor.events or visitor.attrs)
    renewed = page and not visitor.is_new and not visitor.identity_changed
    renewed = renewed and renews(visitor, tools)
    refused = visitor.preview_refused if page else None
    given = visitor.identity_changed or (tracked_new and not visitor.private) or renewed
    if not (given or refused or looked or left):
        return start
    headers: Headers = list(start.get("headers", []))
    if given:
        headers.append((b"set-cookie", cookie(visitor, tools, secure=secure)))
    if refused:  # true of this browser and link only: no shared cache may keep it either
        headers.append((b"x-omotenashi-preview", preview_header(refused)))
    return {**start, "headers": make_private(add_vary(headers, *tools.config.vary))}


# What a crawler's 304 is for a file, not a page, by its path's end
FILES = tuple(
    f".{x}"
    for x in "css js mjs map json xml txt png jpg jpeg gif webp avif svg ico woff woff2 "
    "ttf otf eot mp4 webm mp3 pdf zip".split()
)


def for_crawlers(send: Any, scope: dict[str, Any], tools: Tools) -> Any:
    """``send`` for a crawler's request, passed on untouched: a page we would personalise
    for a person says that it depends on the User-Agent too, besides what a person's depends
    on, so that no shared cache gives a crawler's copy to people (cdn55: a cache kept
    Googlebot's and gave it to new visitors: no cookie, no block, no page view counted)."""
    method = "GET" if scope.get("method") == "HEAD" else scope.get("method", "GET")
    vary = (b"User-Agent", *tools.config.vary)
    # its 304 says it too (eye55), not a file's (an image's: eye55b)
    path = str(scope.get("path", ""))
    page = is_page_request(method, scope.get("headers", ())) and not path.endswith(FILES)

    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", ())]  # (any iterable)
            status = message.get("status", 200)
            if can_personalise(method, status, headers) or (status == 304 and page):
                message = {**message, "headers": add_vary(headers, *vary)}
        await send(message)

    return sending


def preview_header(said: str) -> bytes:
    return said.encode("ascii", "backslashreplace")  # ascii whatever the host or the names


def renew_private(visitor: Visitor, tools: Tools) -> None:
    """A private visitor's cookie that renews (:func:`renews`) keeps their choices, their id
    and their sign-in, as a save of their choices does (asgi/choicepost.py): a profile kept
    under either from before is theirs to see and erase. A fresh id left it in Redis, out of
    their reach, and the data page said "We keep nothing about you" (respect50 for an
    anonymous id; signedin51 for an account, whose link went while the site still showed them
    signed in, and came back only at their next sign-in). Decided once, before a page is made
    (its forms carry the token of the id its cookie will hold)."""
    if visitor.private and not visitor.identity_changed and renews(visitor, tools):
        visitor.identity_changed = True  # the cookie this response sets


def cookie(visitor: Visitor, tools: Tools, *, secure: bool) -> bytes:
    renew_private(visitor, tools)
    at = moves.stamp()  # (before the cookie is signed: identity/moves.py)
    if visitor.expire_cookie:  # a private visitor's sign-out: the cookie removed
        header = tools.signer.expired_cookie_header(secure=secure)
    else:
        header = tools.signer.set_cookie_header(visitor.identity, secure=secure)
    if visitor.replaced is not None:  # a sign-in or sign-out: the cookie before is outdated,
        # whenever it was signed when its id is given up (a sign-out; in its second too: last61b)
        gone = visitor.replaced != visitor.identity.vid
        value = "" if gone or visitor.expire_cookie else moves.cookie_value(header)
        tools.signer.moves.mark(visitor.replaced, moves.GONE if gone else at, value)
    return header


def renews(visitor: Visitor, tools: Tools) -> bool:
    """Whether a page signs the visitor's cookie again (it is getting old), asked when the
    response's headers are chosen (:func:`resends`). A private visitor's only when it carries
    a lasting choice of theirs (a block or a kind switched off, "personalise nothing", consent
    given or withdrawn), so that the choice holds for as long as they keep coming back; else
    they get no new cookie."""
    ident = visitor.identity
    if ident.several:  # one of several of our name: renewed, it would be written over the
        return False  # others, the visitor's own among them (a sibling subdomain's: sec61)
    if not tools.signer.needs_refresh(ident) or not resends(tools.signer, ident, visitor.arrived):
        return False
    return not visitor.private or (not visitor.is_new and bool(visitor.prefs.to_cookie()))


def resends(signer: CookieSigner, ident: Identity, arrived: float, renewal: bool = True) -> bool:
    """Whether a response sends back, now, the cookie its request came with (renewed, or
    without its confirmation; identity/moves.py, race53: a slow page undid a switch-off made
    in another tab): not when a choice of this process has replaced it since; for a
    ``renewal``, not from a response later than RENEW_WITHIN after its request arrived (a
    choice through another process may have replaced it), until the cookie is half its life
    old (on a site whose every page is slow it would expire: eye53)."""
    if ident.is_new:
        return True
    if signer.moves.outdated(ident):
        return False
    late = time.monotonic() - arrived > RENEW_WITHIN
    return not (renewal and late and time.time() - ident.issued_at < signer.cookie.max_age / 2)


async def holds_nothing(store: Store, ident: Identity, *, private: bool) -> bool:
    """Whether the cookie ``ident`` holds nothing worth keeping, so that it goes (expired, as if
    never given): a ``private`` visitor's (GPC/DNT, no consent), with no choice, not signed
    in, whose id nothing is stored under (one read; a store that fails: False, the cookie is
    kept). An id minted for a choice under GPC is such; one that may be the key to a profile
    kept from before is not. The one decision: a choice's answer (asgi/choicepost.py) and the
    page that says its flash (:func:`identity_headers`) both ask it."""
    if not private or ident.is_new or ident.prefs or ident.user is not None:
        return False
    try:
        profile = await store.load(ident.vid)
        return not profile.revoked and not kept(profile)
    except StoreError:
        return False
    except Exception:  # (a page's headers: never raised into the app's answer)
        quiet.bug(log, "omotenashi: could not tell whether a private cookie holds anything")
        return False


async def identity_headers(
    headers: Headers,
    visitor: Visitor,
    tools: Tools,
    loaded: Loaded,
    *,
    secure: bool,
    timing: str,
    spent: bool = False,
) -> Headers:
    """The cookies and timings the engine knows nothing about, added to a rewritten page's
    (``spent``: the page said the cookie's flash, engine/flash.py, which goes from it; a private
    cookie then left holding nothing, :func:`holds_nothing`, goes with it: after an Undo under
    GPC the visitor is told "Undone" and leaves without our cookie)."""
    visitor.answered = True
    app_sets_ours(headers, tools.signer.cookie.name)
    if visitor.identity_changed or renews(visitor, tools):
        headers.append((b"set-cookie", cookie(visitor, tools, secure=secure)))
        if visitor.expire_cookie:  # no shared cache may keep (and replay) the expiry
            headers = make_private(add_vary(headers, *tools.config.vary))
    elif spent and not resends(tools.signer, visitor.identity, visitor.arrived, renewal=False):
        pass  # (the cookie a choice made since gave stays the browser's: race53)
    elif spent and await holds_nothing(tools.store, visitor.identity, private=visitor.private):
        headers.append((b"set-cookie", tools.signer.expired_cookie_header(secure=secure)))
        headers = make_private(add_vary(headers, *tools.config.vary))  # (as above)
    elif spent:  # the same id without the flash (the page's forms carry that id's token)
        given = tools.signer.set_cookie_header(visitor.identity, secure=secure)
        headers.append((b"set-cookie", given))
    if tools.server_timing:
        headers.append((b"server-timing", timing.encode()))
    if visitor.forced_cookie:
        age = max(0, int((visitor.forced.expires if visitor.forced else 0) - time.time()))
        preview = (
            f"omo_preview={visitor.forced_cookie}; Max-Age={age}; Path=/; HttpOnly; "
            f"SameSite=Strict{'; Secure' if visitor.forced_secure else ''}"
        )
        headers.append((b"set-cookie", preview.encode()))
    # a force link not honoured, or naming rules this site lacks: why, for QA
    said = visitor.preview_refused or unknown_rules(visitor.forced, loaded.ruleset.rules)
    if said:
        headers.append((b"x-omotenashi-preview", preview_header(said)))
    return headers
