"""examples/django_site (ASGI, admin, static files, auth signals) through Omotenashi."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from .expect import (
    BROWSER,
    EXAMPLES,
    assert_history_switch_honoured,
    assert_not_counted,
    assert_welcomed_back,
    example_settings,
    first_and_return_visit,
    profile_views,
    served,
)

SITE = EXAMPLES / "django_site"


def set_up() -> Any:
    """Django set up from the settings module, a migrated database, one user; the ASGI app."""
    import django
    from django.conf import settings

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # quick
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user("aiko", password="tea-ceremony")
    from django.db import connections
    from travelsite import asgi

    connections.close_all()  # this thread's; requests open their own

    return asgi


@pytest.fixture(scope="module")
def django_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The project's real settings module, over a fresh SQLite database with one user."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(SITE))
        patch.setenv("DJANGO_SETTINGS_MODULE", "travelsite.settings")
        patch.setenv("TRAVELSITE_DB", str(tmp_path_factory.mktemp("django") / "db.sqlite3"))
        patch.setenv("DJANGO_ALLOWED_HOSTS", "site.test")
        # In a thread of its own: Django refuses sync database work wherever an event loop
        # runs, and a test session may have one running here (Playwright's sync API).
        with ThreadPoolExecutor(1) as pool:
            asgi = pool.submit(set_up).result()
        yield asgi
        sys.modules.pop("travelsite.asgi", None)


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.mark.anyio
async def test_the_django_example(
    django_site: Any, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    app = django_site.build(example_settings(omotenashi_redis_url, SITE / "rules"))
    # Django answers no lifespan events: Omotenashi opens its pool on the first request.
    async with served(app, with_lifespan=False) as client:
        first, again = await first_and_return_visit(client)
        assert_welcomed_back(first, again, "Welcome to the travel site.")
        assert 'id="seen">Pages you had seen before this one: 1<' in again.text  # get_visitor

        admin = await client.get("/admin/login/", headers=BROWSER)
        # The admin's own caching headers are kept: private, and never stored.
        directives = {d.strip() for d in admin.headers["cache-control"].split(",")}
        assert {"private", "no-store", "no-cache"} <= directives
        await assert_not_counted(
            client,
            omotenashi_redis,
            ["/admin/login/", "/static/travelsite/site.css", "/static/admin/css/base.css"],
        )
        login_page = await client.get("/accounts/login/", headers=BROWSER)
        await assert_not_counted(client, omotenashi_redis, ["/accounts/login/"])

        # Django's LoginView fires user_logged_in: the receiver identifies and tracks.
        signed_in = await client.post(
            "/accounts/login/",
            data={
                "username": "aiko",
                "password": "tea-ceremony",
                "csrfmiddlewaretoken": csrf(login_page),
            },
            headers={"referer": "http://site.test/accounts/login/"},
        )
        assert signed_in.status_code == 302
        assert "omo_vid=" in signed_in.headers["set-cookie"]
        home = await client.get("/", headers=BROWSER)
        assert "Signed in as aiko." in home.text
        assert "seen before this one: 2" in home.text  # the anonymous visits followed
        (key,) = omotenashi_redis.keys("omo:{*}:p2")
        assert omotenashi_redis.hget(key, "esign_in") == "1"
        assert profile_views(omotenashi_redis) == {key: 3}
        await assert_history_switch_honoured(client)


def test_the_django_example_without_omotenashi_in_front(django_site: Any) -> None:
    """Django's own test client (and ``manage.py runserver``) serve the site over WSGI,
    without asgi.py: the views' ``get_visitor`` is None and the sign-in signal's ``identify``
    and ``track`` do nothing, as on a path Omotenashi leaves alone, instead of failing."""
    from django.test import Client

    def visit() -> tuple[int, int, str]:
        client = Client(HTTP_HOST="site.test")  # a WSGIRequest: no ASGI scope at all
        home = client.get("/")
        form = {"username": "aiko", "password": "tea-ceremony"}
        signed_in = client.post("/accounts/login/", form)
        return home.status_code, signed_in.status_code, client.get("/").content.decode()

    with ThreadPoolExecutor(1) as pool:  # sync database work, off any running event loop
        home, signed_in, after = pool.submit(visit).result()
    assert (home, signed_in) == (200, 302)
    assert "Signed in as aiko." in after and "seen before" not in after
