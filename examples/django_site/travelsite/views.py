from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omotenashi import get_visitor


async def home(request: HttpRequest) -> HttpResponse:
    visitor = get_visitor(request)  # None for bots and paths Omotenashi leaves alone
    user = await request.auser()
    profile = await visitor.loaded() if visitor else None  # read while the app ran
    context = {
        "user": user,
        "views": profile.views if profile else None,
        "stage": profile.stage if profile else None,
    }
    return render(request, "home.html", context)
