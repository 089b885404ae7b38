"""``omotenashi proxy``'s start line names an address a browser can open, an IPv6 one too."""

from __future__ import annotations

import pytest

from omotenashi.store.embedded import free_port
from tests.test_proxy_cli import start_line

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("::1", "http://[::1]:{port} -> "),  # was "http://::1:8000", which no browser opens
        ("127.0.0.1", "http://127.0.0.1:{port} -> "),
    ],
)
async def test_the_banner_names_an_address_a_browser_opens(host: str, shown: str) -> None:
    port = free_port()
    command = ["proxy", "--upstream", "http://127.0.0.1:9/", "--log-level", "critical"]
    line = await start_line([*command, "--host", host, "--port", str(port)])
    assert shown.format(port=port) in line
