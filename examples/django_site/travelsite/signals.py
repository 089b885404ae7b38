"""Django's own sign-in and sign-out signals tell Omotenashi who the visitor is.

The receivers are coroutines; Django (5.0+) awaits them from ``alogin``/``alogout`` and runs
them on the server's event loop from the sync ``login``/``logout`` (as its LoginView uses).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from omotenashi import forget, identify, track


@receiver(user_logged_in)
async def visitor_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    await identify(request, str(user.pk))  # what this browser did anonymously joins the user
    await track(request, "sign_in")


@receiver(user_logged_out)
async def visitor_signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    await forget(request)  # the next person on this browser starts afresh
