"""Omotenashi on a Starlette app.

    OMOTENASHI_SECRET_KEYS=change-me uvicorn examples.starlette_site.app:app

With no ``OMOTENASHI_REDIS_URL`` it starts a private embedded Valkey (the ``[embedded]``
extra, installed from the clone).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from examples.pages import HOME, LOGIN, seen, views_before
from omotenashi import Omotenashi, Settings, get_visitor, identify, track

HERE = Path(__file__).parent


async def home(request: Request) -> Response:
    visitor = get_visitor(request)  # None for bots and paths Omotenashi leaves alone
    return HTMLResponse(HOME.format(seen=seen(await views_before(visitor))))


async def cart(request: Request) -> Response:
    await track(request, "add_to_cart", {"item": "sencha"})  # written after the response
    return RedirectResponse("/", status_code=303)


async def login(request: Request) -> Response:
    if request.method == "POST":
        form = await request.form()
        # (a real sign-in checks a password and a CSRF token first: README, Signing in)
        await identify(request, str(form["user"]))  # this browser's profile joins the user's
        return RedirectResponse("/", status_code=303)
    return HTMLResponse(LOGIN)


def create_app(settings: Settings | None = None) -> Omotenashi:
    site = Starlette(
        routes=[
            Route("/", home),
            Route("/cart", cart, methods=["POST"]),
            Route("/login", login, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
    )
    return Omotenashi(site, settings=settings or Settings(rules={"dir": HERE / "rules"}))


app = create_app()
