"""Issue 3, end to end with every real process: two stores side by side never see each other's data, and the
live feed streams a shopper's change to the merchant as it happens, resuming after a reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def stores(system: System) -> dict[str, Any]:
    a = await system.install()
    b = await system.install(await system.new_store())
    ma, mb = await system.merchant(a), await system.merchant(b)
    product = (await system.products())[0]["id"]
    cart_a = await system.shopper_cart(a, [{"product_id": product, "quantity": 1}], email="ann@buyer.example")
    cart_b = await system.shopper_cart(b, [{"product_id": product, "quantity": 2}], email="bob@buyer.example")
    await system.wait_for_cart(ma, cart_a["id"])
    await system.wait_for_cart(mb, cart_b["id"])
    return {"a": a, "b": b, "ma": ma, "mb": mb, "cart_a": cart_a, "cart_b": cart_b}


async def test_every_api_route_of_store_b_returns_nothing_of_store_a(system: System, stores: dict[str, Any]) -> None:
    mb: Merchant = stores["mb"]
    cart_a = stores["cart_a"]
    a_id = cart_a["id"]
    item_a = cart_a["line_items"]["physical_items"][0]["id"]

    listed = (await mb.get("/api/carts")).json()["items"]
    assert a_id not in {row["id"] for row in listed}
    assert stores["cart_b"]["id"] in {row["id"] for row in listed}
    assert (await mb.get("/api/carts", params={"q": a_id})).json()["items"] == []
    assert (await mb.get("/api/carts", params={"q": "ann@buyer.example"})).json()["items"] == []

    # Whatever the path, query or body says, store A's cart is not found from store B's session.
    attempts = [
        ("GET", f"/api/carts/{a_id}", {}),
        ("GET", f"/api/carts/{a_id}", {"params": {"store": stores["a"], "store_hash": stores["a"]}}),
        ("POST", f"/api/carts/{a_id}/items", {"json": {"product_id": 1, "quantity": 1, "store_hash": stores["a"]}}),
        ("PATCH", f"/api/carts/{a_id}/items/{item_a}", {"json": {"quantity": 3}}),
        ("DELETE", f"/api/carts/{a_id}/items/{item_a}", {}),
        ("POST", f"/api/carts/{a_id}/send", {"json": {"email": "x@buyer.example"}}),
        ("POST", f"/api/carts/{a_id}/order", {"json": {}, "headers": {"Idempotency-Key": str(uuid.uuid4())}}),
        ("DELETE", f"/api/carts/{a_id}", {}),
    ]
    for method, path, kw in attempts:
        answer = await mb.send(method, path, **kw)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        assert answer.json()["error"]["code"]

    # and store A's cart is untouched in the store
    still = (await system.sim_call("GET", f"/_sim/carts/{a_id}", store=stores["a"])).json()
    assert still["line_items"]["physical_items"][0]["quantity"] == 1
    audit = (await mb.get("/api/audit")).json()["items"]
    assert audit
    assert all(entry.get("result_status", entry.get("status")) == 404 for entry in audit)


async def sse_events(client: httpx.AsyncClient, out: list[dict[str, Any]], opened: asyncio.Event,
                     last_id: str | None = None) -> None:
    headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_id} if last_id else {})}
    async with client.stream("GET", "/api/live", headers=headers, timeout=None) as response:
        assert response.status_code == 200
        opened.set()
        event: dict[str, Any] = {}
        async for line in response.aiter_lines():
            if line == "":
                if "data" in event:
                    event["received_at"] = time.monotonic()
                    out.append(event)
                event = {}
            elif line.startswith(":"):
                continue
            else:
                key, _, value = line.partition(":")
                event[key] = value.removeprefix(" ")


@contextlib.asynccontextmanager
async def listening(merchant: Merchant, out: list[dict[str, Any]], last_id: str | None = None
                    ) -> AsyncIterator[None]:
    opened = asyncio.Event()
    task = asyncio.create_task(sse_events(merchant.client, out, opened, last_id))
    await asyncio.wait_for(opened.wait(), 10)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


def cart_ids(events: list[dict[str, Any]]) -> list[str]:
    ids = []
    for e in events:
        data = json.loads(e["data"])
        ids.append(str(data.get("cart", {}).get("id") or data.get("cart_id")))
    return ids


async def test_live_feed_streams_a_shoppers_change_within_a_second_and_nothing_of_other_stores(
    system: System, stores: dict[str, Any]
) -> None:
    ma: Merchant = stores["ma"]
    product = 112
    seen: list[dict[str, Any]] = []
    async with listening(ma, seen):
        seen.clear()
        changed_at = time.monotonic()
        added = await system.sim_call("POST", f"/_sim/carts/{stores['cart_a']['id']}/items",
                                      store=stores["a"], json={"product_id": product, "quantity": 1})
        assert added.status_code == 201
        await system.shopper_cart(stores["b"], [{"product_id": product, "quantity": 1}])
        await wait_until(lambda: stores["cart_a"]["id"] in cart_ids(seen), timeout=5, what="live event")
        first = next(e for e in seen if cart_ids([e]) == [stores["cart_a"]["id"]])
        assert first["received_at"] - changed_at < 1.0
    own = {stores["cart_a"]["id"]}
    assert set(cart_ids(seen)) <= own


async def test_live_feed_resumes_after_a_reconnect_without_losing_events(
    system: System, stores: dict[str, Any]
) -> None:
    ma: Merchant = stores["ma"]
    product = 114
    before: list[dict[str, Any]] = []
    async with listening(ma, before):
        made = await system.shopper_cart(stores["a"], [{"product_id": product, "quantity": 1}])
        await wait_until(lambda: made["id"] in cart_ids(before), what="first event")
    last_id = before[-1]["id"]

    # while disconnected, three carts are made
    missed = [await system.shopper_cart(stores["a"], [{"product_id": product, "quantity": n}]) for n in (1, 2, 3)]
    for cart in missed:
        await system.wait_for_cart(ma, cart["id"])

    after: list[dict[str, Any]] = []
    async with listening(ma, after, last_id=last_id):
        await wait_until(lambda: {c["id"] for c in missed} <= set(cart_ids(after)), what="missed events replayed")
    ids = [int(e["id"]) for e in after]
    assert ids == sorted(ids)
    assert min(ids) > int(last_id)
