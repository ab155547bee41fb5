"""A gateway under test, in the whole system as real processes (cartio_platform.testing.system): simulator,
ingest, carts and gateway on free ports, with fresh databases, the real PostgreSQL and RabbitMQ, and a
namespace of their own.

Carts learns the stores from the gateway's `store.installed`; a store's carts are made by shoppers in the
simulator and reach carts through its webhooks and ingest."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cartio_contracts import Envelope
from cartio_platform.broker import build_message
from cartio_platform.testing import Infra, Process, TempDatabases, wait_until
from cartio_platform.testing import system as harness
from cartio_platform.testing.system import System

SERVICE_TOKEN = "gw-test-service-token"
WEBHOOK_KEY = "gw-test-webhook-key"
CLIENT_ID = "cartio-dev-client"
CLIENT_SECRET = "cartio-dev-secret"
UNINSTALL_GRACE = 1.5
HEARTBEAT = 0.5


# --- the environment ----------------------------------------------------------------------------------------


@dataclass
class Merchant(harness.Merchant):
    """A staff member in the app: a client holding the session cookie, the CSRF token, and the user's id."""

    user_id: int = 0


@dataclass
class GatewayEnv:
    system: System
    engine: AsyncEngine
    store_events: list[Envelope] = field(default_factory=list)
    clients: list[httpx.AsyncClient] = field(default_factory=list)
    _channel: aio_pika.abc.AbstractChannel | None = None

    @property
    def namespace(self) -> str:
        return self.system.namespace

    @property
    def url(self) -> str:
        return self.system.url("gateway")

    @property
    def ingest_url(self) -> str:
        return self.system.url("ingest")

    @property
    def gateway(self) -> Process:
        return self.system.processes["gateway"]

    @property
    def simulator(self) -> Process:
        return self.system.processes["simulator"]

    def client(self, **kw: Any) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.url, timeout=30, **kw)
        self.clients.append(client)
        return client

    def logs(self) -> str:
        return self.system.logs()

    # the simulator

    async def sim(self, method: str, path: str, store: str | None = None, **kw: Any) -> httpx.Response:
        return await self.system.sim_call(method, path, store, **kw)

    async def new_store(self) -> str:
        answer = await self.sim("POST", "/_sim/stores")
        assert answer.status_code == 201, answer.text
        store_hash: str = answer.json()["store_hash"]
        return store_hash

    async def install(self, store: str) -> dict[str, Any]:
        answer = await self.sim("POST", "/_sim/install", store=store)
        assert answer.status_code == 200, f"install failed: {answer.text}\n{self.logs()}"
        result: dict[str, Any] = answer.json()
        return result

    async def installed_store(self) -> str:
        store = await self.new_store()
        await self.install(store)
        return store

    async def jwt(self, store: str, **params: Any) -> str:
        answer = await self.sim("GET", "/_sim/jwt", store=store, params=params)
        token: str = answer.json()["signed_payload_jwt"]
        return token

    async def merchant(self, store: str, *, user_id: int | None = None, email: str | None = None) -> Merchant:
        """Open the app from the control panel: `/_sim/launch` redirects to the load callback."""
        params: dict[str, Any] = {}
        if user_id is not None:
            params["user_id"] = user_id
        if email is not None:
            params["email"] = email
        launch = await self.sim("GET", "/_sim/launch", store=store, params=params)
        assert launch.status_code == 302, launch.text
        client = self.client()
        loaded = await client.get(launch.headers["location"])
        assert loaded.status_code == 303, f"{loaded.status_code} {loaded.text}\n{self.logs()}"
        me = await client.get("/api/me")
        assert me.status_code == 200, me.text
        return Merchant(store, client, me.json()["csrf_token"], user_id=me.json()["user"]["id"])

    async def hooks(self, store: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = (await self.sim("GET", "/_sim/hooks", store=store)).json()
        return answer

    async def scripts(self, store: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = (await self.sim("GET", "/_sim/scripts", store=store)).json()
        return answer

    async def api_token(self, store: str) -> str:
        """A token of the app's own API account (as the app holds), to change its hooks behind its back."""
        answer = await self.sim("POST", "/_sim/api_token", store=store)
        token: str = answer.json()["access_token"]
        return token

    # shoppers' carts, made the real way: in the store, through its webhooks, ingest and carts

    async def products(self, *names: str) -> list[dict[str, Any]]:
        """The catalog's products of these names (in that order)."""
        catalog = {p["name"]: p for p in await self.system.products()}
        return [catalog[name] for name in names]

    async def shopper_cart(self, merchant: Merchant, items: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
        """A shopper fills a cart in the merchant's store; returns it as the merchant sees it in Cartio."""
        products = await self.products(*(name for name, _ in items))
        lines = [{"product_id": p["id"], "quantity": q} for p, (_, q) in zip(products, items, strict=True)]
        made = await self.system.shopper_cart(merchant.store_hash, lines, **extra)
        return await self.wait_for_cart(merchant, made["id"], lambda c: len(c["items"]) == len(items))

    async def wait_for_cart(self, merchant: Merchant, cart_id: str, predicate: Any = None) -> dict[str, Any]:
        return await self.system.wait_for_cart(merchant, cart_id, predicate)

    async def sim_cart(self, store: str, cart_id: str) -> dict[str, Any] | None:
        """The cart as the store holds it (None once it is gone)."""
        answer = await self.sim("GET", f"/_sim/carts/{cart_id}", store=store)
        return answer.json() if answer.status_code == 200 else None

    async def sim_orders(self, store: str) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = (await self.sim("GET", "/_sim/orders", store=store)).json()
        return orders

    # carts

    async def carts_requests(self) -> float:
        """Requests carts' internal API has served (every route under /internal/, any status), from its metrics."""
        async with httpx.AsyncClient(base_url=self.system.url("carts"), timeout=10,
                                     headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}) as client:
            text = (await client.get("/metrics")).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("cartio_http_requests_total{") and 'route="/internal/' in line)

    # the broker and the database

    async def publish(self, envelope: Envelope) -> None:
        assert self._channel is not None
        exchange = await self._channel.get_exchange(f"{self.namespace}.events")
        await exchange.publish(build_message(envelope), routing_key=envelope.type, mandatory=True)

    async def store_event(self, type_: str, store: str, timeout: float = 10) -> Envelope:
        def found() -> Envelope | None:
            return next((e for e in self.store_events if e.type == type_ and e.store_hash == store), None)

        result: Envelope = await wait_until(found, timeout=timeout, what=f"{type_} of {store}")
        return result

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())

    async def count(self, table: str, store: str) -> int:
        key = "store_hash"
        rows = await self.rows(f"SELECT count(*) FROM {table} WHERE {key} = :s", s=store)
        return int(rows[0][0])


