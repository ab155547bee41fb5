"""The cart page ("Edit") inside the control panel: the merchant edits a shopper's cart and the store's cart
follows; send to customer reaches the mail sink; create order makes the order in the store; delete removes it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel

pytestmark = pytest.mark.e2e


async def in_store(system: System, store: str, cart_id: str) -> dict[int, int] | None:
    """product id -> quantity of the cart as the store (the simulator) holds it; None once it is gone."""
    answer = await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)
    if answer.status_code == 404:
        return None
    lines = answer.json()["line_items"]["physical_items"]
    return {line["product_id"]: line["quantity"] for line in lines}


async def store_follows(system: System, store: str, cart_id: str, expected: dict[int, int] | None) -> None:
    async def matches() -> bool:
        return await in_store(system, store, cart_id) == expected

    await wait_until(matches, timeout=10, what=f"the store's cart to be {expected}")


async def shopper_cart(system: System, store: str, merchant: Merchant, items: list[dict[str, Any]],
                       email: str) -> str:
    cart = await system.shopper_cart(store, items, email=email)
    await system.wait_for_cart(merchant, cart["id"])
    return str(cart["id"])


async def open_cart(panel: Panel, cart_id: str) -> None:
    """From Cart Monitoring, the row's Edit button."""
    await panel.app.get_by_role("button", name=f"Edit cart {cart_id}").click()
    await expect(panel.app.get_by_test_id("cart-id")).to_have_text(cart_id)


