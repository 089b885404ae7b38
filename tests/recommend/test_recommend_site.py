"""Recommendations through the whole stack, against a real Redis: learning, reasons, privacy."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.loader.checks import check
from omotenashi.loader.reload import load_all
from omotenashi.recommend.coview import CO_KEEP, MIN_CO_SUPPORT, MIN_POPULAR_SUPPORT
from omotenashi.testing import SeededVisitor

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
Seed = Callable[..., SeededVisitor]

PAGE = (
    "<!doctype html><html><head><title>t</title></head><body><main>page</main>"
    '<section data-omo-slot="also-like"><h2>More tours</h2></section></body></html>'
)
JOURNEY = """
topics:
  - {path: "/tours/kyoto-*", topics: [kyoto, japan]}
  - {path: "/tours/tokyo-*", topics: [tokyo, japan]}
  - {path: "/tours/*", item: true}
"""
RULES = """
rules:
  - id: also-like
    slot: also-like
    snippet: recs.html
    recommend:
      items: 3
      strategies: {also_viewed: 1, interests: 1, popular: 0.3}
    category: recommendations
    why: "Tours picked from what you and other visitors viewed."
"""
SNIPPETS = {
    "recs.html": (
        "<ul>{% for i in items %}<li data-item='{{ i.id }}'>{{ i.title }}"
        "<small>{{ i.reason }}</small></li>{% endfor %}</ul>"
    )
}
CATALOG = """
items:
  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn, tags: [kyoto, japan]}
  - {id: tokyo-lights, url: /tours/tokyo-lights, title: Tokyo lights, tags: [tokyo, japan]}
  - {id: bali-retreat, url: /tours/bali-retreat, title: Bali retreat, tags: [bali, beach]}
  - {id: paris-art, url: /tours/paris-art, title: Paris and its art, tags: [paris, city]}
  - {id: sold-out, url: /tours/sold-out, title: Sold out, tags: [japan], available: false}
