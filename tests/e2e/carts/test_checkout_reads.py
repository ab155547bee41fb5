"""The checkout is read only when what it carries can have changed: a guest's cart changes before checkout cost
no checkout read, while a billing address and a chosen shipping option still reach the merchant's summary."""

from __future__ import annotations

from decimal import Decimal

from cartio_platform.testing import wait_until

from .conftest import World, api_reads, no_read_pending
from .test_webhooks import simple_products


async def test_a_guests_cart_change_before_checkout_costs_no_checkout_read_but_billing_and_shipping_are_seen(
    world: World,
) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}])
    stored = await world.wait_cart(store, cart["id"])
    await wait_until(lambda: no_read_pending(world, store), what="the first reads done")
    item = stored["items"][0]["id"]
    carts_before, checkouts_before = await api_reads(world, store, "carts"), await api_reads(world, store, "checkouts")

    # a guest changes a quantity before checkout: the cart is read, its checkout is not
    changed = await world.sim.patch(f"/_sim/carts/{cart['id']}/items/{item}", params={"store": store.hash},
                                    json={"quantity": 3})
    assert changed.status_code == 200, changed.text
    held = await world.wait_cart(store, cart["id"], lambda c: c["items"][0]["quantity"] == 3)
    await wait_until(lambda: no_read_pending(world, store), what="the change read")
    assert await api_reads(world, store, "carts") > carts_before
    assert await api_reads(world, store, "checkouts") == checkouts_before
    assert Decimal(held["summary"]["grand_total"]) == Decimal(str(changed.json()["cart_amount"]))

    # the shopper begins checkout: a shipping option (no webhook of its own), then the billing address (its
    # email fires store/cart/updated); the merchant sees the billing name, shipping, tax and total of the checkout
    shipped = await world.sim.post(f"/_sim/carts/{cart['id']}/shipping", params={"store": store.hash},
                                   json={"country_code": "GB"})
    assert shipped.status_code == 200, shipped.text
    billing = await world.sim.post(
        f"/stores/{store.hash}/v3/checkouts/{cart['id']}/billing-address", headers={"X-Auth-Token": store.token},
        json={"first_name": "Ana", "last_name": "Lee", "email": "ana.lee@buyer.example", "country_code": "GB"},
    )
    assert billing.status_code == 200, billing.text
    seen = await world.wait_cart(store, cart["id"], lambda c: Decimal(c["summary"]["shipping"]) > 0)
    assert await api_reads(world, store, "checkouts") > checkouts_before
    checkout = (await world.sim.get(f"/stores/{store.hash}/v3/checkouts/{cart['id']}",
                                    headers={"X-Auth-Token": store.token})).json()["data"]
    summary = seen["summary"]
    assert Decimal(summary["shipping"]) == Decimal(str(checkout["shipping_cost_total_ex_tax"])) + Decimal(
        str(checkout["handling_cost_total_ex_tax"]))
    assert Decimal(summary["tax"]) == Decimal(str(checkout["tax_total"])) > 0
    assert Decimal(summary["grand_total"]) == Decimal(str(checkout["grand_total"]))
    assert seen["customer"]["email"] == "ana.lee@buyer.example"
    assert seen["customer"]["name"] == "Ana Lee"

    # once checkout began, a quantity change re-reads the checkout: shipping and tax follow the new amount
    more = await world.sim.patch(f"/_sim/carts/{cart['id']}/items/{item}", params={"store": store.hash},
                                 json={"quantity": 5})
    assert more.status_code == 200, more.text
    await world.wait_cart(store, cart["id"], lambda c: c["items"][0]["quantity"] == 5)
    await wait_until(lambda: no_read_pending(world, store), what="the second change read")
    after = (await world.cart(store, cart["id"])).json()
    checkout = (await world.sim.get(f"/stores/{store.hash}/v3/checkouts/{cart['id']}",
                                    headers={"X-Auth-Token": store.token})).json()["data"]
    assert Decimal(after["summary"]["tax"]) == Decimal(str(checkout["tax_total"]))
    assert Decimal(after["summary"]["grand_total"]) == Decimal(str(checkout["grand_total"]))


async def test_a_guests_shipping_chosen_before_any_email_reaches_the_merchant_with_the_next_item_change(
    world: World,
) -> None:
    store = await world.new_store()
    product = min(simple_products(await world.products(store), 3), key=lambda p: Decimal(str(p["price"])))
    cart = await world.shopper_cart(store, [{"product_id": product["id"], "quantity": 1}])
    stored = await world.wait_cart(store, cart["id"])
    await wait_until(lambda: no_read_pending(world, store), what="the first reads done")
    item = stored["items"][0]["id"]

    # A headless checkout takes the consignment first (shipping address and option, no webhook of its own) and
    # the billing address later: the guest's cart has no email yet when the shopper changes a quantity.
    shipped = await world.sim.post(f"/_sim/carts/{cart['id']}/shipping", params={"store": store.hash},
                                   json={"email": "guest@buyer.example", "country_code": "GB"})
    assert shipped.status_code == 200, shipped.text
    changed = await world.sim.patch(f"/_sim/carts/{cart['id']}/items/{item}", params={"store": store.hash},
                                    json={"quantity": 2})
    assert changed.status_code == 200, changed.text
    assert not changed.json()["email"]
    await world.wait_cart(store, cart["id"], lambda c: c["items"][0]["quantity"] == 2)
    await wait_until(lambda: no_read_pending(world, store), what="the change read")

    checkout = (await world.sim.get(f"/stores/{store.hash}/v3/checkouts/{cart['id']}",
                                    headers={"X-Auth-Token": store.token})).json()["data"]
    assert Decimal(str(checkout["shipping_cost_total_ex_tax"])) > 0, "the guest's shipping costs something"
    summary = (await world.cart(store, cart["id"])).json()["summary"]
    assert Decimal(summary["shipping"]) == Decimal(str(checkout["shipping_cost_total_ex_tax"])) + Decimal(
        str(checkout["handling_cost_total_ex_tax"]))
    assert Decimal(summary["tax"]) == Decimal(str(checkout["tax_total"]))
    assert Decimal(summary["grand_total"]) == Decimal(str(checkout["grand_total"]))