@pytest.fixture(scope="package")
async def gw(infra: Infra, namespace: str, databases: TempDatabases) -> AsyncIterator[GatewayEnv]:
    system = System(
        infra, f"{namespace}.gw", databases, name="gw", webhook_key=WEBHOOK_KEY, service_token=SERVICE_TOKEN,
        extra_env={"SIM_CLIENT_ID": CLIENT_ID, "SIM_CLIENT_SECRET": CLIENT_SECRET,
                   "CARTIO_BC_CLIENT_ID": CLIENT_ID, "CARTIO_BC_CLIENT_SECRET": CLIENT_SECRET},
        process_env={"gateway": {
            "CARTIO_UNINSTALL_GRACE": str(UNINSTALL_GRACE), "CARTIO_MAINTENANCE_INTERVAL": "0.3",
            "CARTIO_LIVE_HEARTBEAT": str(HEARTBEAT), "CARTIO_OUTBOX_POLL_INTERVAL": "0.3",
            "CARTIO_RETRY_DELAYS": "[0.2, 0.5]",
        }},
    )
    connection: aio_pika.abc.AbstractConnection | None = None
    engine: AsyncEngine | None = None
    env: GatewayEnv | None = None
    try:
        await system.start()
        engine = create_async_engine(system.db_urls["gateway"])
        env = GatewayEnv(system, engine)
        connection = await aio_pika.connect(infra.amqp_url)
        channel = await connection.channel(publisher_confirms=True)
        env._channel = channel
        probe = await channel.declare_queue(exclusive=True)
        await probe.bind(f"{system.namespace}.events", "store.#")
        collected = env.store_events

        async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            collected.append(Envelope.from_bytes(message.body))
            await message.ack()

        await probe.consume(collect)
        yield env
    finally:
        for client in env.clients if env else []:
            with contextlib.suppress(Exception):
                await client.aclose()
        if connection is not None:
            await connection.close()
        if engine is not None:
            await engine.dispose()
        await system.stop()
