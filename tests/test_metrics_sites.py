"""Two Omotenashi in one process, their metrics in one Prometheus registry: added side by side
they would name the same series twice, so the registry refuses the second; ``Sites`` says each
family once, a ``site`` label on every sample (README, *Metrics*)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from omotenashi import Omotenashi, Settings
from omotenashi.metrics import Sites
from omotenashi.testing import Written

from .conftest import page_app

pytestmark = pytest.mark.anyio
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Shown to everyone."}\n'


async def two_sites(make_settings: Callable[..., Settings]) -> tuple[Omotenashi, Omotenashi]:
    """Two sites on one Redis, which served 1 and 3 pages."""
    shop = Omotenashi(page_app(PAGE), settings=make_settings(RULES, redis={"key_prefix": "a"}))
    blog = Omotenashi(page_app(PAGE), settings=make_settings(RULES, redis={"key_prefix": "b"}))
    for site, pages in ((shop, 1), (blog, 3)):
        await site.startup()
        try:
            transport = httpx.ASGITransport(app=Written(site))
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as c:
                for _ in range(pages):
                    assert ">Hello<" in (await c.get("/", headers={"accept": "text/html"})).text
        finally:
            await site.shutdown()
    return shop, blog


@pytest.mark.parametrize("auto_describe", [False, True])  # a registry of one's own; REGISTRY's
async def test_two_sites_registries_side_by_side_are_refused(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, auto_describe: bool
) -> None:
    shop, blog = await two_sites(make_settings)
    registry = CollectorRegistry(auto_describe=auto_describe)
    registry.register(shop.metrics.registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):  # not said twice, unseen
        registry.register(blog.metrics.registry)


@pytest.mark.parametrize("auto_describe", [False, True])
async def test_sites_says_each_family_once_with_each_sites_numbers(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis, auto_describe: bool
) -> None:
    shop, blog = await two_sites(make_settings)
    registry = CollectorRegistry(auto_describe=auto_describe)
    registry.register(Sites({"shop": shop.metrics, "blog": blog.metrics}))
    text = generate_latest(registry).decode()
    assert text.count("# TYPE omotenashi_responses_total ") == 1
    found = {f.name: f for f in text_string_to_metric_families(text)}
    responses = {
        (s.labels["site"], s.labels["outcome"]): s.value
        for s in found["omotenashi_responses"].samples
    }
    assert (responses["shop", "personalised"], responses["blog", "personalised"]) == (1, 3)
    shown = {s.labels["site"]: s.value for s in found["omotenashi_rules_shown"].samples}
    assert shown == {"shop": 1, "blog": 3}


@pytest.mark.parametrize("label", ["outcome", "rule", "le", "not a label"])
def test_sites_refuses_a_label_the_metrics_use(label: str) -> None:
    with pytest.raises(ValueError, match="label"):
        Sites({}, label=label)
