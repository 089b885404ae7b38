"""The QA guide followed on a site of one's own (helper qa40): a seeded visitor reaches an
in-process site through an httpx client whatever its base URL, including Starlette's
TestClient's ``http://testserver`` and ``localhost``, and the site's own cookie then replaces
the seeded one. Under CI=true a missing Redis is a failure in one message, not the error it
replaces and then the failure again."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.errors import EmbeddedServerError
from omotenashi.testing import SeededVisitor, Written, unavailable

from .conftest import page_app

PAGE = '<html><body><p data-omo-slot="hero">Welcome</p></body></html>'
RULES = """
rules:
  - {id: back, slot: hero, text: "Good to see you again", when: {returning: true}, why: "back"}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    "base_url",
    ["http://testserver", "http://localhost:8000", "http://shop.test", "http://127.0.0.1:8000"],
)
async def test_a_seeded_visitor_applied_to_an_httpx_client_is_the_visitor_the_site_sees(
    make_settings: Callable[..., Settings],
    omotenashi_visitor: Callable[..., SeededVisitor],
    base_url: str,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    visitor = omotenashi_visitor(visits=2)
    await mw.startup()
    try:
        transport = httpx.ASGITransport(app=Written(mw))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            visitor.apply(client)
            first = await client.get("/")
            second = await client.get("/")
            kept = [c.value for c in client.cookies.jar if c.name == visitor.cookie_name]
    finally:
        await mw.shutdown()
    assert (first.headers["x-omotenashi-rules"], second.headers["x-omotenashi-rules"]) == (
        "back",
        "back",
    )
    assert len(kept) == 1  # the site's refreshed cookie replaced the seeded one


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_part_is_reported_once_not_chained_to_the_error_that_found_it(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no server binary") as raised:
        try:
            raise EmbeddedServerError("no server binary")
        except EmbeddedServerError as exc:
            unavailable(str(exc))
    # pytest prints a chained context ("During handling of the above exception") unless
    # suppressed; a skip shows only its reason either way
    assert raised.value.__suppress_context__ or ci == ""
