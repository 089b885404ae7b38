from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omotenashi import get_visitor


async def home(request: HttpRequest) -> HttpResponse:
    visitor = get_visitor(request)  # None for bots and paths Omotenashi leaves alone
    user = await request.auser()
    # Read while the app ran. Not used while the visitor has switched their browsing history
    # off: it may then choose nothing they see (the profile still holds it for the site).
    use = visitor is not None and not visitor.history_off
    profile = await visitor.loaded() if visitor is not None and use else None
    if visitor is not None and visitor.degraded:  # not read (Redis down or slow): empty
        profile = None
    context = {
        "user": user,
        "views": profile.views if profile else None,
        "stage": profile.stage if profile else None,
    }
    return render(request, "home.html", context)