"""
ITEM = re.compile(r"<li data-item='([a-z-]+)'>[^<]*<small>([^<]*)</small>")


def _site(make_settings: Make, **overrides: Any) -> Omotenashi:
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, **overrides)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    mw = Omotenashi(page_app(PAGE), settings=settings)
    mw.store.recs.popular_cache = 0  # see every view at once (production: a few seconds)
    return mw


def _picks(html: str) -> list[tuple[str, str]]:
    return ITEM.findall(html)


async def _browse(client: httpx.AsyncClient, *paths: str, **kwargs: Any) -> httpx.Response:
    """One visitor (a fresh cookie jar) opening ``paths`` in turn; the last page."""
    client.cookies.clear()
    response = None
    for path in paths:
        response = await client.get(path, **kwargs)
    assert response is not None
    return response


async def _returning(
    client: httpx.AsyncClient, seed: Seed, *paths: str, **kwargs: Any
) -> httpx.Response:
    """A returning visitor (a cookie from an earlier visit: only they teach co-views)."""
    client.cookies.clear()
    seed(visits=2).apply(client)
    response = None
    for path in paths:
        response = await client.get(path, **kwargs)
    assert response is not None
    return response


async def _teach(client: httpx.AsyncClient, seed: Seed, *paths: str, times: float = 0) -> None:
    """Enough returning visitors browsing ``paths`` for a co-view or popular claim."""
    for _ in range(int(times or max(MIN_CO_SUPPORT, MIN_POPULAR_SUPPORT))):
        await _returning(client, seed, *paths)


async def test_co_views_are_learned_and_explained(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    async with client_for(_site(make_settings)) as client:
        # returning visitors view Kyoto, then Tokyo
        await _teach(client, omotenashi_visitor, "/tours/kyoto-autumn", "/tours/tokyo-lights")
        await _teach(client, omotenashi_visitor, "/tours/bali-retreat")  # and others Bali
        page = await _browse(client, "/tours/kyoto-autumn")  # a new visitor, on Kyoto
    picks = _picks(page.text)
    assert picks[0] == ("tokyo-lights", "Often viewed with Kyoto in autumn")
    assert "kyoto-autumn" not in dict(picks) and "sold-out" not in dict(picks)
    assert ("bali-retreat", "Popular this week") in picks


async def test_a_visitor_s_own_views_seed_recommendations_on_other_pages(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    async with client_for(_site(make_settings)) as client:
        await _teach(client, omotenashi_visitor, "/tours/kyoto-autumn", "/tours/tokyo-lights")
        page = await _browse(client, "/tours/kyoto-autumn", "/")  # the home page: no item
    picks = dict(_picks(page.text))
    assert picks.get("tokyo-lights") == "Because you viewed Kyoto in autumn", page.text


async def test_memory_is_bounded_and_shared_keys_hold_no_visitor(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    async with client_for(_site(make_settings)) as client:
        await _returning(
            client,
            omotenashi_visitor,
            "/tours/kyoto-autumn",
            "/tours/tokyo-lights",
            "/tours/paris-art",
        )
    co = omotenashi_redis.zrange("omo:rec:co:kyoto-autumn", 0, -1)
    assert sorted(co) == ["paris-art", "tokyo-lights"]
    assert omotenashi_redis.zcard("omo:rec:co:kyoto-autumn") <= CO_KEEP
    assert omotenashi_redis.ttl("omo:rec:co:kyoto-autumn") > 0
    assert sorted(omotenashi_redis.zrange("omo:rec:pop", 0, -1)) == [
        "kyoto-autumn",
        "paris-art",
        "tokyo-lights",
    ]


async def test_a_gpc_visitor_gets_popular_items_and_teaches_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(_site(make_settings)) as client:
        await _browse(client, "/tours/kyoto-autumn", "/tours/tokyo-lights")
        page = await _browse(
            client, "/tours/paris-art", "/tours/kyoto-autumn", headers={"Sec-GPC": "1"}
        )
    picks = _picks(page.text)
    assert picks and {reason for _, reason in picks} <= {"Popular this week", "From our selection"}
    assert not omotenashi_redis.exists("omo:rec:co:paris-art")


async def test_the_why_note_lists_every_item_s_reason(
    make_settings: Make, omotenashi_redis: redis.Redis, omotenashi_visitor: Seed
) -> None:
    async with client_for(_site(make_settings, respect={"disclosure": True})) as client:
        await _teach(client, omotenashi_visitor, "/tours/kyoto-autumn", "/tours/tokyo-lights")
        page = await _browse(client, "/tours/kyoto-autumn")
    items = '<ul class="omo-why-items" lang="en" dir="ltr">'
    note = page.text.split(items, 1)[1].split("</ul>", 1)[0]
    assert "<li>Tokyo lights: Often viewed with Kyoto in autumn.</li>" in note  # a sentence


async def test_purchased_items_are_not_recommended_again(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from omotenashi import track

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def buy(request: Request) -> HTMLResponse:
        await track(request, "purchase", {"items": ["bali-retreat"]})
        return HTMLResponse(PAGE)

    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    app = Starlette(routes=[Route("/buy", buy), Route("/{path:path}", page)])
    mw = Omotenashi(app, settings=settings)
    mw.store.recs.popular_cache = 0
    async with client_for(mw) as client:
        before = await _browse(client, "/")
        after = await _browse(client, "/", "/buy", "/")
    assert "bali-retreat" in dict(_picks(before.text))
    assert "bali-retreat" not in dict(_picks(after.text))


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return folder


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        (CATALOG, []),
        (
            "items:\n  - {id: a, url: /a}\n",
            ["catalog.yaml:2: error: items[0].title: this field is required"],
        ),
        (None, ["site.yaml:3: warning: rule 'also-like' recommends items but"]),
    ],
)
def test_check_validates_the_catalogue(
    tmp_path: Path, catalog: str | None, expected: list[str]
) -> None:
    files = {"rules/site.yaml": RULES, "snippets/recs.html": SNIPPETS["recs.html"]}
    if catalog is not None:
        files["rules/catalog.yaml"] = catalog
    _write(tmp_path, files)
    findings = [str(f) for f in check(tmp_path / "rules", tmp_path / "snippets", base=tmp_path)]
    findings = [f.removeprefix("rules/") for f in findings]
    assert len(findings) == len(expected)
    for finding, start in zip(findings, expected, strict=True):
        assert finding.startswith(start)


def test_an_app_s_catalogue_callable_wins_over_the_file(
    tmp_path: Path, make_settings: Make
) -> None:
    settings = make_settings(RULES, SNIPPETS)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))

    def catalogue() -> list[dict[str, object]]:
        return [{"id": "only", "url": "/only", "title": "Only this"}]

    assert [i.id for i in load_all(settings.rules, catalogue).catalog.items] == ["only"]
    assert len(load_all(settings.rules).catalog.items) == 5


async def test_a_site_can_register_its_catalogue_as_a_callable(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    def catalogue() -> list[dict[str, object]]:
        return [{"id": "from-the-app", "url": "/x", "title": "From the app", "tags": ["x"]}]

    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY)
    mw = Omotenashi(page_app(PAGE), settings=settings, catalog=catalogue)
    async with client_for(mw) as client:
        page = await _browse(client, "/")
    assert _picks(page.text) == [("from-the-app", "From our selection")]


def test_an_edited_catalogue_is_reloaded_and_a_broken_one_refused(make_settings: Make) -> None:
    import os
    import time

    from omotenashi.loader.reload import Reloader
    from omotenashi.metrics import Metrics

    cfg = make_settings(RULES, SNIPPETS).rules.model_copy(update={"reload_interval": 0.001})
    path = Path(cfg.dir) / "catalog.yaml"
    path.write_text(textwrap.dedent(CATALOG))
    reloader = Reloader(cfg, Metrics())
    assert len(reloader.current.catalog.items) == 5

    def edit(text: str, step: int) -> None:
        path.write_text(text)
        later = time.time() + step  # a new mtime even on coarse file systems
        os.utime(path, (later, later))
        time.sleep(0.002)

    edit("items:\n  - {id: a, url: /a, title: A}\n", 10)
    assert [i.id for i in reloader.maybe_reload().catalog.items] == ["a"]
    edit("items:\n  - {id: b, url: /b}\n", 20)  # no title: refused, the last good one stays
    assert [i.id for i in reloader.maybe_reload().catalog.items] == ["a"]
