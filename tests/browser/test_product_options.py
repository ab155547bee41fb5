"""Add product with modifiers inside the control panel: the modal asks for the product's required choices, the
merchant gives them, and the line shows its chosen options on the cart page and in the store."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel, choose

pytestmark = pytest.mark.e2e

NECKLACE = 148  # required Name (text) and Chain length (dropdown), optional Gift wrap (checkbox)


async def test_the_merchant_adds_a_product_with_modifiers_and_sees_its_options_on_the_line(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    made = await system.shopper_cart(store, [{"product_id": 111, "quantity": 1}], email="options@buyer.example")
    cart_id = made["id"]
    await system.wait_for_cart(merchant, cart_id)
    app = panel.app
    await app.get_by_role("button", name=f"Edit cart {cart_id}").click()
    await expect(app.get_by_test_id("cart-id")).to_have_text(cart_id)

    await app.get_by_role("button", name="Add product").click()
    await app.get_by_label("Search products").fill("necklace")
    await app.get_by_role("button", name="Choose Name Necklace").click()
    add = app.get_by_role("button", name="Add to cart")
    await expect(app.get_by_text("Choose: Name, Chain length")).to_be_visible()
    await expect(add).to_be_disabled()  # the required modifiers are not given yet

    await app.get_by_role("textbox", name=re.compile(r"^Name")).fill("Ana")  # BigDesign marks it required
    await choose(panel, "Chain length", '18"')
    await choose(panel, "Gift wrap", "Yes")
    await expect(add).to_be_enabled()
    await panel.assert_accessible("cart-page-add-product-with-modifiers")
    await add.click()

    async def necklace_in_store() -> list[dict[str, Any]] | None:
        cart = (await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)).json()
        line = next((i for i in cart["line_items"]["physical_items"] if i["product_id"] == NECKLACE), None)
        return line["options"] if line else None

    options = await wait_until(necklace_in_store, timeout=10, what="the necklace in the store's cart")
    assert [(o["name"], o["value"]) for o in options] == [("Name", "Ana"), ("Chain length", '18"'),
                                                         ("Gift wrap", "Yes")]
    for shown in ("Name: Ana", 'Chain length: 18"', "Gift wrap: Yes"):
        await expect(app.get_by_text(shown, exact=True)).to_be_visible(timeout=10_000)
    await panel.assert_accessible("cart-page-line-with-options")