async def test_merchant_changes_a_quantity_adds_a_variant_and_removes_a_line_and_the_store_follows(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    products = await system.products()
    mug = next(p for p in products if not p.get("variants") or len(p["variants"]) <= 1)
    cart_id = await shopper_cart(system, store, merchant, [{"product_id": mug["id"], "quantity": 1}],
                                 "editor@buyer.example")
    await open_cart(panel, cart_id)
    app = panel.app
    await expect(app.get_by_text(mug["name"]).first).to_be_visible()
    await panel.assert_accessible("cart-page")

    # quantity 1 -> 3
    quantity = app.get_by_label(f"Quantity of {mug['name']}")
    await quantity.fill("3")
    await app.get_by_role("button", name=f"Update quantity of {mug['name']}").click()
    await store_follows(system, store, cart_id, {mug["id"]: 3})
    await expect(app.get_by_text(f"changed quantity of {mug['name']}").first).to_be_visible(timeout=10_000)

    # add a product with a chosen variant, from the search modal
    await app.get_by_role("button", name="Add product").click()
    await app.get_by_label("Search products").fill("Tee")
    choose = app.get_by_role("button", name="Choose").filter(has_text="Tee").first
    await choose.click()
    await app.get_by_role("combobox", name="Variant").click()
    await app.get_by_role("option", disabled=False).first.click()
    add = app.get_by_role("button", name="Add to cart")
    await expect(add).to_be_enabled()
    await panel.assert_accessible("cart-page-add-product")
    await add.click()

    async def tee_added() -> dict[int, int] | None:
        lines = await in_store(system, store, cart_id)
        return lines if lines and len(lines) == 2 else None

    lines = await wait_until(tee_added, timeout=10, what="the tee in the store's cart")
    tee_id = next(pid for pid in lines if pid != mug["id"])

    # remove the first line
    await app.get_by_role("button", name=f"Remove {mug['name']}").click()
    await store_follows(system, store, cart_id, {tee_id: 1})
    await expect(app.get_by_role("button", name=f"Remove {mug['name']}")).to_have_count(0)
    await panel.shot("cart-page-edited")


async def test_the_cart_page_follows_the_shoppers_own_change_live(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    cart_id = await shopper_cart(system, store, merchant, [{"product_id": product["id"], "quantity": 1}],
                                 "live@buyer.example")
    await open_cart(panel, cart_id)
    line = (await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)).json()
    item_id = line["line_items"]["physical_items"][0]["id"]
    changed = await system.sim_call("PATCH", f"/_sim/carts/{cart_id}/items/{item_id}", store=store,
                                    json={"quantity": 4})
    assert changed.status_code == 200, changed.text
    await expect(panel.app.get_by_label(f"Quantity of {product['name']}")).to_have_value("4", timeout=10_000)


async def test_send_to_customer_previews_the_email_and_the_mail_reaches_the_shopper(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    cart_id = await shopper_cart(system, store, merchant, [{"product_id": product["id"], "quantity": 1}],
                                 "sendme@buyer.example")
    await open_cart(panel, cart_id)
    app = panel.app
    await app.get_by_role("button", name="Send to customer").click()
    await expect(app.get_by_label("Recipient")).to_have_value("sendme@buyer.example")
    await app.get_by_label("Message").fill("Your mug is waiting for you.")
    await app.get_by_role("button", name="Preview").click()
    await expect(app.get_by_role("dialog").get_by_text("Your mug is waiting for you.").first).to_be_visible()
    await panel.assert_accessible("cart-page-send")
    await app.get_by_role("button", name="Send", exact=True).click()

    async def mailed() -> dict[str, Any] | None:
        mails = (await system.sim_call("GET", "/_sim/mail")).json()
        return next((m for m in mails if "sendme@buyer.example" in m["to"]), None)

    mail = await wait_until(mailed, timeout=20, what="the email in the mail sink")
    assert "Your mug is waiting for you." in mail["text"]
    await expect(app.get_by_role("dialog").get_by_text("sent", exact=False).first).to_be_visible(timeout=15_000)
    await panel.shot("cart-page-sent")


async def test_create_order_makes_the_order_in_the_store_and_shows_its_number(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    cart_id = await shopper_cart(system, store, merchant, [{"product_id": product["id"], "quantity": 2}],
                                 "orderme@buyer.example")
    await open_cart(panel, cart_id)
    app = panel.app
    await app.get_by_role("button", name="Create order").click()
    dialog = app.get_by_role("dialog")
    await expect(dialog.get_by_label("Email")).to_have_value("orderme@buyer.example")
    for label, value in [("First name", "Ana"), ("Last name", "Lee"), ("Address", "12 Elm St"), ("City", "Austin"),
                         ("State or province", "Texas"), ("Postal code", "78701"),
                         ("Country code", "US")]:
        field = dialog.get_by_label(label, exact=False).first
        if not await field.input_value():
            await field.fill(value)
    await panel.assert_accessible("cart-page-order")
    await dialog.get_by_role("button", name="Create order for").click()

    async def order() -> dict[str, Any] | None:
        orders = (await system.sim_call("GET", "/_sim/orders", store=store)).json()
        return next((o for o in orders if str(o.get("cart_id")) == cart_id), None)

    made = await wait_until(order, timeout=20, what="the order in the store")
    await expect(dialog.get_by_text(f"#{made['id']}").first).to_be_visible(timeout=10_000)
    await panel.shot("cart-page-ordered")


async def test_delete_cart_asks_first_then_the_cart_is_gone_from_the_store_and_the_list(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    product = (await system.products())[0]
    cart_id = await shopper_cart(system, store, merchant, [{"product_id": product["id"], "quantity": 1}],
                                 "deleteme@buyer.example")
    await open_cart(panel, cart_id)
    app = panel.app
    await app.get_by_role("button", name="Delete cart").click()
    confirm = app.get_by_role("dialog")
    await expect(confirm).to_contain_text("cannot be undone")
    await panel.assert_accessible("cart-page-delete")
    assert await in_store(system, store, cart_id) is not None  # nothing happens before the confirmation
    await confirm.get_by_role("button", name="Delete cart").click()
    await store_follows(system, store, cart_id, None)
    await expect(app.get_by_role("tab", name="Cart Monitoring")).to_have_attribute("aria-selected", "true")
    await expect(app.get_by_role("row").filter(has_text=cart_id)).to_have_count(0, timeout=10_000)
