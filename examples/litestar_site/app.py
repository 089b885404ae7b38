"""Omotenashi around a Litestar app.

    OMOTENASHI_SECRET_KEYS=change-me uvicorn examples.litestar_site.app:app

Wrap the whole app, as here. Litestar's own ``middleware=[...]`` list wraps each route
handler separately: that would make one Omotenashi (and one Redis pool) per route and never
show it the lifespan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from litestar import Litestar, MediaType, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from examples.pages import HOME, LOGIN, seen, views_before
from omotenashi import Omotenashi, Settings, get_visitor, identify, track

HERE = Path(__file__).parent
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/", media_type=MediaType.HTML)
async def home(request: Request) -> str:  # type: ignore[type-arg]
    visitor = get_visitor(request)  # None for bots and paths Omotenashi leaves alone
    return HOME.format(seen=seen(await views_before(visitor)))


@post("/cart")
async def cart(request: Request) -> Redirect:  # type: ignore[type-arg]
    await track(request, "add_to_cart", {"item": "sencha"})  # written after the response
    return Redirect("/", status_code=303)


@get("/login", media_type=MediaType.HTML)
async def login_form() -> str:
    return LOGIN


@post("/login")
async def login(request: Request, data: Form) -> Redirect:  # type: ignore[type-arg]
    # (a real sign-in checks a password and a CSRF token first: README, Signing in)
    await identify(request, data["user"])  # this browser's profile joins the user's
    return Redirect("/", status_code=303)


def create_app(settings: Settings | None = None) -> Omotenashi:
    site = Litestar(
        route_handlers=[
            home,
            cart,
            login_form,
            login,
            create_static_files_router(path="/static", directories=[HERE / "static"]),
        ]
    )
    return Omotenashi(site, settings=settings or Settings(rules={"dir": HERE / "rules"}))


app = create_app()
