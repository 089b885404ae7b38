from __future__ import annotations

from django.apps import AppConfig


class TravelSiteConfig(AppConfig):
    name = "travelsite"
    verbose_name = "Travel site"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in receivers)
