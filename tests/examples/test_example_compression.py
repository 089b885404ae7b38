"""The Litestar example with a compressor of its own inside Omotenashi, in a coding we cannot
rewrite (as Litestar's brotli backend or brotli-asgi would send br to every browser)."""

from __future__ import annotations

import zlib
from io import BytesIO
from typing import Any

import pytest
import redis
from examples.litestar_site import app as example
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.middleware.compression.facade import CompressionFacade

from omotenashi import Omotenashi

from .expect import BROWSER, assert_welcomed_back, example_settings, profile_views, served

pytestmark = pytest.mark.anyio
# What Chrome sends when it loads a page.
CHROME = {**BROWSER, "accept-encoding": "gzip, deflate, br, zstd", "sec-fetch-dest": "document"}


class Deflate(CompressionFacade):
    """A Litestar compression backend of the app's own (Litestar's documented extension)."""

    encoding = "deflate"

    def __init__(self, buffer: BytesIO, compression_encoding: Any, config: Any) -> None:
        self.buffer, self.compressor = buffer, zlib.compressobj()

    def write(self, body: bytes) -> None:
        self.buffer.write(self.compressor.compress(body))

    def close(self) -> None:
        self.buffer.write(self.compressor.flush())


def compressed_site(compression: CompressionConfig) -> Litestar:
    handlers = [example.home, example.cart, example.login_form, example.login]
    return Litestar(route_handlers=handlers, compression_config=compression)


async def test_a_page_comes_back_in_a_coding_we_can_rewrite(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    compression = CompressionConfig(backend="deflate", compression_facade=Deflate, minimum_size=10)
    settings = example_settings(omotenashi_redis_url, example.HERE / "rules")
    app = Omotenashi(compressed_site(compression), settings=settings)
    async with served(app) as client:
        first = await client.get("/", headers=CHROME)
        again = await client.get("/", headers=CHROME)
        # a script's fetch() keeps the browser's codings: the app may send it deflated
        fetched = await client.get("/", headers={**CHROME, "sec-fetch-dest": "empty"})
    # The page request reached the app accepting gzip only: gzip, personalised, counted.
    assert again.headers["content-encoding"] == "gzip"
    assert_welcomed_back(first, again, "Welcome to the tea house.")
    assert list(profile_views(omotenashi_redis).values()) == [2]
    assert fetched.headers["content-encoding"] == "deflate"
