"""What the app can see of the visitor: ``request.state.omotenashi``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine.facts import Device, Forced
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import Identity
from omotenashi.store.store import Store


@dataclass(frozen=True)
class Services:
    """What the app's calls (``identify``, ``consent``) need: the store, the salt that turns a
    user id into a profile id, and the interest half-life for merging profiles."""

    store: Store
    user_salt: str
    half_life: float


@dataclass
class Visitor:
    """The visitor of this request, as loaded before the app ran.

    ``id`` is the pseudonymous id of the profile in use (the signed-in user's when there is
    one), ``profile`` what Redis held (empty for a new visitor), ``device`` the parsed user
    agent. ``degraded`` is true when the profile could not be loaded (Redis down or slow): the
    page is then served as the app made it. Events the app tracks are written after the
    response, together with the page view.
    """

    identity: Identity
    profile: Profile
    device: Device
    degraded: bool = False
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    identity_changed: bool = False
    services: Services | None = field(default=None, repr=False)
    private: bool = False  # GPC/DNT or no consent: nothing about the visitor is read or written
    forced: Forced | None = None  # a QA preview: forced rules, stage, attributes; not recorded
    forced_cookie: str | None = None  # set the preview cookie (the link was just opened)

    @property
    def id(self) -> str:
        return self.identity.user or self.identity.vid

    @property
    def prefs(self) -> Prefs:
        return Prefs.from_cookie(self.identity.prefs)

    @property
    def is_new(self) -> bool:
        return self.identity.is_new

    @property
    def stage(self) -> str:
        return self.profile.stage


def get_visitor(request_or_scope: Any) -> Visitor | None:
    """The :class:`Visitor` of a Starlette request (or ASGI scope); None for bots and skips."""
    scope = getattr(request_or_scope, "scope", request_or_scope)
    state = scope.get("state") or {}
    visitor = state.get("omotenashi")
    return visitor if isinstance(visitor, Visitor) else None
