"""The live feed: cart events of the session's store only, within a second, with heartbeats and resumption."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cartio_contracts import Envelope
from cartio_contracts.messages import CartCustomer, CartDeleted, CartSnapshot, CartUpserted
from cartio_platform.testing import Process, free_port

from .conftest import SERVICE_TOKEN


def upserted(store: str, cart_id: uuid.UUID) -> Envelope:
    now = datetime.now(UTC)
    cart = CartSnapshot(
        id=cart_id, status="active", currency="USD", items=[], customer=CartCustomer(user_type="guest"),
        subtotal=Decimal("12.50"), grand_total=Decimal("12.50"), created_at=now, updated_at=now,
    )
    return CartUpserted(cart=cart).envelope(store)


def deleted(store: str, cart_id: uuid.UUID) -> Envelope:
    return CartDeleted(cart_id=cart_id, reason="shopper", deleted_at=datetime.now(UTC)).envelope(store)


class SSE:
    """Reads server-sent events off a streaming response: dicts with id/event/data, or a comment."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        self._lines: AsyncIterator[str] = response.aiter_lines()

    async def _read(self) -> dict[str, Any]:
        block: dict[str, Any] = {}
        while True:
            line = await self._lines.__anext__()
            if line == "":
                if block:
                    return block
                continue
            if line.startswith(":"):
                block["comment"] = line[1:].strip()
                continue
            name, _, value = line.partition(":")
            block[name] = value[1:] if value.startswith(" ") else value

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self._read(), timeout)

    async def events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The next `count` events (comments skipped), all within `timeout`."""
        deadline = time.monotonic() + timeout
        got: list[dict[str, Any]] = []
        while len(got) < count:
            block = await self.next(max(0.01, deadline - time.monotonic()))
            if "event" in block:
                got.append(block)
        return got

    async def until_heartbeat(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Every event up to the next heartbeat comment."""
        deadline = time.monotonic() + timeout
        got: list[dict[str, Any]] = []
        while True:
            block = await self.next(max(0.01, deadline - time.monotonic()))
            if block.get("comment") == "heartbeat":
                return got
            if "event" in block:
                got.append(block)


def cart_of(event: dict[str, Any]) -> str:
    data = json.loads(event["data"])
    return str(data["cart"]["id"] if "cart" in data else data["cart_id"])


@pytest.fixture(scope="module")
async def stores(gw: Any) -> tuple[Any, Any]:
    a, b = await gw.installed_store(), await gw.installed_store()
    return await gw.merchant(a), await gw.merchant(b)


async def test_live_feed_streams_own_store_within_a_second_and_resumes_without_gaps(
    gw: Any, stores: tuple[Any, Any]
) -> None:
    ma, mb = stores
    a, b = ma.store_hash, mb.store_hash
    a1, a2, b1 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with ma.client.stream("GET", "/api/live") as ra, mb.client.stream("GET", "/api/live") as rb:
        feed_a, feed_b = SSE(ra), SSE(rb)
        assert (await feed_a.next())["comment"] == "connected"
        assert (await feed_b.next())["comment"] == "connected"

        await gw.publish(upserted(b, b1))
        await gw.publish(upserted(a, a1))
        await gw.publish(deleted(a, a2))
        published = time.monotonic()
        got = await feed_a.events(2, timeout=1.0)
        assert time.monotonic() - published < 1.0
        # in commit order (the consumer handles several messages at once, so not necessarily as published)
        assert sorted((e["event"], cart_of(e)) for e in got) == [("cart.deleted", str(a2)), ("cart.upserted", str(a1))]
        assert int(got[0]["id"]) < int(got[1]["id"])
        payload = json.loads(next(e for e in got if e["event"] == "cart.upserted")["data"])
        assert payload["type"] == "cart.upserted"
        assert payload["cart"]["grand_total"] == "12.50"
        assert payload["occurred_at"]

        # B's event went to B's stream, and A's stream carries nothing else up to its next heartbeat
        [only_b] = await feed_b.events(1, timeout=1.0)
        assert cart_of(only_b) == str(b1)
        assert await feed_a.until_heartbeat(timeout=2.0) == []
        last_id = got[-1]["id"]

    # while A is away: three more of A's events, one of B's
    missed = [uuid.uuid4() for _ in range(3)]
    for cart_id in missed:
        await gw.publish(upserted(a, cart_id))
    await gw.publish(upserted(b, uuid.uuid4()))

    async with ma.client.stream("GET", "/api/live", headers={"Last-Event-ID": last_id}) as ra:
        feed_a = SSE(ra)
        resumed = await feed_a.events(3, timeout=2.0)
        assert sorted(cart_of(e) for e in resumed) == sorted(str(c) for c in missed)
        ids = [int(e["id"]) for e in resumed]
        assert ids == sorted(ids)
        assert ids[0] > int(last_id)
        assert await feed_a.until_heartbeat(timeout=2.0) == []

    # the query parameter works too (for clients that cannot set headers)
    async with ma.client.stream("GET", "/api/live", params={"last_event_id": resumed[0]["id"]}) as ra:
        again = await SSE(ra).events(2, timeout=2.0)
        assert [e["id"] for e in again] == [e["id"] for e in resumed[1:]]


