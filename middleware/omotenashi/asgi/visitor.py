"""What the app can see of the visitor: ``request.state.omotenashi``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine.facts import Device, Forced
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, history_off
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import ProfileNotReady, StoreError
from omotenashi.identity.cookie import Identity
from omotenashi.recommend.signals import Shared
from omotenashi.settings import RespectSettings
from omotenashi.store.reading import ProfileRead
from omotenashi.store.store import Store


@dataclass(frozen=True)
class Services:
    """What the app's calls (``identify``, ``consent``, ``revoke``) need: the store, the salt
    that turns a user id into a profile id, the interest half-life for merging profiles, and how
    long a revoked id stays on the deny-list (the cookie's lifetime: longer than any cookie)."""

    store: Store
    user_salt: str
    half_life: float
    deny_ttl: int = 400 * 24 * 3600
    respect: RespectSettings | None = None  # what ``Visitor.history_off`` is decided by
    session_gap: int = 1800  # a sign-in within the user's own visit adds no visit (visitor58)


@dataclass
class Visitor:
    """The visitor of this request, as loaded before the app ran.

    ``id`` is the pseudonymous id of the profile in use (the signed-in user's when there is
    one), ``profile`` what Redis held (empty for a new visitor), ``device`` the parsed user
    agent. ``degraded`` is true when the profile could not be loaded (Redis down or slow): the
    page is then served as the app made it. Events the app tracks are written after the
    response, together with the page view.

    The profile read starts as soon as the cookie is known and runs while the app does; only
    the engine waits for it. An app that reads ``visitor.profile``: in async code, ``await
    visitor.loaded()`` first (it returns the profile; after any other await it has usually
    arrived anyway); in a sync view (run in a worker thread) ``visitor.profile`` waits for it.
    Read on the event loop before it arrived, it raises :class:`ProfileNotReady`.
    """

    identity: Identity
    known: Profile  # the profile as far as it is known (empty while ``reading``)
    device: Device
    degraded: bool = False
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    identity_changed: bool = False
    # the id whose cookie a sign-in or sign-out replaces: a page of it still under way renews
    # it no more (identity/moves.py; identity61: it put a signed-out user's cookie back)
    replaced: str | None = None
    expire_cookie: bool = False  # a private visitor's sign-out: their cookie goes, none comes
    answered: bool = False  # the response's headers (and its cookie) are decided: too late
    # when the request arrived (a late response renews no cookie: asgi/setcookie.py resends)
    arrived: float = field(default_factory=time.monotonic)
    services: Services | None = field(default=None, repr=False)
    private: bool = False  # GPC/DNT or no consent: nothing about the visitor is read or written
    privacy: str = ""  # why, for its words (respect/privacy.py Privacy.said: "gpc", "revoked" ...)
    keeps_choices: bool = True  # a choice they make can be kept (in their cookie): "i" offers it
    forced: Forced | None = None  # a QA preview: forced rules, stage, attributes; not recorded
    forced_cookie: str | None = None  # set the preview cookie (the link was just opened)
    records: bool = True  # anything of this request is written (Responder.records decides)
    # the Responder's rule set and journey: what a sign-in's merge carries is decided by the
    # visitor's switches of these (engine/recommending.carried)
    ruleset: RuleSet | None = field(default=None, repr=False)
    journey: Journey | None = field(default=None, repr=False)
    forced_secure: bool = False  # that cookie is Secure (the browser came over https)
    preview_refused: str | None = None  # why a force link was refused (a response header)
    shared: Shared = field(default_factory=Shared, repr=False)  # for recommendations
    reading: ProfileRead | None = field(default=None, repr=False)  # the read under way
    # the store's erase mark before the profile was read (store/erasures.py): an erase of this
    # id since then (another tab) leaves nothing of that read to decide or write with
    read_mark: int | None = None
    # the app read something of the visitor (their profile, stage, id ...) while it made its
    # answer: that answer is theirs alone (Cache-Control: private, Vary: Cookie: cdn55)
    looked: bool = False
    ended: bool = False  # its writes are done: what the app tracks now is not written (api55)

    @property
    def profile(self) -> Profile:
        self.looked = True
        reading = self.reading
        if reading is None:
            return self._unless_erased()
        try:
            arrived = reading.peek()
        except StoreError:
            self._arrived(None)
            return self._unless_erased()
        if arrived is not None:
            self._arrived(arrived)
            return self._unless_erased()
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            raise ProfileNotReady(self.id)
        # A worker thread (a sync view): wait for the event loop to finish the read.
        return asyncio.run_coroutine_threadsafe(self.loaded(), reading.loop).result()

    @profile.setter
    def profile(self, value: Profile) -> None:
        self.known, self.reading = value, None

    async def loaded(self) -> Profile:
        """The profile, once its read has finished (empty, and ``degraded``, if it failed;
        empty when the id has been :attr:`erased` since)."""
        self.looked = True
        reading = self.reading
        if reading is not None:
            try:
                self._arrived(await reading.profile())
            except StoreError:
                self._arrived(None)
        return self._unless_erased()

    def _unless_erased(self) -> Profile:
        if self.erased:  # what was read is gone: nothing of it chooses this page
            self.known = Profile()
        return self.known

    @property
    def erased(self) -> bool:
        """This id was erased (reset, erase, consent withdrawn, revoked) in this process after
        its profile was read (another tab): nothing of that read may choose this request's page
        or be written again (store/erasures.py; in other processes the record script refuses
        a write made from a profile that has gone)."""
        services = self.services
        if services is None:
            return False
        self.looked = True  # (as reading ``id`` says; inlined: asked several times a request)
        identity = self.identity
        return services.store.erasures.since(identity.user or identity.vid, self.read_mark)

    def _arrived(self, profile: Profile | None) -> Profile:
        if self.reading is None:  # the app set a profile meanwhile (identify, forget)
            return self.known
        self.reading = None
        if profile is None:
            self.degraded = True
        elif profile.revoked:  # the site revoked this id: as private as GPC
            self.private, self.privacy = True, "revoked"
        else:
            self.known = profile
        return self.known

    @property
    def id(self) -> str:
        self.looked = True
        return self.identity.user or self.identity.vid

    @property
    def prefs(self) -> Prefs:
        self.looked = True
        return Prefs.from_cookie(self.identity.prefs)

    @property
    def is_new(self) -> bool:
        self.looked = True
        return self.identity.is_new

    @property
    def history_off(self) -> bool:
        """The visitor switched their browsing history off (the same decision as Omotenashi's
        own, engine/restraint.py ``history_off``): ``profile`` still holds what was kept
        before, for the site's own needs, but nothing in it may choose what they see."""
        self.looked = True
        respect = self.services.respect if self.services is not None else None
        return respect is not None and history_off(self.prefs, respect)

    @property
    def stage(self) -> str:
        return self.profile.stage


def hand_over(scope: dict[str, Any], visitor: Visitor | None, left: str = "") -> None:
    """Give the app ``visitor`` (None: none, a bot's or a request passed on untouched) as
    ``request.state.omotenashi``, in the server's state, as an outer middleware that read
    ``request.state`` first still sees it (eye52: a copy cut it off from what the app set).
    A server that shares one state between requests (Hypercorn before 0.18, across a
    keep-alive connection; ASGI asks for a copy per request) kept the last visitor there, and
    the next request on the connection (a bot's, an excluded path's) read them with
    :func:`get_visitor` (isolation52): a request with none has it set to None, an HTTP one
    always (readme68: ``request.state.omotenashi`` was an AttributeError for a bot, a 500);
    a WebSocket's scope is left as the server made it unless it holds an earlier visitor."""
    http = scope.get("type") == "http"
    state = scope.get("state")
    if state is None:
        if visitor is None and not left and not http:
            return
        scope["state"] = state = {}
    if http or visitor is not None or state.get("omotenashi") is not None:
        state["omotenashi"] = visitor
    if left or LEFT in state:  # why a request has none (``left``: "excluded"), for the API
        state[LEFT] = left


LEFT = "omotenashi_left"  # the state's key of why a request has no visitor


def left_alone(request_or_scope: Any) -> str:
    """Why Omotenashi left this request alone ("excluded": OMOTENASHI_EXCLUDE_PATHS), or ""."""
    scope = getattr(request_or_scope, "scope", request_or_scope)
    state = scope.get("state") if isinstance(scope, Mapping) else None
    return str(state.get(LEFT) or "") if isinstance(state, Mapping) else ""


def get_visitor(request_or_scope: Any) -> Visitor | None:
    """The :class:`Visitor` of a request with an ASGI scope (Starlette, Litestar, Django's
    ASGIRequest) or of the scope; None for bots and skips, and for a request with no scope
    (Django over WSGI: ``manage.py runserver``, its test ``Client``), where we are not."""
    scope = getattr(request_or_scope, "scope", request_or_scope)
    if not isinstance(scope, Mapping):
        return None
    state = scope.get("state") or {}
    visitor = state.get("omotenashi")
    return visitor if isinstance(visitor, Visitor) else None
