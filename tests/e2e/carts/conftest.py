"""Carts against the real PostgreSQL and RabbitMQ, with BigCommerce played by the simulator (a real process).

Carts runs as a real process in the whole system (`cartio_platform.testing.system`): the simulator installs the
app through the real gateway (which exchanges the code, registers the hooks and publishes `store.installed`), the
store's webhooks and the shoppers' beacons go through the real ingest, and carts takes them from the broker.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_contracts import Envelope
from cartio_platform.security import DEV_ENCRYPTION_KEY, TokenCipher
from cartio_platform.testing import Infra, Process, TempDatabases, wait_until
from cartio_platform.testing.system import System

SERVICE_TOKEN = "test-service-token"


@dataclass
class Events:
    """Every event on the events exchange during the run: carts' own, and the gateway's and ingest's."""

    seen: list[Envelope] = field(default_factory=list)

    def of(self, store_hash: str, type_: str | None = None, cart_id: str | None = None) -> list[Envelope]:
        out = []
        for e in self.seen:
            if e.store_hash != store_hash or (type_ and e.type != type_):
                continue
            data = e.data
            ids = {str(data.get("cart_id")), str((data.get("cart") or {}).get("id"))}
            if cart_id and cart_id not in ids:
                continue
            out.append(e)
        return out


@dataclass
class StoreCtx:
    hash: str
    token: str


@dataclass
class World:
    system: System
    sim: httpx.AsyncClient
    carts: httpx.AsyncClient
    events: Events

    @property
    def carts_process(self) -> Process:
        return self.system.processes["carts"]

    @property
    def database_url(self) -> str:
        return self.system.db_urls["carts"]

    @property
    def namespace(self) -> str:
        return self.system.namespace

    @property
    def sim_url(self) -> str:
        return self.system.sim

    async def new_store(self, *, hooks: bool = True) -> StoreCtx:
        """A fresh simulated store with Cartio installed through the gateway (hooks, script, store.installed).

        Without `hooks`, the app's hooks are deleted in the store again (with the app's own token, as the
        gateway holds it), so that the store sends no webhooks and the test delivers them itself, via ingest.
        """
        store_hash = await self.system.new_store()
        await self.system.install(store_hash)

        def installed() -> list[Envelope]:
            return self.events.of(store_hash, "store.installed")

        event = (await wait_until(installed, timeout=10, what="store.installed"))[-1]
        token = TokenCipher(DEV_ENCRYPTION_KEY).decrypt(event.data["access_token_encrypted"])
        if not hooks:
            for hook in (await self.sim.get("/_sim/hooks", params={"store": store_hash})).json():
                deleted = await self.sim.delete(f"/stores/{store_hash}/v3/hooks/{hook['id']}",
                                                headers={"X-Auth-Token": token})
                assert deleted.status_code == 200, deleted.text
            assert (await self.sim.get("/_sim/hooks", params={"store": store_hash})).json() == []

        async def known() -> bool:
            r = await self.carts.get(f"/internal/stores/{store_hash}/products", params={"limit": 1})
            return r.status_code == 200

        await wait_until(known, timeout=10, what="carts to learn the store")
        return StoreCtx(store_hash, token)

    async def webhook(self, body: dict[str, Any]) -> None:
        """BigCommerce (a re-send, a late delivery, a thin duplicate) posts this webhook to ingest."""
        store_hash = body["producer"].split("/", 1)[1]
        answer = await self.system.post_webhook(store_hash, body)
        assert answer.status_code == 200, answer.text

    async def beacon(self, store: StoreCtx, cart_id: str, session_id: str, ip: str, user_agent: str) -> None:
        """The storefront script reports the shopper's cart and session to ingest (through a trusted proxy)."""
        answer = await self.system.beacon(store.hash, cart_id, session_id, ip=ip, user_agent=user_agent)
        assert answer.status_code == 202, answer.text

    async def shopper_cart(self, store: StoreCtx, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        response = await self.sim.post("/_sim/carts", params={"store": store.hash}, json={"items": items, **extra})
        assert response.status_code == 201, response.text
        cart: dict[str, Any] = response.json()
        return cart

    async def cart(self, store: StoreCtx, cart_id: str) -> httpx.Response:
        return await self.carts.get(f"/internal/stores/{store.hash}/carts/{cart_id}")

    async def wait_cart(self, store: StoreCtx, cart_id: str, check: Any = None, timeout: float = 10.0
                        ) -> dict[str, Any]:
        async def ready() -> dict[str, Any] | None:
            r = await self.cart(store, cart_id)
            if r.status_code != 200:
                return None
            body: dict[str, Any] = r.json()
            return body if check is None or check(body) else None

        result: dict[str, Any] = await wait_until(ready, timeout=timeout, what=f"cart {cart_id}")
        return result

    async def consumed(self, purpose: str) -> float:
        """Messages carts took from one of its queues (every outcome), from its /metrics."""
        text = (await self.carts.get("/metrics")).text
        queue = re.escape(f"{self.namespace}.carts.{purpose}")
        pattern = rf'^cartio_messages_consumed_total\{{[^}}]*queue="{queue}"[^}}]*\}} ([0-9.e+]+)$'
        return sum(float(m.group(1)) for m in re.finditer(pattern, text, re.MULTILINE))

    async def products(self, store: StoreCtx) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self.sim.get("/_sim/products")).json()
        return found

    async def sim_orders(self, store: StoreCtx, cart_id: str | None = None) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = (await self.sim.get("/_sim/orders", params={"store": store.hash})).json()
        return [o for o in orders if cart_id is None or o.get("cart_id") == cart_id]


