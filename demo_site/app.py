"""The demo travel shop: a plain Starlette + Jinja2 site, personalised by Omotenashi."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from demo_site import cartsync
from demo_site.headerguard import CookieCap
from omotenashi import Omotenashi, Settings, forget, get_visitor, identify, remember, track

if TYPE_CHECKING:
    from omotenashi.recommend.catalog import Catalog

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
    "tokyo-lights": {
        "title": "Tokyo lights",
        "place": "Tokyo, Japan",
        "price": 2190,
        "nights": 5,
        "topics": "tokyo, japan, city, food",
        "blurb": "Neon nights, a sushi counter at dawn and a day in old Asakusa.",
    },
    "hokkaido-snow": {
        "title": "Hokkaido snow festival",
        "place": "Sapporo, Japan",
        "price": 2590,
        "nights": 6,
        "topics": "hokkaido, japan, winter, family",
        "blurb": "Ice sculptures, hot springs and gentle ski slopes for the whole family.",
    },
    "bali-retreat": {
        "title": "Bali retreat for two",
        "place": "Ubud, Bali",
        "price": 2790,
        "nights": 7,
        "topics": "bali, couple, beach, wellness",
        "blurb": "Rice terraces, a jungle villa and a spa afternoon for two.",
    },
    "iceland-ring": {
        "title": "Iceland ring road",
        "place": "Reykjavík, Iceland",
        "price": 3190,
        "nights": 8,
        "topics": "iceland, winter, adventure, nature",
        "blurb": "Glaciers, black-sand beaches and the northern lights from the road.",
    },
    "kenya-safari": {
        "title": "Kenyan family safari",
        "place": "Maasai Mara, Kenya",
        "price": 3990,
        "nights": 7,
        "topics": "kenya, family, adventure, nature",
        "blurb": "Game drives at sunrise and a tented camp the children will never forget.",
    },
    "paris-art": {
        "title": "Paris and its museums",
        "place": "Paris, France",
        "price": 1890,
        "nights": 4,
        "topics": "paris, city, culture, couple",
        "blurb": "The Louvre before the crowds, Montmartre at dusk, dinner by the Seine.",
    },
    "amalfi-coast": {
        "title": "Amalfi coast for couples",
        "place": "Positano, Italy",
        "price": 3290,
        "nights": 6,
        "topics": "italy, couple, beach, food",
        "blurb": "Lemon groves, a private boat and long dinners above the sea.",
    },
    "patagonia-trek": {
        "title": "Patagonia trek",
        "place": "Torres del Paine, Chile",
        "price": 3590,
        "nights": 9,
        "topics": "patagonia, adventure, nature",
        "blurb": "Granite towers, glacier lakes and refugios along the W trek.",
    },
    "norway-fjords": {
        "title": "Norwegian fjords",
        "place": "Bergen, Norway",
        "price": 2490,
        "nights": 5,
        "topics": "norway, nature, family",
        "blurb": "Fjord cruises and mountain trains.",
        "sold_out": True,  # as in rules/catalog.yaml (available: false): it cannot be booked
    },
}

SOLD_OUT = frozenset(slug for slug, tour in TOURS.items() if tour.get("sold_out"))  # (lists)

ART = {"hawaii": "hawaii.svg", "kyoto": "kyoto.svg", "lapland": "lapland.svg"}
CANCEL_DAYS = 7  # every tour: free cancellation for this many days after booking
MEMBER_PERCENT_OFF = 10  # the member club's saving, applied at checkout


def sale_prices(rules_dir: Path) -> dict[str, int]:
    """Tours on sale and their sale price, from the same list the rules read (data/sale.yaml):
    what a banner says about the sale is what the shop charges."""
    try:
        data = yaml.safe_load((rules_dir / "data" / "sale.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    percent = int(data.get("percent_off", 0)) if isinstance(data, dict) else 0
    items = data.get("items", []) if isinstance(data, dict) else []
    return {
        slug: round(TOURS[slug]["price"] * (100 - percent) / 100)
        for slug in items
        if slug in TOURS and 0 < percent < 100
    }


@dataclass
class Sale:
    """This week's sale prices, in one place: the shop's pages (prices, cart, checkout) charge
    what the recommendations' catalogue in force says, so a refused reload (a save of
    data/sale.yaml cut short) changes neither. ``live``: that catalogue (the middleware's);
    without it, the fixed ``prices``."""

    prices: dict[str, int] = field(default_factory=dict)
    live: Callable[[], Catalog] | None = None

    def now(self) -> dict[str, int]:
        if self.live is None:
            return self.prices
        return {
            item.id: round(item.price)
            for item in self.live().items
            if item.id in TOURS and item.price is not None and item.price != TOURS[item.id]["price"]
        }


def demo_catalog(rules_dir: Path) -> Callable[[], object]:
    """The recommendations' catalogue: rules/catalog.yaml with this week's sale prices, so a
    suggestion shows the price the shop charges (called whenever the rules load; the shop
    reads the prices back from the catalogue the middleware accepted, ``Sale.live``)."""

    def load() -> object:
        sale_now = sale_prices(rules_dir)
        path = rules_dir / "catalog.yaml"
        data = yaml.safe_load(path.read_text()) if path.is_file() else None
        if not isinstance(data, dict):
            return []
        items = [
            {**item, "price": sale_now[item["id"]]} if item.get("id") in sale_now else item
            for item in data.get("items") or []
            if isinstance(item, dict)
        ]
        return {"labels": data.get("labels") or {}, "items": items}

    load.__qualname__ = str(rules_dir / "catalog.yaml")  # how load errors name it
    return load


def art(slug: str) -> str:
    """A generated illustration for a tour (no words in the picture; the page says it)."""
    return "/static/img/" + ART.get(slug.split("-")[0], "default.svg")


def _cart(request: Request) -> list[str]:
    cart = request.session.get("cart", [])
    return [slug for slug in cart if slug in TOURS]


def _sale(request: Request) -> dict[str, int]:
    """The sale prices now (the same read the recommendations' catalogue was made from)."""
    sale: Sale | None = getattr(request.app.state, "sale", None)
    return sale.now() if sale is not None else {}


def _sellable(slug: str) -> bool:
    return slug in TOURS and slug not in SOLD_OUT


async def _page(request: Request, name: str, **context: Any) -> Response:
    await cartsync.in_step(request, _cart(request), _sellable)  # (another browser's, forgotten)
    context.setdefault("cart_count", len(_cart(request)))
    context.setdefault("user", request.session.get("user"))
    sale = _sale(request)
    return templates.TemplateResponse(
        request,
        name,
        {"tours": TOURS, "sale": sale, "sold_out": SOLD_OUT, "cancel_days": CANCEL_DAYS, **context},
    )


async def home(request: Request) -> Response:
    return await _page(request, "home.html")


async def tour_list(request: Request) -> Response:
    return await _page(request, "tours.html")


async def tour(request: Request) -> Response:
    slug = request.path_params["slug"]
    if slug not in TOURS:
        response = await _page(request, "not_found.html")
        response.status_code = 404
        return response
    return await _page(request, "tour.html", slug=slug, tour=TOURS[slug], image=art(slug))


async def cart(request: Request) -> Response:
    if request.method == "POST":
        form = await request.form()
        slug = str(form.get("tour", ""))
        # one line per tour (a booking is per tour), and never a sold-out one
        if slug in TOURS and not TOURS[slug].get("sold_out") and slug not in _cart(request):
            request.session["cart"] = [*_cart(request), slug]
            await track(request, "add_to_cart", {"item": slug})
        return RedirectResponse("/cart", status_code=303)
    return await _basket(request, "cart.html")


# The shop's own list of members, by the name they signed in with (in memory: a real shop
# keeps it with its accounts). A saving is the shop's to honour: "Erase everything", "Start
# afresh" or a browser sending GPC (which Omotenashi links to nothing) must not end it
# (visitor65: each did, and the checkout charged a member full price).
MEMBERS: set[str] = set()


async def is_member(request: Request) -> bool:
    """A member: joined in this browser, signed in as one who joined (on any device, whatever
    its privacy signals), or the profile says so, exactly as the rules' `segment: member`
    does, so the tagline's promise holds."""
    if request.session.get("member") or request.session.get("user") in MEMBERS:
        return True
    visitor = get_visitor(request)
    if visitor is None:
        return False
    profile = await visitor.loaded()
    return profile.events.get("join_club", 0) >= 1


def _total(request: Request, items: list[tuple[str, dict[str, Any]]], member: bool) -> int:
    """Sale prices where a tour is on sale, then the member saving."""
    sale = _sale(request)
    total = int(sum(sale.get(slug, t["price"]) for slug, t in items))
    if member:
        total = round(total * (100 - MEMBER_PERCENT_OFF) / 100)
    return total


async def checkout(request: Request) -> Response:
    # (booked on another browser: gone; added there: not booked here unseen)
    await cartsync.in_step(request, _cart(request), _sellable, join=request.method != "POST")
    items = [(slug, TOURS[slug]) for slug in _cart(request)]
    member = await is_member(request)
    if request.method == "POST" and items:
        form = await request.form()
        if not str(form.get("name", "")).strip():
            return await _basket(request, "checkout.html", missing_name=True)
        request.session["cart"] = []
        request.session["booked"] = [slug for slug, _ in items]
        total = _total(request, items, member)
        await track(request, "purchase", {"items": [slug for slug, _ in items], "value": total})
        return RedirectResponse("/thanks", status_code=303)  # a reload never books again
    return await _basket(request, "checkout.html")


async def _basket(request: Request, name: str, **extra: Any) -> Response:
    """The cart or the checkout page: the tours in the cart and what they cost this visitor."""
    await cartsync.in_step(request, _cart(request), _sellable)  # before its lines are read
    items = [(slug, TOURS[slug]) for slug in _cart(request)]
    member = await is_member(request)
    return await _page(
        request,
        name,
        items=items,
        total=_total(request, items, member),
        member=member,
        member_percent=MEMBER_PERCENT_OFF,
        **extra,
    )


async def thanks(request: Request) -> Response:
    booked = [slug for slug in request.session.get("booked", []) if slug in TOURS]
    if not booked:
        return RedirectResponse("/tours", status_code=303)
    return await _page(request, "thanks.html", items=[(slug, TOURS[slug]) for slug in booked])


async def club(request: Request) -> Response:
    if request.method == "POST":
        request.session["member"] = True
        if user := request.session.get("user"):
            MEMBERS.add(user)
        await track(request, "join_club")
        return RedirectResponse("/", status_code=303)
    return await _page(request, "club.html", member=await is_member(request))


def _from_this_site(request: Request) -> bool:
    """A form posted from this site's own pages (sec56: another site's page could post the
    sign-in form, signing the visitor in as someone whose account then collects, and shows
    that someone, what the visitor browses). Browsers say where a request comes from in
    Sec-Fetch-Site, older ones in Origin; a request with neither is taken (no browser posts
    a form across sites without saying so: it is a script's or a test client's)."""
    fetched = request.headers.get("sec-fetch-site")
    if fetched is not None:
        return fetched in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


async def login(request: Request) -> Response:
    if request.method == "POST":
        if not _from_this_site(request):
            return PlainTextResponse("Sign in from this site's own page.", status_code=403)
        form = await request.form()
        name = str(form.get("username", "")).strip()[:40]
        if name:
            if request.session.get("user") not in (None, name):  # someone else's cart
                _sign_out_session(request)
            if request.session.get("member"):  # joined before signing in: the account's now
                MEMBERS.add(name)
            request.session["user"] = name
            await identify(request, name)  # the anonymous profile merges into this user's
            # for the (capped) greeting by name: the first word only, as the "i" and the data
            # page say "your first name" (visitor52: "Aiko Wolfe" was kept whole as one)
            await remember(request, first_name=name.split()[0])
            await cartsync.in_step(request, _cart(request), _sellable)  # the saved cart
            return RedirectResponse("/", status_code=303)
    return await _page(request, "login.html")


def _sign_out_session(request: Request) -> None:
    """What the shop keeps for the signed-in person (name, membership, cart) goes with them."""
    for key in ("user", "member", "cart", "booked"):
        request.session.pop(key, None)


async def logout(request: Request) -> Response:
    _sign_out_session(request)
    await forget(request)
    return RedirectResponse("/", status_code=303)


def site(root: Path = ROOT, sale: Sale | None = None, *, cookie_cap: bool = True) -> Starlette:
    """The bare shop, without personalisation (the benchmark's baseline); ``sale``: where the
    sale prices are kept (default: read once from the rules folder); ``cookie_cap`` False: no
    431 for a Cookie header over 8 KiB (the benchmark sends 64 KB ones through Omotenashi on
    purpose, goal 7: demo_site/headerguard.py)."""
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/tours", tour_list),
            Route("/tours/{slug}", tour),
            Route("/cart", cart, methods=["GET", "POST"]),
            Route("/checkout", checkout, methods=["GET", "POST"]),
            Route("/thanks", thanks),
            Route("/club", club, methods=["GET", "POST"]),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        middleware=[
            *([Middleware(CookieCap)] if cookie_cap else []),  # before the session reads it
            Middleware(
                SessionMiddleware,
                secret_key=os.environ.get("DEMO_SESSION_KEY", "demo-session-key-not-secret"),
                session_cookie="demo_cart",
            ),
        ],
    )
    app.state.sale = sale or Sale(
        sale_prices(Path(os.environ.get("OMOTENASHI_RULES_DIR") or root / "rules"))
    )
    return app


def demo_settings(root: Path = ROOT, **overrides: Any) -> Settings:
    """Settings for the demo: its rules and snippets; environment variables still apply."""
    # the demo's folders unless the environment names them: then Settings reads them as
    # anywhere (snippets beside a rules folder given alone; an empty one refused: config69)
    rules: dict[str, Path] = {}
    if "OMOTENASHI_RULES_DIR" not in os.environ:
        rules["dir"] = root / "rules"
        if "OMOTENASHI_RULES_SNIPPETS_DIR" not in os.environ:
            rules["snippets_dir"] = root / "snippets"
    values: dict[str, Any] = {"rules": rules} if rules else {}
    if not os.environ.get("OMOTENASHI_SECRET_KEYS"):
        values["secret_keys"] = ["demo-only-key-change-me"]
    values.update(overrides)
    return Settings(**values)


def create_app(root: Path = ROOT, settings: Settings | None = None) -> Omotenashi:
    """The shop wrapped in Omotenashi: this is all a site needs to mount it."""
    settings = settings or demo_settings(root)
    sale = Sale()  # the shop charges what the catalogue in force says: one read for both
    app = Omotenashi(site(root, sale), settings=settings, catalog=demo_catalog(settings.rules.dir))
    sale.live = lambda: app.rules.current.catalog
    return app
