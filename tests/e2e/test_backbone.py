"""Issue 2, end to end: a shopper's cart reaches the merchant through ingest, RabbitMQ and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_contracts import Envelope
from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    return await system.merchant(store)


@pytest.fixture
async def events(system: System) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """Every cart event and raw webhook of this system, as a test-only queue."""
    connection = await aio_pika.connect(system.infra.amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(f"{system.namespace}.events", "cart.#")
    await queue.bind(f"{system.namespace}.webhooks", "#")
    yield queue
    await connection.close()


async def drain(queue: aio_pika.abc.AbstractQueue) -> list[Envelope]:
    out = []
    while (m := await queue.get(no_ack=True, fail=False)) is not None:
        out.append(Envelope.from_bytes(m.body))
    return out


async def product_ids(system: System, n: int) -> list[int]:
    return [p["id"] for p in (await system.products())[:n]]


async def test_a_shoppers_new_cart_appears_with_items_and_totals_within_2s(
    system: System, store: str, merchant: Merchant
) -> None:
    first, second = await product_ids(system, 2)
    items = [{"product_id": first, "quantity": 2}, {"product_id": second, "quantity": 1}]
    made = await system.shopper_cart(store, items)
    started = time.monotonic()

    async def listed() -> dict[str, Any] | None:
        rows = (await merchant.get("/api/carts")).json()["items"]
        return next((r for r in rows if r["id"] == made["id"]), None)

    row = await wait_until(listed, timeout=2.0, what="the cart in GET /api/carts")
    assert time.monotonic() - started < 2.0
    assert row["item_count"] == 3
    assert Decimal(str(row["grand_total"])) == Decimal(str(made["cart_amount"]))
    assert row["status"] == "active"

    full = (await merchant.get(f"/api/carts/{made['id']}")).json()
    by_product = {i["product_id"]: i for i in full["items"]}
    assert by_product[first]["quantity"] == 2
    assert by_product[second]["quantity"] == 1
    for item in full["items"]:
        assert Decimal(str(item["extended_price"])) == Decimal(str(item["unit_price"])) * item["quantity"]
    assert Decimal(str(full["summary"]["subtotal"])) == sum(
        (Decimal(str(i["extended_price"])) for i in full["items"]), Decimal(0)
    )


async def test_the_same_webhook_three_times_gives_one_cart_and_one_upsert(
    system: System, store: str, merchant: Merchant, events: aio_pika.abc.AbstractQueue
) -> None:
    (product,) = await product_ids(system, 1)
    # BigCommerce's own deliveries fail for now, so the only webhooks Cartio sees are the three copies below.
    await system.sim_call("POST", "/_sim/faults", json={"webhook_failure_rate": 1.0})
    try:
        made = await system.shopper_cart(store, [{"product_id": product, "quantity": 1}])
        handled_before = await system.consumed("carts", "webhooks", "handled")
        duplicates_before = await system.consumed("carts", "webhooks", "duplicate")
        payload = system.webhook(store, "store/cart/created", made["id"])
        # Three deliveries of one event: BigCommerce's webhook-id names it (equal bodies alone may be two events).
        answers = [await system.post_webhook(store, payload, webhook_id="msg_dup") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert len({a.json()["message_id"] for a in answers}) == 1

        async def one_consumed() -> bool:
            return (
                await system.consumed("carts", "webhooks", "handled") == handled_before + 1
                and await system.consumed("carts", "webhooks", "duplicate") == duplicates_before
                and await unpublished(system) == 0
            )

        await wait_until(one_consumed, timeout=10, what="one copy handled (ingest kept the others), outbox published")
        upserts: list[Envelope] = []

        async def upserted() -> bool:
            upserts.extend(e for e in await drain(events) if e.type == "cart.upserted")
            return bool(upserts)

        await wait_until(upserted, what="cart.upserted")
        upserts.extend(e for e in await drain(events) if e.type == "cart.upserted")
        assert [e.data["cart"]["id"] for e in upserts] == [made["id"]]
        rows = (await merchant.get("/api/carts", params={"q": made["id"]})).json()["items"]
        assert [r["id"] for r in rows] == [made["id"]]
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})


async def unpublished(system: System) -> int:
    engine = create_async_engine(system.db_urls["carts"])
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")))
    finally:
        await engine.dispose()


async def test_a_stale_update_after_a_newer_one_changes_nothing(
    system: System, store: str, merchant: Merchant, events: aio_pika.abc.AbstractQueue
) -> None:
    (product,) = await product_ids(system, 1)
    made = await system.shopper_cart(store, [{"product_id": product, "quantity": 1}])
    item_id = made["line_items"]["physical_items"][0]["id"]
    changed = await system.sim_call("PATCH", f"/_sim/carts/{made['id']}/items/{item_id}", json={"quantity": 5})
    assert changed.status_code == 200, changed.text
    before = await system.wait_for_cart(merchant, made["id"], lambda c: c["items"][0]["quantity"] == 5)

    async def settled() -> bool:
        return await unpublished(system) == 0

    await wait_until(settled, what="outbox drained")
    await drain(events)

    # A delivery of the first, older event arrives late (BigCommerce does not promise order).
    handled_before = await system.consumed("carts", "webhooks", "handled")
    stale = system.webhook(store, "store/cart/updated", made["id"], created_at=int(time.time()) - 3600)
    assert (await system.post_webhook(store, stale)).status_code == 200

    async def stale_handled() -> bool:
        return await system.consumed("carts", "webhooks", "handled") > handled_before

    await wait_until(stale_handled, what="the stale webhook handled")
    after = (await merchant.get(f"/api/carts/{made['id']}")).json()
    assert after["items"][0]["quantity"] == 5
    assert after["updated_at"] == before["updated_at"]
    assert after["timeline"] == before["timeline"]
    assert await unpublished(system) == 0
    assert [e for e in await drain(events) if e.type.startswith("cart.")] == []


async def test_a_webhook_with_a_wrong_or_missing_secret_is_refused_and_not_published(
    system: System, store: str, events: aio_pika.abc.AbstractQueue
) -> None:
    payload = system.webhook(store, "store/cart/updated", "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11")
    missing = await system.post_webhook(store, payload, secret=None)
    wrong = await system.post_webhook(store, payload, secret="0" * 64)
    assert (missing.status_code, wrong.status_code) == (401, 401)
    # the broker has nothing from them: a valid one sent afterwards is the first message to arrive
    good = await system.post_webhook(store, system.webhook(store, "store/cart/updated", payload["data"]["id"], 1))
    cart_id = payload["data"]["id"]  # a cart only this test talks about

    async def for_this_cart() -> list[Envelope]:
        return [e for e in await drain(events)
                if e.type == "bigcommerce.webhook_received" and e.data["data"]["id"] == cart_id]

    got = await wait_until(for_this_cart, what="the valid webhook")
    assert [str(e.message_id) for e in got] == [good.json()["message_id"]]
