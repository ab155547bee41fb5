"""From a shopper's change in the store to the merchant's view: webhooks, beacons, orders, status rules."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

from cartio_platform.testing import wait_until

from .conftest import World, no_read_pending

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")


def simple_products(products: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Products with one variant and stock enough for a test."""
    chosen = [p for p in products if len(p.get("variants") or []) <= 1 and (p.get("inventory_level") or 100) > 20]
    assert len(chosen) >= n, "the simulator's catalog has too few simple products"
    return chosen[:n]


def hook_body(store_hash: str, scope: str, cart_id: str, created_at: int | None = None, **data: Any) -> dict[str, Any]:
    created = created_at or int(time.time())
    return {"scope": scope, "store_id": "1", "producer": f"stores/{store_hash}",
            "data": {"type": "cart", "id": cart_id, **data}, "hash": uuid.uuid4().hex, "created_at": created}


async def test_a_shoppers_cart_reaches_the_merchant_with_items_totals_and_shopper(world: World) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 2)
    cart = await world.shopper_cart(
        store, [{"product_id": products[0]["id"], "quantity": 2}, {"product_id": products[1]["id"], "quantity": 1}],
        email="ana@buyer.example", ip="81.2.69.160", user_agent=CHROME,
    )
    started = time.monotonic()
    full = await world.wait_cart(store, cart["id"], lambda c: c["customer"]["email"] and c["customer"]["country"])
    assert time.monotonic() - started < 5
    assert full["status"] == "active"
    assert len(full["items"]) == 2
    first = next(i for i in full["items"] if i["product_id"] == products[0]["id"])
    assert first["quantity"] == 2
    assert Decimal(first["extended_price"]) == Decimal(first["unit_price"]) * 2
    assert first["name"]
    assert first["sku"]
    assert first["image_url"]
    summary = full["summary"]
    subtotal = sum(Decimal(i["extended_price"]) for i in full["items"])
    assert Decimal(summary["subtotal"]) == subtotal
    assert Decimal(summary["grand_total"]) == (
        subtotal - Decimal(summary["discount"]) + Decimal(summary["shipping"]) + Decimal(summary["tax"]))
    assert summary["currency"] == "USD"
    assert Decimal(summary["shipping"]) == Decimal(summary["tax"]) == 0  # no shipping chosen yet
    assert Decimal(summary["grand_total"]) == Decimal(str(cart["cart_amount"]))
    customer = full["customer"]
    assert customer["user_type"] == "guest"
    assert customer["email"] == "ana@buyer.example"
    assert customer["ip"] == "81.2.69.160"
    assert customer["country"] == "GB"
    assert customer["browser"] == "Chrome 131 on Windows"
    assert customer["session_id"]
    actions = [t["action"] for t in full["timeline"]]
    assert actions[0] == "created"
    assert "item_added" in actions
    assert "email_entered" in actions
    # listed, and announced
    listed = (await world.carts.get(f"/internal/stores/{store.hash}/carts")).json()
    assert [c["id"] for c in listed["items"]] == [cart["id"]]
    assert listed["items"][0]["item_count"] == 3
    await wait_until(lambda: world.events.of(store.hash, "cart.upserted", cart["id"]), what="cart.upserted")
    snapshot = world.events.of(store.hash, "cart.upserted", cart["id"])[-1].data["cart"]
    assert snapshot["id"] == cart["id"]

    # the shopper chooses shipping (no webhook), then changes the email (a webhook): shipping and tax are real
    chosen = await world.sim.post(f"/_sim/carts/{cart['id']}/shipping", params={"store": store.hash},
                                  json={"country_code": "GB"})
    assert chosen.status_code == 200, chosen.text
    await world.sim.post(f"/_sim/carts/{cart['id']}/email", params={"store": store.hash},
                         json={"email": "ana.lee@buyer.example"})
    shipped = await world.wait_cart(store, cart["id"], lambda c: Decimal(c["summary"]["shipping"]) > 0)
    sim_checkout = (await world.sim.get(f"/stores/{store.hash}/v3/checkouts/{cart['id']}",
                                        headers={"X-Auth-Token": store.token})).json()["data"]
    summary = shipped["summary"]
    assert Decimal(summary["tax"]) == Decimal(str(sim_checkout["tax_total"])) > 0
    assert Decimal(summary["grand_total"]) == Decimal(str(sim_checkout["grand_total"]))
    assert [t["detail"]["email"] for t in shipped["timeline"] if t["action"] == "email_changed"] == [
        "ana.lee@buyer.example"]


