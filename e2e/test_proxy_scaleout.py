"""Scale-out: two ``omotenashi proxy`` processes sharing one Redis are one site to a visitor."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import redis

from .proxied_site import omotenashi_proxy, static_origin, wait_for_views, write_site

PAGE = {"accept": "text/html"}


def slot(html: str, name: str) -> str:
    found = re.search(rf'data-omo-slot="{name}"[^>]*>([^<]*)<', html)
    assert found is not None
    return found.group(1)


def test_one_visitor_has_one_profile_whichever_process_answers(
    tmp_path: Path, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    pages, rules = write_site(tmp_path)
    with static_origin(pages) as origin:
        with omotenashi_proxy(origin, omotenashi_redis_url, rules) as one:
            with omotenashi_proxy(origin, omotenashi_redis_url, rules) as two:
                with httpx.Client() as visitor:  # one cookie jar, whichever process answers
                    first = visitor.get(one + "/", headers=PAGE)
                    wait_for_views(omotenashi_redis, 1)
                    room = visitor.get(two + "/rooms/kyoto.html", headers=PAGE)
                    wait_for_views(omotenashi_redis, 2)
                    back = visitor.get(one + "/", headers=PAGE)
                    wait_for_views(omotenashi_redis, 3)
                    again = visitor.get(two + "/", headers=PAGE)
                    seen = wait_for_views(omotenashi_redis, 4)
    assert "omo_vid=" in first.headers["set-cookie"]
    assert "set-cookie" not in room.headers  # process two knew process one's cookie
    assert slot(first.text, "hero") == "Stay with us"
    for response in (back, again):  # the interest recorded by two, read by one, and back
        assert slot(response.text, "hero") == "Your Kyoto room is waiting"
        assert response.headers["x-omotenashi-rules"] == "kyoto-hero,welcome-back"
    assert list(seen.values()) == [4]


def test_the_workers_of_one_proxy_share_a_key_and_the_profiles(
    tmp_path: Path, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    """``--workers 2`` with no key set: the command makes one key for both workers, so a
    cookie one signs, the other accepts. Each request opens a new connection, which either
    worker may take, as when a load balancer spreads them."""
    pages, rules = write_site(tmp_path)
    unset = {"OMOTENASHI_SECRET_KEYS": ""}
    with static_origin(pages) as origin:
        with omotenashi_proxy(origin, omotenashi_redis_url, rules, workers=2, **unset) as url:
            taglines = []
            with httpx.Client() as visitor:
                for number in range(1, 9):
                    response = visitor.get(url + "/", headers={**PAGE, "connection": "close"})
                    taglines.append(slot(response.text, "tagline"))
                    wait_for_views(omotenashi_redis, number)
    assert taglines == ["A quiet inn by the river."] + ["Welcome back to the inn."] * 7
    assert len(omotenashi_redis.keys("omo:{*}:p2")) == 1
