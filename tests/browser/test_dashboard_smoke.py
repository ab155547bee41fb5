"""Cart Monitoring inside the control panel: a shopper's new cart appears without a reload."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from cartio_platform.testing.system import System
from tests.browser.conftest import Panel

pytestmark = pytest.mark.e2e


async def test_a_shoppers_new_cart_appears_on_cart_monitoring_without_a_reload(
    panel: Panel, system: System, store: str
) -> None:
    await panel.frame.evaluate("window.__notReloaded = true")
    product = (await system.products())[0]
    cart = await system.shopper_cart(store, [{"product_id": product["id"], "quantity": 2}],
                                     email="live.shopper@example.com")
    row = panel.app.get_by_role("row").filter(has_text=cart["id"])
    await expect(row).to_be_visible(timeout=10_000)
    await expect(row).to_contain_text("live.shopper@example.com")
    assert await panel.frame.evaluate("window.__notReloaded === true")
    await panel.assert_accessible("monitoring")
