"""Issue 4, end to end: every field of a cart in full from real data, and every action a merchant takes on a
shopper's cart, ending in the (simulated) store and reflected in Cartio at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aio_pika
import pytest

from cartio_contracts import Envelope
from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    return await system.merchant(store, user_id=9001, email="staff@shop.example")


async def cart_in_cartio(system: System, store: str, merchant: Merchant, qty: int = 1,
                         product: int = 111, **extra: Any) -> dict[str, Any]:
    made = await system.shopper_cart(store, [{"product_id": product, "quantity": qty}], **extra)
    await system.wait_for_cart(merchant, made["id"])
    return made


def d(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_every_field_of_a_cart_in_full_comes_from_real_data(
    system: System, store: str, merchant: Merchant
) -> None:
    customer = (await system.sim_call("GET", "/_sim/customers", store=store)).json()[0]
    made = await system.shopper_cart(
        store, [{"product_id": 111, "quantity": 2}, {"product_id": 117, "variant_id": 311, "quantity": 1}],
        customer_id=customer["id"], ip="81.2.69.160", user_agent=FIREFOX,
    )
    cart_id = made["id"]
    assert (await system.sim_call("POST", f"/_sim/carts/{cart_id}/coupon", store=store,
                                  json={"code": "SPRING10"})).status_code == 200
    assert (await system.sim_call("POST", f"/_sim/carts/{cart_id}/shipping", store=store,
                                  json={"country_code": "GB"})).status_code == 200
    # choosing shipping fires no webhook; the shopper's next change (email) does, and Cartio reads the checkout
    assert (await system.sim_call("POST", f"/_sim/carts/{cart_id}/email", store=store,
                                  json={"email": customer["email"]})).status_code == 200

    def complete(c: dict[str, Any]) -> bool:
        return d(c["summary"]["shipping"]) > 0 and c["customer"]["session_id"] is not None and bool(
            c["summary"]["coupon_codes"])

    cart = await system.wait_for_cart(merchant, cart_id, complete, timeout=15)

    assert cart["id"] == cart_id
    assert cart["status"] == "active"
    assert cart["created_at"]
    assert cart["updated_at"] >= cart["created_at"]
    products = {p["id"]: p for p in await system.products()}
    assert len(cart["items"]) == 2
    for item in cart["items"]:
        assert item["id"]
        assert item["name"] == products[item["product_id"]]["name"]
        assert item["sku"]
        assert item["image_url"].endswith(".svg")
        assert item["variant_id"] is not None
        assert d(item["extended_price"]) == d(item["unit_price"]) * item["quantity"]
    c = cart["customer"]
    assert c["user_type"] == "customer"
    assert c["customer_id"] == customer["id"]
    assert c["email"] == customer["email"]
    assert c["name"] == f"{customer['first_name']} {customer['last_name']}"
    assert c["session_id"]
    assert c["browser"].startswith("Firefox 132")
    assert c["ip"] == "81.2.69.160"
    assert c["country"] == "GB"
    s = cart["summary"]
    assert s["currency"] == "USD"
    assert s["coupon_codes"] == ["SPRING10"]
    subtotal = sum((d(i["extended_price"]) for i in cart["items"]), Decimal(0))
    assert d(s["subtotal"]) == subtotal
    assert d(s["discount"]) == (subtotal * Decimal("0.10")).quantize(Decimal("0.01"))
    assert d(s["shipping"]) > 0
    assert d(s["tax"]) > 0
    assert d(s["grand_total"]) == d(s["subtotal"]) - d(s["discount"]) + d(s["shipping"]) + d(s["tax"])
    actions = [entry["action"] for entry in cart["timeline"]]
    assert actions
    assert all(entry["at"] and entry["actor"] for entry in cart["timeline"])


async def test_merchant_adds_changes_and_removes_products_in_the_store(
    system: System, store: str, merchant: Merchant
) -> None:
    made = await cart_in_cartio(system, store, merchant)
    found = (await merchant.get("/api/products", params={"q": "Tee"})).json()["items"]
    tee = next(p for p in found if p["variants"])
    assert tee["image_url"] or tee.get("thumbnail_url")
    variant = tee["variants"][0]["id"]

    added = await merchant.send("POST", f"/api/carts/{made['id']}/items",
                                json={"product_id": tee["id"], "variant_id": variant, "quantity": 2})
    assert added.status_code in (200, 201), added.text
    assert {i["product_id"] for i in added.json()["items"]} == {111, tee["id"]}  # reflected at once
    in_store = (await system.sim_call("GET", f"/_sim/carts/{made['id']}", store=store)).json()
    assert {i["product_id"] for i in in_store["line_items"]["physical_items"]} == {111, tee["id"]}

    line = next(i for i in added.json()["items"] if i["product_id"] == tee["id"])
    changed = await merchant.send("PATCH", f"/api/carts/{made['id']}/items/{line['id']}", json={"quantity": 5})
    assert changed.status_code == 200, changed.text
    in_store = (await system.sim_call("GET", f"/_sim/carts/{made['id']}", store=store)).json()
    assert {i["product_id"]: i["quantity"] for i in in_store["line_items"]["physical_items"]}[tee["id"]] == 5

    first = next(i for i in changed.json()["items"] if i["product_id"] == 111)
    removed = await merchant.send("DELETE", f"/api/carts/{made['id']}/items/{first['id']}")
    assert removed.status_code == 200, removed.text
    assert [i["product_id"] for i in removed.json()["items"]] == [tee["id"]]
    in_store = (await system.sim_call("GET", f"/_sim/carts/{made['id']}", store=store)).json()
    assert [i["product_id"] for i in in_store["line_items"]["physical_items"]] == [tee["id"]]

    timeline = removed.json()["timeline"]
    staff = [e for e in timeline if e["actor"] == "staff@shop.example"]
    assert len(staff) >= 3

    bad = await merchant.send("PATCH", f"/api/carts/{made['id']}/items/{line['id']}", json={"quantity": -1})
    assert bad.status_code == 422
    gone = await merchant.send("POST", f"/api/carts/{uuid.uuid4()}/items", json={"product_id": 111, "quantity": 1})
    assert gone.status_code == 404


async def test_merchant_deletes_a_cart(system: System, store: str, merchant: Merchant) -> None:
    made = await cart_in_cartio(system, store, merchant)
    deleted = await merchant.send("DELETE", f"/api/carts/{made['id']}")
    assert deleted.status_code in (200, 204), deleted.text
    assert (await system.sim_call("GET", f"/_sim/carts/{made['id']}", store=store)).status_code == 404
    cart = (await merchant.get(f"/api/carts/{made['id']}")).json()
    assert cart["status"] == "deleted"
    assert (await merchant.send("DELETE", f"/api/carts/{made['id']}")).status_code == 404


BILLING = {"first_name": "Ana", "last_name": "Lee", "email": "ana@buyer.example", "address1": "12 Elm St",
           "city": "Austin", "state_or_province": "Texas", "country_code": "US", "postal_code": "78701"}


ORDER = {"billing_address": BILLING}


async def orders_of(system: System, store: str, cart_id: str) -> list[dict[str, Any]]:
    orders = (await system.sim_call("GET", "/_sim/orders", store=store)).json()
    return [o for o in orders if o.get("cart_id") == cart_id]


async def test_create_order_twice_with_one_key_makes_one_order(system: System, store: str, merchant: Merchant) -> None:
    made = await cart_in_cartio(system, store, merchant, qty=2, email="guest1@buyer.example")
    key = str(uuid.uuid4())
    first, second = await asyncio.gather(
        merchant.send("POST", f"/api/carts/{made['id']}/order", json=ORDER, headers={"Idempotency-Key": key}),
        merchant.send("POST", f"/api/carts/{made['id']}/order", json=ORDER, headers={"Idempotency-Key": key}),
    )
    assert first.status_code in (200, 201), first.text
    assert second.status_code in (200, 201, 409), second.text
    retried = await merchant.send("POST", f"/api/carts/{made['id']}/order", json=ORDER,
                                  headers={"Idempotency-Key": key})
    assert retried.json()["order_id"] == first.json()["order_id"]
    orders = await orders_of(system, store, made["id"])
    assert [o["id"] for o in orders] == [first.json()["order_id"]]
    assert orders[0]["status_id"] == 7  # Awaiting Payment by default
    cart = await system.wait_for_cart(merchant, made["id"], lambda c: c["status"] == "converted")
    assert cart["status"] == "converted"
    no_key = await merchant.send("POST", f"/api/carts/{made['id']}/order", json={})
    assert no_key.status_code in (400, 422)


async def test_create_order_while_the_store_fails_makes_at_most_one(
    system: System, store: str, merchant: Merchant
) -> None:
    made = await cart_in_cartio(system, store, merchant, qty=1, email="guest2@buyer.example")
    key = str(uuid.uuid4())
    await system.sim_call("POST", "/_sim/faults", json={"api_error_rate": 0.5})
    try:
        answers = [
            await merchant.send("POST", f"/api/carts/{made['id']}/order", json=ORDER, headers={"Idempotency-Key": key})
            for _ in range(4)
        ]
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})
    assert all(a.status_code in (200, 201, 409, 503) for a in answers), [a.text for a in answers]
    assert len(await orders_of(system, store, made["id"])) <= 1
    final = await merchant.send("POST", f"/api/carts/{made['id']}/order", json=ORDER, headers={"Idempotency-Key": key})
    assert final.status_code in (200, 201), final.text
    orders = await orders_of(system, store, made["id"])
    assert [o["id"] for o in orders] == [final.json()["order_id"]]


@pytest.fixture
async def commands(system: System) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    connection = await aio_pika.connect(system.infra.amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(f"{system.namespace}.events", "notifier.send_cart")
    yield queue
    await connection.close()


async def test_send_to_shopper_issues_the_command_with_a_fresh_checkout_link(
    system: System, store: str, merchant: Merchant, commands: aio_pika.abc.AbstractQueue
) -> None:
    made = await cart_in_cartio(system, store, merchant, email="guest3@buyer.example")
    sent = await merchant.send("POST", f"/api/carts/{made['id']}/send", json={"message": "Your cart is waiting"})
    assert sent.status_code in (200, 201, 202), sent.text
    link = sent.json()["checkout_url"]
    assert "action=loadInCheckout" in link or "checkout" in link
    message = await wait_until(lambda: commands.get(no_ack=True, fail=False), what="notifier.send_cart")
    command = Envelope.from_bytes(message.body)
    assert command.type == "notifier.send_cart"
    assert command.data["recipient"] == "guest3@buyer.example"
    assert command.data["checkout_url"] == link
    assert command.data["requested_by"] == "staff@shop.example"
    assert command.data["message"] == "Your cart is waiting"
    no_email = await cart_in_cartio(system, store, merchant)
    refused = await merchant.send("POST", f"/api/carts/{no_email['id']}/send", json={})
    assert refused.status_code == 422
    bad = await merchant.send("POST", f"/api/carts/{made['id']}/send", json={"email": "not-an-email"})
    assert bad.status_code == 422


async def test_shopper_and_merchant_editing_at_once_lose_nothing(
    system: System, store: str, merchant: Merchant
) -> None:
    made = await cart_in_cartio(system, store, merchant)
    shopper_adds = [
        system.sim_call("POST", f"/_sim/carts/{made['id']}/items", store=store, json={"product_id": p, "quantity": 1})
        for p in (112, 114, 115)
    ]
    merchant_adds = [
        merchant.send("POST", f"/api/carts/{made['id']}/items", json={"product_id": p, "quantity": 1})
        for p in (116, 111)
    ]
    answers = await asyncio.gather(*shopper_adds, *merchant_adds)
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    in_store = (await system.sim_call("GET", f"/_sim/carts/{made['id']}", store=store)).json()
    quantities = {i["product_id"]: i["quantity"] for i in in_store["line_items"]["physical_items"]}
    assert quantities == {111: 2, 112: 1, 114: 1, 115: 1, 116: 1}
    cart = await system.wait_for_cart(
        merchant, made["id"], lambda c: {i["product_id"]: i["quantity"] for i in c["items"]} == quantities
    )
    assert sum(i["quantity"] for i in cart["items"]) == 6


async def test_listing_filters_by_status_user_type_and_text(system: System, store: str, merchant: Merchant) -> None:
    email = f"find-{uuid.uuid4().hex[:6]}@buyer.example"
    made = await cart_in_cartio(system, store, merchant, email=email)
    rows = (await merchant.get("/api/carts", params={"q": email})).json()["items"]
    assert [r["id"] for r in rows] == [made["id"]]
    assert rows[0]["user_type"] == "guest"
    assert (await merchant.get("/api/carts", params={"q": email, "user_type": "customer"})).json()["items"] == []
    assert (await merchant.get("/api/carts", params={"q": email, "status": "converted"})).json()["items"] == []
    page = (await merchant.get("/api/carts", params={"limit": 1})).json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    nxt = (await merchant.get("/api/carts", params={"limit": 1, "cursor": page["next_cursor"]})).json()
    assert nxt["items"][0]["id"] != page["items"][0]["id"]
    assert (await merchant.get("/api/carts", params={"status": "bogus"})).status_code == 422
    assert (await merchant.get("/api/carts", params={"limit": 0})).status_code == 422
    assert (await merchant.get("/api/carts", params={"cursor": "garbage"})).status_code in (400, 422)


async def test_text_the_database_cannot_hold_is_refused_not_a_500(
    system: System, store: str, merchant: Merchant
) -> None:
    made = await cart_in_cartio(system, store, merchant, email="nul@buyer.example")
    answer = await merchant.send("POST", f"/api/carts/{made['id']}/send", json={"message": "a\u0000b"})
    assert answer.status_code == 422, answer.text
    assert "NUL" in answer.json()["error"]["message"]
    listed = await merchant.get("/api/carts", params={"q": "a\u0000b"})
    assert listed.status_code == 422, listed.text
    audit = await merchant.get("/api/audit")
    assert audit.status_code == 200
    entry = audit.json()["items"][0]  # the refused send is in the audit log, its text shown, not lost
    assert entry["action"] == "POST /api/carts/{cart_id}/send"
    assert entry.get("result_status", entry.get("status")) == 422
    assert entry["request"]["body"]["message"] == "a\\u0000b"