async def test_live_feed_sends_heartbeats_and_ends_when_the_session_is_revoked(gw: Any) -> None:
    store = await gw.installed_store()
    m = await gw.merchant(store)
    async with m.client.stream("GET", "/api/live") as response:
        feed = SSE(response)
        assert (await feed.next())["comment"] == "connected"
        assert await feed.until_heartbeat(timeout=2.0) == []
        await gw.sim("POST", "/_sim/uninstall", store=store)
        block = await feed.next(timeout=3.0)
        while block.get("comment") == "heartbeat":
            block = await feed.next(timeout=3.0)
        assert block["event"] == "session_ended"


async def test_a_stream_on_one_replica_gets_events_consumed_by_another(gw: Any, stores: tuple[Any, Any]) -> None:
    ma, _ = stores
    port = free_port()
    replica = Process(name="gw-gateway-2", module="cartio_gateway", port=port, log_dir=gw.gateway.log_dir,
                      env={**gw.gateway.env, "CARTIO_PORT": str(port)})
    replica.start()
    try:
        await replica.wait_ready()
        # the same session works on every replica (one database, one session secret)
        client = gw.client()
        client.base_url = httpx.URL(replica.url)
        client.cookies = ma.client.cookies
        consumed_before = await consumed(gw.url)
        carts = [uuid.uuid4() for _ in range(10)]
        async with client.stream("GET", "/api/live") as response:
            feed = SSE(response)
            assert (await feed.next())["comment"] == "connected"
            for cart_id in carts:
                await gw.publish(upserted(ma.store_hash, cart_id))
            got = await feed.events(10, timeout=3.0)
        # in commit order, which need not be the order of publishing (two consumers, several in flight)
        assert sorted(cart_of(e) for e in got) == sorted(str(c) for c in carts)
        ids = [int(e["id"]) for e in got]
        assert ids == sorted(set(ids))
        # the queue is shared: the first replica consumed some of them, yet this stream saw every one
        assert await consumed(gw.url) > consumed_before
    finally:
        replica.stop()


async def consumed(url: str) -> float:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
        text = (await client.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
        if line.startswith("cartio_messages_consumed_total{")
        and '.gateway.live"' in line
        and 'outcome="handled"' in line
    )


async def test_stream_keeps_delivering_when_the_listen_connection_drops(gw: Any, stores: tuple[Any, Any]) -> None:
    ma, _ = stores
    async with ma.client.stream("GET", "/api/live") as response:
        feed = SSE(response)
        assert (await feed.next())["comment"] == "connected"
        killed = await gw.rows(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cartio-gateway-live'"
        )
        assert killed, "the gateway holds a LISTEN connection"
        cart_id = uuid.uuid4()
        await gw.publish(upserted(ma.store_hash, cart_id))
        started = time.monotonic()
        [event] = await feed.events(1, timeout=1.0)
        assert cart_of(event) == str(cart_id)
        assert time.monotonic() - started < 1.0
