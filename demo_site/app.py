"""The demo travel shop: a plain Starlette + Jinja2 site, personalised by Omotenashi."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from omotenashi import Omotenashi, Settings, forget, identify, track

HERE = Path(__file__).parent
ROOT = HERE.parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

TOURS: dict[str, dict[str, Any]] = {
    "hawaii-family": {
        "title": "Hawaii for families",
        "place": "Oʻahu, Hawaii",
        "price": 2890,
        "nights": 7,
        "topics": "hawaii, family, beach",
        "blurb": "Gentle waves, turtle spotting and a kids' hula lesson.",
    },
    "hawaii-couples": {
        "title": "Hawaii for couples",
        "place": "Maui, Hawaii",
        "price": 3450,
        "nights": 6,
        "topics": "hawaii, couple, romance",
        "blurb": "Sunset sails, a quiet villa and dinner on the beach.",
    },
    "kyoto-autumn": {
        "title": "Kyoto in autumn",
        "place": "Kyoto, Japan",
        "price": 2390,
        "nights": 5,
        "topics": "kyoto, japan, culture",
        "blurb": "Maple-lit temples, a tea ceremony and a night in a ryokan.",
    },
    "lapland-aurora": {
        "title": "Lapland aurora nights",
        "place": "Rovaniemi, Finland",
        "price": 1990,
        "nights": 4,
        "topics": "lapland, winter, family",
        "blurb": "Husky rides by day, the northern lights by night.",
    },
}


def _cart(request: Request) -> list[str]:
    cart = request.session.get("cart", [])
    return [slug for slug in cart if slug in TOURS]


def _page(request: Request, name: str, **context: Any) -> Response:
    context.setdefault("cart_count", len(_cart(request)))
    context.setdefault("user", request.session.get("user"))
    return templates.TemplateResponse(request, name, {"tours": TOURS, **context})


async def home(request: Request) -> Response:
    return _page(request, "home.html")


async def tour_list(request: Request) -> Response:
    return _page(request, "tours.html")


async def tour(request: Request) -> Response:
    slug = request.path_params["slug"]
    if slug not in TOURS:
        return _page(request, "not_found.html")
    return _page(request, "tour.html", slug=slug, tour=TOURS[slug])


async def cart(request: Request) -> Response:
    if request.method == "POST":
        form = await request.form()
        slug = str(form.get("tour", ""))
        if slug in TOURS:
            request.session["cart"] = [*_cart(request), slug]
            await track(request, "add_to_cart", {"item": slug})
        return RedirectResponse("/cart", status_code=303)
    items = [(slug, TOURS[slug]) for slug in _cart(request)]
    return _page(request, "cart.html", items=items, total=sum(t["price"] for _, t in items))


async def checkout(request: Request) -> Response:
    items = [(slug, TOURS[slug]) for slug in _cart(request)]
    if request.method == "POST" and items:
        request.session["cart"] = []
        total = sum(t["price"] for _, t in items)
        await track(request, "purchase", {"items": [slug for slug, _ in items], "value": total})
        return _page(request, "thanks.html", items=items, cart_count=0)
    return _page(request, "checkout.html", items=items, total=sum(t["price"] for _, t in items))


async def club(request: Request) -> Response:
    if request.method == "POST":
        request.session["member"] = True
        await track(request, "join_club")
        return RedirectResponse("/", status_code=303)
    return _page(request, "club.html", member=request.session.get("member", False))


async def login(request: Request) -> Response:
    if request.method == "POST":
        form = await request.form()
        name = str(form.get("username", "")).strip()[:40]
        if name:
            request.session["user"] = name
            await identify(request, name)  # the anonymous profile merges into this user's
            return RedirectResponse("/", status_code=303)
    return _page(request, "login.html")


async def logout(request: Request) -> Response:
    request.session.pop("user", None)
    request.session.pop("member", None)
    await forget(request)
    return RedirectResponse("/", status_code=303)


def site(root: Path = ROOT) -> Starlette:
    """The bare shop, without personalisation (the benchmark's baseline)."""
    return Starlette(
        routes=[
            Route("/", home),
            Route("/tours", tour_list),
            Route("/tours/{slug}", tour),
            Route("/cart", cart, methods=["GET", "POST"]),
            Route("/checkout", checkout, methods=["GET", "POST"]),
            Route("/club", club, methods=["GET", "POST"]),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=os.environ.get("DEMO_SESSION_KEY", "demo-session-key-not-secret"),
                session_cookie="demo_cart",
            )
        ],
    )


def demo_settings(root: Path = ROOT, **overrides: Any) -> Settings:
    """Settings for the demo: its rules and snippets; environment variables still apply."""
    values: dict[str, Any] = {
        "rules": {
            "dir": Path(os.environ.get("OMOTENASHI_RULES_DIR") or root / "rules"),
            "snippets_dir": Path(
                os.environ.get("OMOTENASHI_RULES_SNIPPETS_DIR") or root / "snippets"
            ),
        },
    }
    if not os.environ.get("OMOTENASHI_SECRET_KEYS"):
        values["secret_keys"] = ["demo-only-key-change-me"]
    values.update(overrides)
    return Settings(**values)


def create_app(root: Path = ROOT, settings: Settings | None = None) -> Omotenashi:
    """The shop wrapped in Omotenashi: this is all a site needs to mount it."""
    return Omotenashi(site(root), settings=settings or demo_settings(root))
