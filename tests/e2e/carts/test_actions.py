"""Every action a staff member takes on a cart, end to end through the simulator."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from cartio_platform.testing import wait_until

from .conftest import StoreCtx, World
from .test_webhooks import hook_body, simple_products

STAFF = "staff@shop.example"
ADDRESS = {"first_name": "Ana", "last_name": "Lee", "email": "ana@buyer.example", "address1": "12 Elm St",
           "city": "Austin", "state_or_province": "Texas", "state_or_province_code": "TX", "country_code": "US",
           "postal_code": "78701"}


def url(store: StoreCtx, path: str = "") -> str:
    return f"/internal/stores/{store.hash}/carts{path}"


async def sim_cart(world: World, store: StoreCtx, cart_id: str) -> dict[str, Any] | None:
    response = await world.sim.get(f"/_sim/carts/{cart_id}", params={"store": store.hash})
    return response.json() if response.status_code == 200 else None


def items_of(cart: dict[str, Any]) -> dict[int, int]:
    """product id -> quantity, in Cartio's or the store's shape."""
    lines = cart["items"] if "items" in cart else cart["line_items"]["physical_items"]
    return {line["product_id"]: line["quantity"] for line in lines}


async def _deliveries_done(world: World, store: StoreCtx, consumed_before: float) -> bool:
    """Every webhook the store sent was delivered, and carts has taken at least that many messages since."""
    log = (await world.sim.get("/_sim/webhooks", params={"store": store.hash})).json()
    delivered = bool(log) and all(d.get("status_code") == 200 for d in log)
    return delivered and await world.consumed("webhooks") >= consumed_before + len(log)


async def known_cart(world: World, store: StoreCtx, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    cart = await world.shopper_cart(store, items, **extra)
    return await world.wait_cart(store, cart["id"])


async def test_add_change_and_remove_items_on_the_shoppers_behalf(world: World) -> None:
    store = await world.new_store()
    p1, p2 = simple_products(await world.products(store), 2)
    consumed = await world.consumed("webhooks")
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}])
    headers = {"X-Cartio-Actor": STAFF}

    added = await world.carts.post(url(store, f"/{cart['id']}/items"), headers=headers,
                                   json={"product_id": p2["id"], "quantity": 3})
    assert added.status_code == 200, added.text
    assert items_of(added.json()) == {p1["id"]: 1, p2["id"]: 3}  # reflected at once
    store_cart = await sim_cart(world, store, cart["id"])
    assert store_cart is not None
    assert items_of(store_cart) == {p1["id"]: 1, p2["id"]: 3}
    entry = [t for t in added.json()["timeline"] if t["action"] == "item_added"][-1]
    assert entry["actor"] == STAFF
    assert entry["detail"]["product_id"] == p2["id"]

    line = next(i for i in added.json()["items"] if i["product_id"] == p2["id"])
    changed = await world.carts.patch(url(store, f"/{cart['id']}/items/{line['id']}"), headers=headers,
                                      json={"quantity": 5})
    assert changed.status_code == 200, changed.text
    assert items_of(changed.json())[p2["id"]] == 5
    assert Decimal(changed.json()["summary"]["subtotal"]) == sum(
        Decimal(i["extended_price"]) for i in changed.json()["items"])
    entry = [t for t in changed.json()["timeline"] if t["action"] == "quantity_changed"][-1]
    assert (entry["actor"], entry["detail"]["from"], entry["detail"]["to"]) == (STAFF, 3, 5)

    removed = await world.carts.delete(url(store, f"/{cart['id']}/items/{line['id']}"), headers=headers)
    assert removed.status_code == 200, removed.text
    assert items_of(removed.json()) == {p1["id"]: 1}
    store_cart = await sim_cart(world, store, cart["id"])
    assert store_cart is not None
    assert items_of(store_cart) == {p1["id"]: 1}
    assert [t["actor"] for t in removed.json()["timeline"] if t["action"] == "item_removed"] == [STAFF]

    # the webhooks BigCommerce fired for these changes never attribute the staff member's changes to the shopper
    await wait_until(lambda: _deliveries_done(world, store, consumed), what="webhooks delivered and handled")
    final = await world.wait_cart(store, cart["id"])
    staff_changes = [t["actor"] for t in final["timeline"]
                     if t["action"] in ("item_added", "quantity_changed", "item_removed")]
    assert staff_changes[-3:] == [STAFF] * 3
    assert len(world.events.of(store.hash, "cart.upserted", cart["id"])) >= 4

    # bad input is a 4xx with a clear message
    bad = await world.carts.patch(url(store, f"/{cart['id']}/items/{line['id']}"), json={"quantity": 0})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_request"
    missing = await world.carts.patch(url(store, f"/{cart['id']}/items/nope"), json={"quantity": 2})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "item_not_found"
    refused = await world.carts.post(url(store, f"/{cart['id']}/items"), json={"product_id": 999999})
    assert refused.status_code == 422, refused.text


async def test_removing_the_last_line_or_deleting_deletes_the_cart(world: World) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}])
    headers = {"X-Cartio-Actor": STAFF}
    deleted = await world.carts.delete(url(store, f"/{cart['id']}"), headers=headers)
    assert deleted.status_code == 204, deleted.text
    assert await sim_cart(world, store, cart["id"]) is None
    full = (await world.cart(store, cart["id"])).json()
    assert (full["status"], full["deleted_reason"]) == ("deleted", "merchant")
    assert [t["actor"] for t in full["timeline"] if t["action"] == "deleted"] == [STAFF]
    await wait_until(lambda: world.events.of(store.hash, "cart.deleted", cart["id"]), what="cart.deleted")
    again = await world.carts.delete(url(store, f"/{cart['id']}"), headers=headers)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "cart_gone"

    other = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}])
    removed = await world.carts.delete(url(store, f"/{other['id']}/items/{other['items'][0]['id']}"),
                                       headers=headers)
    assert removed.status_code == 200, removed.text
    assert removed.json()["status"] == "deleted"
    assert await sim_cart(world, store, other["id"]) is None

    # a cart deleted in the store behind Cartio's back: 404, and recorded as deleted
    third = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}])
    gone = await world.sim.delete(f"/stores/{store.hash}/v3/carts/{third['id']}", headers={"X-Auth-Token": store.token})
    assert gone.status_code == 204
    answer = await world.carts.post(url(store, f"/{third['id']}/items"), json={"product_id": p1["id"]})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "cart_gone"
    assert (await world.cart(store, third["id"])).json()["status"] == "deleted"


async def test_send_makes_a_fresh_checkout_link_and_commands_the_notifier(world: World) -> None:
    store = await world.new_store()
    p1, p2 = simple_products(await world.products(store), 2)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 2},
                                           {"product_id": p2["id"], "quantity": 1}], email="cy@buyer.example")
    sent = await world.carts.post(url(store, f"/{cart['id']}/send"), headers={"X-Cartio-Actor": STAFF},
                                  json={"message": "Your cart is waiting"})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["recipient"] == "cy@buyer.example"
    assert body["checkout_url"].startswith("http")
    assert body["notification"]["status"] == "queued"
    link_cart = body["link_cart_id"]
    assert link_cart != cart["id"]  # a storefront cart is re-created through the API (doc 5.3)
    recreated = await sim_cart(world, store, link_cart)
    assert recreated is not None
    assert items_of(recreated) == {p1["id"]: 2, p2["id"]: 1}
    original = (await world.cart(store, cart["id"])).json()
    assert original["recreated_as"] == link_cart
    assert [t["actor"] for t in original["timeline"] if t["action"] == "sent_to_shopper"] == [STAFF]
    linked = (await world.cart(store, link_cart)).json()
    assert linked["source_cart_id"] == cart["id"]

    def commands() -> list[Any]:
        return world.events.of(store.hash, "notifier.send_cart")

    await wait_until(commands, what="notifier.send_cart")
    command = commands()[0].data
    assert command["recipient"] == "cy@buyer.example"
    assert command["checkout_url"] == body["checkout_url"]
    assert command["message"] == "Your cart is waiting"
    assert command["requested_by"] == STAFF
    # the email shows the merchant's own cart; the link opens the re-created one
    assert command["cart"]["id"] == cart["id"]
    assert command["checkout_cart_id"] == link_cart
    assert {i["product_id"]: i["quantity"] for i in command["cart"]["items"]} == {p1["id"]: 2, p2["id"]: 1}
    assert Decimal(command["cart"]["grand_total"]) == Decimal(original["summary"]["grand_total"])
    assert commands()[0].message_id == uuid.UUID(body["notification"]["id"])

    # the notifier's outcome shows on the merchant's cart and on the copy the link opens
    def sent_on(cart_id: str) -> Any:
        async def seen() -> list[dict[str, Any]]:
            timeline = (await world.cart(store, cart_id)).json()["timeline"]
            return [t for t in timeline if t["action"] == "notification_sent"]
        return seen

    entry = (await wait_until(sent_on(cart["id"]), timeout=20, what="notification_sent on the timeline"))[0]
    assert entry["detail"]["recipient"] == "cy@buyer.example"
    assert entry["detail"]["notification_id"] == body["notification"]["id"]
    assert await wait_until(sent_on(link_cart), what="notification_sent on the link's cart")

    # sending the re-created cart again mints a new link for it, without another copy
    again = await world.carts.post(url(store, f"/{link_cart}/send"), json={"email": "Other@Buyer.example"})
    assert again.status_code == 200, again.text
    assert again.json()["link_cart_id"] == link_cart
    assert again.json()["checkout_url"] != body["checkout_url"]

    no_email = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}])
    refused = await world.carts.post(url(store, f"/{no_email['id']}/send"), json={})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "recipient_missing"
    invalid = await world.carts.post(url(store, f"/{no_email['id']}/send"), json={"email": "not-an-email"})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_email"


async def test_send_with_the_same_idempotency_key_answers_the_first_send_and_commands_once(world: World) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}], email="di@buyer.example")
    headers = {"X-Cartio-Actor": STAFF, "Idempotency-Key": "send-1"}
    first = await world.carts.post(url(store, f"/{cart['id']}/send"), headers=headers, json={"message": "Hi"})
    assert first.status_code == 200, first.text
    again = await world.carts.post(url(store, f"/{cart['id']}/send"), headers=headers, json={"message": "Hi"})
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["notification"] == first.json()["notification"]
    assert again.json()["checkout_url"] == first.json()["checkout_url"]

    other = await world.carts.post(url(store, f"/{cart['id']}/send"), headers=headers, json={"message": "Bye"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"

    def commands() -> list[Any]:
        return world.events.of(store.hash, "notifier.send_cart")

    await wait_until(commands, what="notifier.send_cart")
    await asyncio.sleep(1.0)  # the outbox relay polls every 0.5 s: a second command would be out by now
    assert len(commands()) == 1
    timeline = (await world.cart(store, cart["id"])).json()["timeline"]
    assert [t["action"] for t in timeline].count("sent_to_shopper") == 1


async def test_a_recreated_cart_keeps_each_lines_variant_options_and_changed_price(world: World) -> None:
    store = await world.new_store()
    products = await world.products(store)
    varied = next(p for p in products if len(p.get("variants") or []) > 1
                  and all((v.get("inventory_level") or 100) > 5 for v in p["variants"]))
    variant = varied["variants"][-1]
    cart = await known_cart(world, store, [{"product_id": varied["id"], "variant_id": variant["id"], "quantity": 2}],
                            email="ed@buyer.example")
    line = (await sim_cart(world, store, cart["id"]))["line_items"]["physical_items"][0]  # type: ignore[index]
    # the store (another app, a price rule) changed the line's price: the shopper is owed that price
    changed = await world.sim.put(
        f"/stores/{store.hash}/v3/carts/{cart['id']}/items/{line['id']}", headers={"X-Auth-Token": store.token},
        json={"line_item": {"product_id": varied["id"], "variant_id": variant["id"], "quantity": 2,
                            "list_price": 7.25}},
    )
    assert changed.status_code == 200, changed.text
    sent = await world.carts.post(url(store, f"/{cart['id']}/send"), json={})
    assert sent.status_code == 200, sent.text
    recreated = await sim_cart(world, store, sent.json()["link_cart_id"])
    assert recreated is not None
    (copy,) = recreated["line_items"]["physical_items"]
    assert (copy["product_id"], copy["variant_id"], copy["quantity"]) == (varied["id"], variant["id"], 2)
    assert copy["options"] == line["options"]
    assert line["options"]
    assert Decimal(str(copy["list_price"])) == Decimal("7.25")

    def commands() -> list[Any]:
        return world.events.of(store.hash, "notifier.send_cart")

    command = (await wait_until(commands, what="notifier.send_cart"))[0].data
    # the email shows the price the store changed to (carts re-read the cart to make the link)
    (item,) = command["cart"]["items"]
    assert Decimal(item["unit_price"]) == Decimal("7.25")
    assert {o["name"] for o in item["options"]} == {o["name"] for o in line["options"]}


async def test_create_order_once_per_key_and_replay_the_result(world: World) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 2}])
    path = url(store, f"/{cart['id']}/order")
    no_key = await world.carts.post(path, json={"billing_address": ADDRESS})
    assert no_key.status_code == 400
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    incomplete = await world.carts.post(path, json={}, headers={"Idempotency-Key": "k-incomplete"})
    assert incomplete.status_code == 422
    assert incomplete.json()["error"]["missing"] == [
        "first_name", "last_name", "email", "address1", "city", "country_code"]

    headers = {"Idempotency-Key": f"k-{uuid.uuid4()}", "X-Cartio-Actor": STAFF}
    first, second = await asyncio.gather(
        world.carts.post(path, json={"billing_address": ADDRESS}, headers=headers),
        world.carts.post(path, json={"billing_address": ADDRESS}, headers=headers),
    )
    assert {first.status_code, second.status_code} == {201}, (first.text, second.text)
    assert first.json()["order_id"] == second.json()["order_id"]
    order_id = first.json()["order_id"]
    assert first.json()["status_id"] == 7  # Awaiting Payment by default
    third = await world.carts.post(path, json={"billing_address": ADDRESS}, headers=headers)
    assert third.status_code == 201
    assert third.json() == first.json()
    assert third.headers.get("Idempotent-Replayed") == "true"
    reused = await world.carts.post(path, json={"billing_address": ADDRESS, "status_id": 11}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"

    orders = await world.sim_orders(store, cart["id"])
    assert [o["id"] for o in orders] == [order_id]
    assert orders[0]["status_id"] == 7
    assert await sim_cart(world, store, cart["id"]) is None  # deleted once the order exists
    full = (await world.cart(store, cart["id"])).json()
    assert (full["status"], full["order_id"]) == ("converted", order_id)
    assert any(t["action"] == "order_created" and t["actor"] == STAFF for t in full["timeline"])
    await wait_until(lambda: [e for e in world.events.of(store.hash, "order.placed")
                              if e.data["order_id"] == order_id], what="order.placed")
    another_key = await world.carts.post(path, json={"billing_address": ADDRESS},
                                         headers={"Idempotency-Key": "k-other"})
    assert another_key.status_code == 409
    assert another_key.json()["error"]["code"] == "cart_converted"


async def test_create_order_for_a_guest_says_what_the_address_lacks(world: World) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}], email="gus@buyer.example",
                            ip="81.2.69.160", user_agent="Mozilla/5.0 Firefox/132.0")
    path = url(store, f"/{cart['id']}/order")
    refused = await world.carts.post(path, json={}, headers={"Idempotency-Key": "guest"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["missing"] == ["first_name", "last_name", "address1", "city"]
    assert "cart's email" in error["message"]
    # the same key may be used again once the request is complete (nothing was made)
    address = {k: v for k, v in ADDRESS.items() if k not in ("email", "country_code")}
    created = await world.carts.post(path, json={"billing_address": address}, headers={"Idempotency-Key": "guest2"})
    assert created.status_code == 201, created.text
    (order,) = await world.sim_orders(store, cart["id"])
    assert order["billing_address"]["email"] == "gus@buyer.example"  # the cart's
    assert order["billing_address"]["country_iso2"] == "GB"  # the shopper's country, from the beacon


async def test_create_order_for_a_customer_takes_the_address_from_their_record(world: World) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}], customer_id=1)
    assert cart["customer"]["user_type"] == "customer"
    assert cart["customer"]["name"]
    created = await world.carts.post(url(store, f"/{cart['id']}/order"), json={"status_id": 11},
                                     headers={"Idempotency-Key": "customer-order"})
    assert created.status_code == 201, created.text
    (order,) = await world.sim_orders(store, cart["id"])
    assert order["status_id"] == 11
    assert order["billing_address"]["first_name"] == cart["customer"]["name"].split()[0]


async def test_create_order_while_bigcommerce_fails_makes_none_or_exactly_one(world: World) -> None:
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    carts = [await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}]) for _ in range(3)]
    outcomes: dict[str, list[int]] = {}
    await world.sim.post("/_sim/faults", json={"api_error_rate": 0.35})
    try:
        for cart in carts:
            key = f"fault-{cart['id']}"
            for _ in range(4):
                response = await world.carts.post(url(store, f"/{cart['id']}/order"), json={"billing_address": ADDRESS},
                                                  headers={"Idempotency-Key": key})
                assert response.status_code in (201, 503, 409), response.text
                if response.status_code == 503:
                    assert response.json()["error"]["code"] == "bigcommerce_unavailable"
                outcomes.setdefault(cart["id"], []).append(response.status_code)
                if response.status_code == 201:
                    break
    finally:
        await world.sim.post("/_sim/faults", json={})
    for cart in carts:
        assert len(await world.sim_orders(store, cart["id"])) <= 1, outcomes
    # once BigCommerce is back, the same key finishes the job: exactly one order each
    for cart in carts:
        response = await world.carts.post(url(store, f"/{cart['id']}/order"), json={"billing_address": ADDRESS},
                                          headers={"Idempotency-Key": f"fault-{cart['id']}"})
        assert response.status_code == 201, response.text
        orders = await world.sim_orders(store, cart["id"])
        assert [o["id"] for o in orders] == [response.json()["order_id"]], outcomes


async def test_the_shopper_and_the_merchant_editing_at_once_lose_nothing(world: World) -> None:
    store = await world.new_store(hooks=False)
    p1, p2 = simple_products(await world.products(store), 2)
    cart = await world.shopper_cart(store, [{"product_id": p1["id"], "quantity": 1},
                                            {"product_id": p2["id"], "quantity": 1}])
    await world.webhook(hook_body(store.hash, "store/cart/created", cart["id"]))
    stored = await world.wait_cart(store, cart["id"])
    line1 = next(i for i in stored["items"] if i["product_id"] == p1["id"])
    line2 = next(i for i in stored["items"] if i["product_id"] == p2["id"])
    # the shopper changes a line; Cartio has not heard of it yet (its version is stale)
    shopper = await world.sim.patch(f"/_sim/carts/{cart['id']}/items/{line1['id']}", params={"store": store.hash},
                                    json={"quantity": 4})
    assert shopper.status_code == 200, shopper.text
    merchant = await world.carts.patch(url(store, f"/{cart['id']}/items/{line2['id']}"),
                                       headers={"X-Cartio-Actor": STAFF}, json={"quantity": 6})
    assert merchant.status_code == 200, merchant.text
    assert items_of(merchant.json()) == {p1["id"]: 4, p2["id"]: 6}
    store_cart = await sim_cart(world, store, cart["id"])
    assert store_cart is not None
    assert items_of(store_cart) == {p1["id"]: 4, p2["id"]: 6}
    changes = {(t["detail"].get("product_id"), t["actor"]) for t in merchant.json()["timeline"]
               if t["action"] == "quantity_changed"}
    assert changes == {(p1["id"], "shopper"), (p2["id"], STAFF)}

    # and many edits from both sides at once: every one of them lands
    async def shopper_adds(n: int) -> None:
        for _ in range(n):
            r = await world.sim.post(f"/_sim/carts/{cart['id']}/items", params={"store": store.hash},
                                     json={"product_id": p1["id"], "quantity": 1})
            assert r.status_code in (200, 201), r.text

    async def merchant_adds(n: int) -> None:
        for _ in range(n):
            r = await world.carts.post(url(store, f"/{cart['id']}/items"), headers={"X-Cartio-Actor": STAFF},
                                       json={"product_id": p2["id"], "quantity": 1})
            assert r.status_code in (200, 409), r.text

    await asyncio.gather(shopper_adds(3), merchant_adds(3))
    store_cart = await sim_cart(world, store, cart["id"])
    assert store_cart is not None
    assert items_of(store_cart)[p1["id"]] == 7
    assert items_of(store_cart)[p2["id"]] >= 6 + 1


async def test_two_stores_never_mix(world: World) -> None:
    a = await world.new_store()
    b = await world.new_store()
    (p1,) = simple_products(await world.products(a), 1)
    cart = await known_cart(world, a, [{"product_id": p1["id"], "quantity": 1}], email="mine@a.example")
    assert (await world.cart(b, cart["id"])).status_code == 404
    listed = (await world.carts.get(url(b))).json()
    assert cart["id"] not in [c["id"] for c in listed["items"]]
    searched = (await world.carts.get(url(b), params={"q": "mine@a"})).json()
    assert searched["items"] == []
    for method, path, body in (
        ("POST", f"/{cart['id']}/items", {"product_id": p1["id"]}),
        ("PATCH", f"/{cart['id']}/items/{cart['items'][0]['id']}", {"quantity": 2}),
        ("DELETE", f"/{cart['id']}/items/{cart['items'][0]['id']}", None),
        ("DELETE", f"/{cart['id']}", None),
        ("POST", f"/{cart['id']}/send", {"email": "x@y.example"}),
        ("POST", f"/{cart['id']}/order", {"billing_address": ADDRESS}),
    ):
        response = await world.carts.request(method, url(b, path), json=body, headers={"Idempotency-Key": "x"})
        assert response.status_code == 404, (method, path, response.text)
    assert await sim_cart(world, a, cart["id"]) is not None
    assert (await world.cart(a, cart["id"])).json()["status"] == "active"


async def test_catalog_search_for_the_cart_editor(world: World) -> None:
    store = await world.new_store()
    products = await world.products(store)
    word = products[0]["name"].split()[0]
    found = await world.carts.get(f"/internal/stores/{store.hash}/products", params={"q": word, "limit": 5})
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert items
    assert all(word.lower() in p["name"].lower() or p["sku"] for p in items)
    product = items[0]
    assert product["thumbnail_url"]
    assert Decimal(product["price"]) > 0
    assert isinstance(product["variants"], list)
    bad = await world.carts.get(f"/internal/stores/{store.hash}/products", params={"limit": "999"})
    assert bad.status_code == 422


async def test_text_with_nul_is_refused_with_a_422_and_changes_nothing(world: World) -> None:
    """PostgreSQL stores no NUL: such text was a 500 (after BigCommerce had been asked) before it was refused."""
    store = await world.new_store()
    (p1,) = simple_products(await world.products(store), 1)
    cart = await known_cart(world, store, [{"product_id": p1["id"], "quantity": 1}], email="nul@buyer.example")
    sent = await world.carts.post(url(store, f"/{cart['id']}/send"), json={"message": "hi\x00there"})
    ordered = await world.carts.post(url(store, f"/{cart['id']}/order"), headers={"Idempotency-Key": "nul-1"},
                                     json={"billing_address": {**ADDRESS, "first_name": "A\x00na"}})
    for answer, field in ((sent, "message"), (ordered, "billing_address.first_name")):
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid_request"
        assert field in error["message"]
        assert "NUL" in error["message"]
    after = (await world.cart(store, cart["id"])).json()
    assert after.get("recreated_as") is None
    assert [t for t in after["timeline"] if t["action"] in ("sent_to_shopper", "order_created")] == []
    assert await world.sim_orders(store, cart["id"]) == []
    assert world.events.of(store.hash, "notifier.send_cart") == []


async def test_the_api_requires_the_service_token(world: World) -> None:
    store = await world.new_store(hooks=False)
    for token in (None, "wrong"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await world.carts.get(url(store), headers={**headers} if token else {"Authorization": ""})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert (await world.carts.get(url(store, "/not-a-uuid"))).status_code == 404
    assert (await world.carts.get(url(store, f"/{uuid.uuid4()}"))).json()["error"]["code"] == "cart_not_found"
