"""A first referrer kept whole before the site alone was (920d814): read as its site alone on
every path, and cut to it by the profile's next page view, so a search's words do not stay for
the profile's life."""

from __future__ import annotations

import pytest
import redis

from omotenashi.engine.change import Change
from omotenashi.engine.facts import site_of
from omotenashi.ids import new_vid
from omotenashi.store import pieces
from omotenashi.store.store import Store

pytestmark = pytest.mark.anyio
NOW = 1_780_000_000.0
DAY = 86400


@pytest.mark.parametrize(
    ("old", "site"),
    [
        ("https://www.google.com/search?q=divorce+lawyer", "https://www.google.com/"),
        (
            "https://search.yahoo.co.jp/search?p=%E4%BA%AC%E9%83%BD" * 4,
            "https://search.yahoo.co.jp/",
        ),
        ("https://user:secret@news.example:8443/a/b?token=x#y", "https://news.example:8443/"),
        ("HTTPS://Blog.Example/2026/11/northern-lights", "https://Blog.Example/"),
        ("android-app://com.google.android.gm/", "android-app://com.google.android.gm/"),
        ("https://t.co/", "https://t.co/"),
        ("https://[::1]:8080/x?y", "https://[::1]:8080/"),
        ("not a url at all", None),
    ],
)
async def test_a_referrer_kept_whole_is_read_and_kept_as_its_site(
    store: Store, omotenashi_redis: redis.Redis, old: str, site: str | None
) -> None:
    vid = new_vid()
    key = store.key(vid, "p2")
    await store.record(vid, Change(now=NOW, view=True, first={"utm_source": "news"}), DAY)
    names = [str(f) for f in omotenashi_redis.hkeys(key)]
    written, gone = pieces.rewrite(names, {"freferrer": old})  # as a release before kept it
    for field, value in written.items():
        omotenashi_redis.hset(key, field, value)
    if gone:
        omotenashi_redis.hdel(key, *gone)
    assert site_of(old) == (site or "")  # the page's own cut and the store's agree
    assert (await store.load(vid)).first_touch.get("referrer") == site  # read: the site alone
    await store.record(vid, Change(now=NOW + 60, view=True), DAY)  # the next page view
    kept = pieces.joined({str(k): str(v) for k, v in omotenashi_redis.hgetall(key).items()})
    # cut in Redis too: the rest of it is gone (what is no URL, never written by a release,
    # the script leaves for the reader, which reads it as none)
    assert kept.get("freferrer") == (site or old)
    assert kept.get("futm_source") == "news"
    assert (await store.load(vid)).first_touch.get("referrer") == site
    left = {str(f) for f in omotenashi_redis.hkeys(key)}
    assert not any(pieces.owner(f) == "freferrer" and f != "freferrer" for f in left)
