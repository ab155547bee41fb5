"""A cart action that fails says why in words the merchant can act on, provoked for real: the store not
answering (503), the cart emailed a moment ago (429), the cart turned into an order meanwhile (409). Several
messages at once stack without covering each other."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from playwright.async_api import Locator, expect

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System
from tests.browser.conftest import Panel

pytestmark = pytest.mark.e2e


# The toast's middle is the toast itself (nothing covers it: no dialog's backdrop, no other toast) and its fade-in
# is over.
ON_TOP = """el => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && el.contains(hit) && getComputedStyle(el.querySelector('[role=alert]')).opacity === '1';
}"""


async def readable(toast: Locator) -> None:
    await expect(toast).to_be_visible(timeout=20_000)
    await wait_until(lambda: toast.evaluate(ON_TOP), timeout=5, what="the toast on top of everything")


async def open_new_cart(panel: Panel, system: System, store: str, merchant: Merchant, email: str,
                        products: int = 1) -> str:
    catalog = await system.products()
    items = [{"product_id": p["id"], "quantity": 1} for p in catalog[:products]]
    cart = await system.shopper_cart(store, items, email=email)
    await system.wait_for_cart(merchant, cart["id"])
    await panel.app.get_by_role("button", name=f"Edit cart {cart['id']}").click()
    await expect(panel.app.get_by_test_id("cart-id")).to_have_text(cart["id"])
    return str(cart["id"])


@pytest.fixture
async def store_down(system: System) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Makes BigCommerce answer every cart call with a 5xx (the simulator's faults), until the test ends."""

    async def down() -> None:
        answer = await system.sim_call("POST", "/_sim/faults",
                                       json={"api_error_rate": 1, "api_fault_paths": ["/carts"]})
        assert answer.status_code == 200, answer.text

    try:
        yield down
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})


async def test_a_change_while_the_store_does_not_answer_says_so_and_the_quantity_stays(
    panel: Panel, system: System, store: str, merchant: Merchant, store_down: Callable[[], Awaitable[None]]
) -> None:
    product = (await system.products())[0]
    cart_id = await open_new_cart(panel, system, store, merchant, "down@errors.example")
    await store_down()
    app = panel.app
    await app.get_by_label(f"Quantity of {product['name']}").fill("5")
    await app.get_by_role("button", name=f"Update quantity of {product['name']}").click()
    toast = app.get_by_test_id("toast").filter(has_text=f"Quantity of {product['name']} set to 5 failed")
    await readable(toast)
    await expect(toast).to_contain_text("BigCommerce is not answering right now")
    await expect(toast).to_contain_text("try again")
    await panel.assert_accessible("cart-page-error-503")
    cart = (await merchant.get(f"/api/carts/{cart_id}")).json()
    assert [item["quantity"] for item in cart["items"]] == [1]


async def test_sending_a_cart_again_right_away_says_when_it_may_be_sent(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    await open_new_cart(panel, system, store, merchant, "twice@errors.example")
    app = panel.app
    await app.get_by_role("button", name="Send to customer").click()
    dialog = app.get_by_role("dialog")
    await dialog.get_by_role("button", name="Send", exact=True).click()
    await expect(dialog.get_by_test_id("send-status")).to_be_visible(timeout=10_000)
    await dialog.get_by_role("button", name="Send again").click()
    refused = dialog.get_by_role("alert").filter(has_text="Not sent")
    await expect(refused).to_be_visible()
    await expect(refused).to_contain_text("This cart was emailed less than")
    await expect(refused).to_contain_text("try again in")
    await panel.assert_accessible("cart-page-error-429")


async def test_deleting_a_cart_the_shopper_just_ordered_says_it_became_an_order(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    cart_id = await open_new_cart(panel, system, store, merchant, "ordered@errors.example")
    app = panel.app
    await app.get_by_role("button", name="Delete cart").click()
    confirm = app.get_by_role("dialog")
    await expect(confirm).to_contain_text("cannot be undone")
    # meanwhile the shopper pays at the checkout
    paid = await system.sim_call("POST", f"/_sim/carts/{cart_id}/checkout", store=store, json={})
    assert paid.status_code in (200, 201), paid.text
    converted = await system.wait_for_cart(merchant, cart_id, lambda c: c["status"] == "converted", timeout=20)
    await confirm.get_by_role("button", name="Delete cart").click()
    toast = app.get_by_test_id("toast").filter(has_text="The cart was not deleted")
    await readable(toast)  # above the still open dialog
    await expect(toast).to_contain_text(f"turned into order {converted['order_id']} and can no longer be changed. "
                                        "Reload to see the latest state")
    await panel.assert_accessible("cart-page-error-409")


async def test_several_messages_at_once_are_stacked_and_each_stays_readable(
    panel: Panel, system: System, store: str, merchant: Merchant
) -> None:
    first, second = (await system.products())[:2]
    await open_new_cart(panel, system, store, merchant, "stack@errors.example", products=2)
    app = panel.app
    await app.get_by_label(f"Quantity of {first['name']}").fill("2")
    await app.get_by_role("button", name=f"Update quantity of {first['name']}").click()
    await app.get_by_role("button", name=f"Remove {second['name']}").click()
    toasts = app.get_by_test_id("toast")
    await readable(toasts.filter(has_text=f"Quantity of {first['name']} set to 2"))
    await readable(toasts.filter(has_text=f"{second['name']} removed"))
    boxes = [await t.bounding_box() for t in await toasts.all()]
    assert len(boxes) >= 2
    ordered = sorted((b["y"], b["y"] + b["height"]) for b in boxes if b)
    for (_, bottom), (top, _) in itertools.pairwise(ordered):
        assert bottom <= top, f"toasts overlap: {ordered}"
    await panel.shot("toasts-stacked")
