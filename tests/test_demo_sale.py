"""The demo shop charges the sale prices of the rules in force: a refused reload (a save of
data/sale.yaml cut short) changes neither the suggestions nor the shop's prices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from demo_site.app import TOURS, create_app, demo_settings

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parent.parent


async def test_a_refused_reload_leaves_the_shop_prices_alone(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "snippets", tmp_path / "snippets")
    app = create_app(tmp_path, demo_settings(tmp_path, redis={"url": omotenashi_redis_url}))
    sale = app.app.state.sale
    before = sale.now()
    assert before and all(price < TOURS[slug]["price"] for slug, price in before.items())
    sale_file = tmp_path / "rules" / "data" / "sale.yaml"
    sale_file.write_text("percent_off: 15\nitems: [kyoto-autumn, lapland-aurora\n")  # cut short
    loaded = await app.rules.check()
    assert loaded.catalog is not None and sale.now() == before  # refused: nothing changed
    sale_file.write_text("percent_off: 50\nitems: [kyoto-autumn]\n")
    await app.rules.check()
    assert sale.now() == {"kyoto-autumn": round(TOURS["kyoto-autumn"]["price"] / 2)}