async def test_the_same_webhook_three_times_makes_one_cart_and_one_event(world: World) -> None:
    store = await world.new_store(hooks=False)
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}])
    before = await world.consumed("webhooks")
    body = hook_body(store.hash, "store/cart/created", cart["id"])
    for _ in range(3):  # BigCommerce re-sends: ingest derives the same message id
        await world.webhook(body)
    # and two more thin "updated" webhooks for the same state, with other ids
    for _ in range(2):
        await world.webhook(hook_body(store.hash, "store/cart/updated", cart["id"]))
    await wait_until(lambda: _at_least(world, "webhooks", before + 5), what="webhooks consumed")
    listed = (await world.carts.get(f"/internal/stores/{store.hash}/carts")).json()["items"]
    assert [c["id"] for c in listed] == [cart["id"]]
    await wait_until(lambda: world.events.of(store.hash, "cart.upserted", cart["id"]), what="event")
    assert len(world.events.of(store.hash, "cart.upserted", cart["id"])) == 1


async def _at_least(world: World, purpose: str, count: float) -> bool:
    return await world.consumed(purpose) >= count


async def test_a_stale_update_after_a_newer_one_changes_nothing(world: World) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 2)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}])
    await world.wait_cart(store, cart["id"])
    added = await world.sim.post(f"/_sim/carts/{cart['id']}/items", params={"store": store.hash},
                                 json={"product_id": products[1]["id"], "quantity": 4})
    assert added.status_code in (200, 201), added.text
    newer = await world.wait_cart(store, cart["id"], lambda c: len(c["items"]) == 2)
    # the change's own webhooks may still owe a coalesced read: count from when none is to come
    await wait_until(lambda: no_read_pending(world, store), what="the change's reads done")
    newer = (await world.cart(store, cart["id"])).json()
    events_before = len(world.events.of(store.hash, cart_id=cart["id"]))
    consumed = await world.consumed("webhooks")
    # a late webhook from before the change (another delivery: new id) arrives now
    await world.webhook(
        hook_body(store.hash, "store/cart/created", cart["id"], created_at=int(time.time()) - 60))
    await wait_until(lambda: _at_least(world, "webhooks", consumed + 1), what="late webhook consumed")
    after = (await world.cart(store, cart["id"])).json()
    assert after["items"] == newer["items"]
    assert after["version"] == newer["version"]
    assert after["timeline"] == newer["timeline"]
    assert len(world.events.of(store.hash, cart_id=cart["id"])) == events_before


async def test_a_deleted_cart_stays_deleted(world: World) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}])
    stored = await world.wait_cart(store, cart["id"])
    item_id = stored["items"][0]["id"]
    removed = await world.sim.delete(f"/_sim/carts/{cart['id']}/items/{item_id}", params={"store": store.hash})
    assert removed.status_code in (200, 204), removed.text
    deleted = await world.wait_cart(store, cart["id"], lambda c: c["status"] == "deleted")
    assert deleted["deleted_reason"] in ("shopper", "unknown")
    await wait_until(lambda: world.events.of(store.hash, "cart.deleted", cart["id"]), what="cart.deleted")
    consumed = await world.consumed("webhooks")
    await world.webhook(hook_body(store.hash, "store/cart/updated", cart["id"]))
    await world.webhook(hook_body(store.hash, "store/cart/abandoned", cart["id"], token="x"))
    await wait_until(lambda: _at_least(world, "webhooks", consumed + 2), what="late webhooks consumed")
    assert (await world.cart(store, cart["id"])).json()["status"] == "deleted"
    assert len(world.events.of(store.hash, "cart.deleted", cart["id"])) == 1
    listed = (await world.carts.get(f"/internal/stores/{store.hash}/carts", params={"status": "deleted"})).json()
    assert [c["id"] for c in listed["items"]] == [cart["id"]]


