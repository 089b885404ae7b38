"""Omotenashi on a FastAPI app, added as a middleware.

OMOTENASHI_SECRET_KEYS=change-me uvicorn examples.fastapi_site.app:app
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from examples.pages import HOME, LOGIN, seen, views_before
from omotenashi import Omotenashi, Settings, get_visitor, identify, track

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None) -> FastAPI:
    api = FastAPI(docs_url=None, redoc_url=None)
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @api.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> str:
        visitor = get_visitor(request)  # None for bots and paths Omotenashi leaves alone
        return HOME.format(seen=seen(await views_before(visitor)))

    @api.get("/api/visitor")
    async def about_me(request: Request) -> dict[str, Any]:
        visitor = get_visitor(request)
        if visitor is None:
            return {"known": False}
        if visitor.history_off:  # what they browsed may choose nothing: say nothing of it
            return {"known": True, "history_off": True}
        profile = await visitor.loaded()
        if visitor.degraded:  # not read (Redis down or slow): empty, so say nothing of it
            return {"known": True, "unavailable": True}
        return {"known": True, "stage": profile.stage, "views": profile.views}

    @api.post("/cart")
    async def cart(request: Request) -> RedirectResponse:
        await track(request, "add_to_cart", {"item": "sencha"})  # written after the response
        return RedirectResponse("/", status_code=303)

    @api.get("/login", response_class=HTMLResponse)
    async def login_form() -> str:
        return LOGIN

    @api.post("/login")
    async def login(request: Request, user: Annotated[str, Form()]) -> RedirectResponse:
        # (a real sign-in checks a password and a CSRF token first: README, Signing in)
        await identify(request, user)  # this browser's profile joins the user's
        return RedirectResponse("/", status_code=303)

    # Outermost middleware: it sees every request, and the lifespan opens and closes its pool.
    api.add_middleware(Omotenashi, settings=settings or Settings(rules={"dir": HERE / "rules"}))
    return api


app = create_app()
