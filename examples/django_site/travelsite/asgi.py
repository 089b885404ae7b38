"""The ASGI application: Django, its static files, and Omotenashi around them.

    cd examples/django_site && python manage.py migrate
    OMOTENASHI_SECRET_KEYS=change-me uvicorn travelsite.asgi:application

Django answers no lifespan events; Omotenashi answers them itself, opening its Redis pool at
startup and writing what is queued at shutdown (with none sent: on the first request).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "travelsite.settings")
django_app = get_asgi_application()

from django.conf import settings  # noqa: E402  (after Django is set up)
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from omotenashi import Omotenashi, Settings  # noqa: E402


def build(omotenashi: Settings | None = None) -> Any:
    # Static files are served here for the example; in production let your web server or
    # WhiteNoise serve STATIC_ROOT. Either way /static/ is never counted as a page view.
    site = ASGIStaticFilesHandler(django_app)
    return Omotenashi(site, settings=omotenashi or Settings(**settings.OMOTENASHI))


application = build()