async def test_a_beacon_before_its_cart_is_applied_when_the_cart_arrives(world: World) -> None:
    store = await world.new_store(hooks=False)
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}])
    consumed = await world.consumed("beacons")
    await world.beacon(store, cart["id"], "sess-123", "8.8.8.8", CHROME)
    await wait_until(lambda: _at_least(world, "beacons", consumed + 1), what="beacon consumed")
    assert (await world.cart(store, cart["id"])).status_code == 404  # not known yet, beacon kept
    await world.webhook(hook_body(store.hash, "store/cart/created", cart["id"]))
    full = await world.wait_cart(store, cart["id"])
    assert full["customer"]["session_id"] == "sess-123"
    assert full["customer"]["ip"] == "8.8.8.8"
    assert full["customer"]["country"] == "US"
    assert full["customer"]["browser"] == "Chrome 131 on Windows"


async def test_abandoned_then_checkout_converts_and_places_the_order_once(world: World) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 2}],
                                    email="bo@buyer.example", ip="81.2.69.160", user_agent=CHROME)
    await world.wait_cart(store, cart["id"], lambda c: c["customer"]["ip"])
    abandoned = await world.sim.post(f"/_sim/carts/{cart['id']}/abandon", params={"store": store.hash})
    assert abandoned.status_code == 200
    await world.wait_cart(store, cart["id"], lambda c: c["status"] == "abandoned")
    await wait_until(lambda: world.events.of(store.hash, "cart.abandoned", cart["id"]), what="cart.abandoned")
    order = await world.sim.post(f"/_sim/carts/{cart['id']}/checkout", params={"store": store.hash}, json={})
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]
    converted = await world.wait_cart(store, cart["id"], lambda c: c["status"] == "converted")
    assert converted["order_id"] == order_id

    def placed() -> list[Any]:
        return [e for e in world.events.of(store.hash, "order.placed") if e.data["order_id"] == order_id]

    await wait_until(placed, what="order.placed")
    event = placed()[0].data
    assert event["cart_id"] == cart["id"]
    assert event["email"] == "bo@buyer.example"
    assert event["items"][0]["quantity"] == 2
    assert Decimal(event["grand_total"]) > 0
    assert event["country"]
    await wait_until(lambda: world.events.of(store.hash, "cart.converted", cart["id"]), what="cart.converted")
    # later order updates (status changes) never publish it again
    consumed = await world.consumed("webhooks")
    await world.webhook({"scope": "store/order/updated", "store_id": "1",
                                        "producer": f"stores/{store.hash}", "data": {"type": "order", "id": order_id},
                                        "hash": uuid.uuid4().hex, "created_at": int(time.time())})
    await wait_until(lambda: _at_least(world, "webhooks", consumed + 1), what="order update consumed")
    assert len(placed()) == 1


async def test_a_webhook_for_a_store_never_installed_is_refused_and_reaches_nothing(world: World) -> None:
    # No install, no nonce: no secret can prove such a webhook (an uninstalled store's late ones are 2xx and
    # dropped, tests/e2e/test_uninstall.py).
    answer = await world.system.post_webhook("nosuchstore", hook_body("nosuchstore", "store/cart/created",
                                                                      str(uuid.uuid4())))
    assert answer.status_code == 401, answer.text
    listed = await world.carts.get("/internal/stores/nosuchstore/carts")
    assert listed.json() == {"items": [], "next_cursor": None}