@pytest.fixture(scope="package")
async def world(infra: Infra, namespace: str, databases: TempDatabases) -> AsyncIterator[World]:
    system = System(
        infra, f"{namespace}.carts", databases, name="carts_it", service_token=SERVICE_TOKEN,
        process_env={
            "simulator": {"SIM_TIME_SCALE": "0.002", "SIM_SEED": "7"},
            "carts": {"CARTIO_BC_MAX_RETRIES": "1", "CARTIO_ORDER_WAIT_SECONDS": "15"},
        },
    )
    connection: aio_pika.abc.AbstractConnection | None = None
    try:
        await system.start()
        events = Events()
        connection = await aio_pika.connect(infra.amqp_url)
        channel = await connection.channel()
        probe = await channel.declare_queue(exclusive=True, auto_delete=True)
        await probe.bind(f"{system.namespace}.events", "#")

        async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                events.seen.append(Envelope.from_bytes(message.body))

        await probe.consume(collect)
        async with httpx.AsyncClient(base_url=system.sim, timeout=15) as sim_client, httpx.AsyncClient(
            base_url=system.url("carts"), timeout=30, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
        ) as carts_client:
            yield World(system, sim_client, carts_client, events)
    finally:
        if connection is not None:
            await connection.close()
        await system.stop()


async def _pending_fetches(world: World, store: StoreCtx) -> int:
    engine = create_async_engine(world.database_url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(sa.text(
                "SELECT count(*) FROM cart_refreshes WHERE store_hash = :s AND dirty_since IS NOT NULL"),
                {"s": store.hash})
    finally:
        await engine.dispose()
    return int(count or 0)


async def no_read_pending(world: World, store: StoreCtx) -> bool:
    """Carts has read every cart of the store since its last webhook (no coalesced read is still to come)."""
    return await _pending_fetches(world, store) == 0


async def api_calls(world: World, store: StoreCtx) -> int:
    """REST calls the store has answered so far (every app's, as BigCommerce's quota counts them)."""
    usage: dict[str, Any] = (await world.sim.get("/_sim/api_usage", params={"store": store.hash})).json()
    return int(usage["requests"])


async def api_reads(world: World, store: StoreCtx, resource: str) -> int:
    """GET calls the store has answered on `/v3/<resource>/...` so far (every app's)."""
    usage: dict[str, Any] = (await world.sim.get("/_sim/api_usage", params={"store": store.hash})).json()
    return sum(p["count"] for p in usage["by_path"] if p["method"] == "GET" and f"/v3/{resource}/" in p["path"])
