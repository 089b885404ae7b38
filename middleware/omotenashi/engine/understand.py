"""What this request tells us, and what we then know: the change to write and the facts
that rules and the journey are decided on (the profile as it will be after this request)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from omotenashi.engine.change import Change, apply
from omotenashi.engine.conditions import query_dict
from omotenashi.asgi.visitor import Visitor
from omotenashi.engine.facts import Facts, parse_languages
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import FIRST_TOUCH, Profile

_META = re.compile(
    r"""<meta\s+name=["']omotenashi:(topics|item)["']\s+content=["']([^"'<>]*)["']""", re.I
)


@dataclass(frozen=True)
class RequestInfo:
    path: str
    query: dict[str, str]
    host: str
    referrer: str
    languages: tuple[str, ...]
    country: str
    secure: bool

    @classmethod
    def from_scope(
        cls, scope: dict[str, Any], headers: dict[str, str], country_header: str
    ) -> RequestInfo:
        return cls(
            path=scope.get("path", "/"),
            query=query_dict(parse_qs(scope.get("query_string", b"").decode("latin-1"))),
            host=headers.get("host", ""),
            referrer=headers.get("referer", ""),
            languages=parse_languages(headers.get("accept-language", "")),
            country=headers.get(country_header.lower(), ""),
            secure=scope.get("scheme") in ("https", "wss"),
        )

    @property
    def external_referrer(self) -> str:
        host = urlsplit(self.referrer).netloc if self.referrer else ""
        return self.referrer if host and host != self.host else ""


def page_tags(page: str, path: str, journey: Journey) -> tuple[list[str], list[str]]:
    """Topics and items of a page: the journey's path rules, then the page's own meta tags."""
    topics, items = journey.page_tags(path)
    for kind, content in _META.findall(page, 0, 32768):
        values = [v.strip().lower() for v in content.split(",") if v.strip()]
        target = topics if kind.lower() == "topics" else items
        target.extend(v for v in values if v not in target)
    return topics[:10], items[:5]


def build_change(
    visitor: Visitor,
    request: RequestInfo,
    *,
    view: bool,
    session_gap: int,
    topics: Sequence[str] = (),
    items: Sequence[str] = (),
) -> Change:
    now = time.time()
    profile = visitor.profile
    new_visit = view and (profile.last_seen is None or now - profile.last_seen > session_gap)
    change = Change(
        now=now,
        view=view,
        new_visit=new_visit,
        topics=list(topics),
        items=list(items),
        attrs=dict(visitor.attrs),
    )
    if new_visit and profile.last_seen is not None:
        change.absent_days = round((now - profile.last_seen) / 86400, 3)
    if profile.views == 0 and view:
        first = {k: v for k, v in request.query.items() if k in FIRST_TOUCH}
        if request.external_referrer:
            first["referrer"] = request.external_referrer[:300]
        change.first = first
    for name, data in visitor.events:
        change.add_event(name, data)
    return change


def understand(
    visitor: Visitor,
    request: RequestInfo,
    change: Change,
    journey: Journey,
    cart_abandoned_after: int,
) -> tuple[Profile, Facts]:
    """The visitor as they arrive at this page (this request's events applied, the page itself
    counting from the next page on) and the facts about them; a stage move goes into ``change``.
    """
    after = apply(visitor.profile, change, journey.half_life, page=False)
    now = change.now
    interests = after.interest_now(now, journey.half_life)
    abandoned = (
        bool(after.cart)
        and after.cart_at is not None
        and (
            (after.purchase_at is None or after.purchase_at < after.cart_at)
            and (
                now - after.cart_at > cart_abandoned_after
                or (after.visit_start is not None and after.cart_at < after.visit_start)
            )
        )
    )
    facts = Facts(
        stage=after.stage,
        segments=after.segments,
        attrs=after.attrs,
        interests=interests,
        visits=max(after.visits, 1),
        is_new=after.visits <= 1,
        device=visitor.device,
        path=request.path,
        query=request.query,
        referrer=request.referrer,
        languages=request.languages,
        country=request.country,
        now=datetime.fromtimestamp(now, UTC),
        views=after.views,
        purchases=after.purchases,
        cart_items=sum(after.cart.values()),
        events=after.events,
        absent_days=after.absent_days,
        cart_abandoned=abandoned,
        viewed=frozenset(after.viewed),
        lists=journey.lists,
        first_touch=after.first_touch,
    )
    facts = replace(facts, segments=after.segments | journey.derive_segments(facts))
    stage, back = journey.next_stage(after.stage, facts, frozenset(change.events), change.new_visit)
    if stage != after.stage:
        change.stage, change.stage_back = stage, back
        after.stage = stage
        facts = replace(facts, stage=stage)
    after.segments = facts.segments
    return after, facts
