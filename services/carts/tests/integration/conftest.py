"""Carts against the real PostgreSQL and RabbitMQ, with BigCommerce played by the simulator (a real process).

Carts runs as a real process too. The test plays the parts of the gateway and ingest through a small
in-process "bridge": the simulator's install calls its auth callback (the code is exchanged for a token, as
the gateway does), the hooks the test registers deliver to it (published to the webhooks exchange with a
message id derived from the webhook, as ingest does), and the storefront beacons land there as well.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI, Request, Response

from cartio_carts.settings import DEV_ENCRYPTION_KEY
from cartio_contracts import Envelope, Topology, webhook_routing_key
from cartio_contracts.messages import StorefrontSession, StoreInstalled, WebhookReceived
from cartio_platform.broker import Broker
from cartio_platform.security import TokenCipher
from cartio_platform.testing import Infra, Process, TempDatabases, free_port, migrate, wait_until
from cartio_simulator.testing import Served

SERVICE_TOKEN = "test-service-token"
CLIENT_ID = "cartio-dev-client"
CLIENT_SECRET = "cartio-dev-secret"


class Bridge:
    """Stands in for the gateway's auth callback and for ingest (webhooks and beacons)."""

    def __init__(self, broker: Broker, port: int) -> None:
        self.broker = broker
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.sim_url = ""
        self.tokens: dict[str, str] = {}
        self.webhooks: list[dict[str, Any]] = []

    @property
    def auth_url(self) -> str:
        return f"{self.url}/auth"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/auth")
        async def auth(code: str, context: str, scope: str) -> Response:
            async with httpx.AsyncClient() as client:
                response = await client.post(f"{self.sim_url}/oauth2/token", json={
                    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code, "context": context,
                    "scope": scope, "grant_type": "authorization_code", "redirect_uri": self.auth_url,
                })
            response.raise_for_status()
            self.tokens[context.split("/", 1)[1]] = response.json()["access_token"]
            return Response("installed")

        @app.post("/webhooks")
        async def webhook(request: Request) -> Response:
            body = await request.json()
            self.webhooks.append(body)
            # One id per event, the same on every retry (Standard Webhooks): two changes of one cart within a
            # second share scope, id, created_at and hash (the data is thin), so those alone would merge them.
            event_id = request.headers.get("webhook-id")
            await self.publish_webhook(body, message_id=uuid.uuid5(uuid.NAMESPACE_URL, event_id) if event_id else None)
            return Response(status_code=200)

        @app.post("/beacon")
        async def beacon(request: Request) -> Response:
            body = await request.json()
            forwarded = request.headers.get("x-forwarded-for", "")
            ip = forwarded.split(",")[0].strip() or None
            await self.publish_beacon(body["store_hash"], body["cart_id"], body["session_id"], ip,
                                      request.headers.get("user-agent"))
            return Response(status_code=204)

        return app

    async def publish_webhook(self, body: dict[str, Any], *, message_id: uuid.UUID | None = None) -> Envelope:
        hook = WebhookReceived(
            scope=body["scope"], store_id=str(body["store_id"]), producer=body["producer"], data=body["data"],
            hash=body["hash"], created_at=body["created_at"], received_at=datetime.now(UTC),
        )
        key = f"{hook.producer}|{hook.scope}|{hook.data.get('id')}|{hook.created_at}|{hook.hash}"
        envelope = hook.envelope(hook.producer.split("/", 1)[1],
                                 message_id=message_id or uuid.uuid5(uuid.NAMESPACE_URL, key))
        await self.broker.publish(envelope, exchange=self.broker.topology.webhooks_exchange,
                                  routing_key=webhook_routing_key(hook.scope))
        return envelope

    async def publish_beacon(self, store_hash: str, cart_id: str, session_id: str, ip: str | None,
                             user_agent: str | None) -> None:
        event = StorefrontSession(cart_id=uuid.UUID(cart_id), session_id=session_id, ip=ip, user_agent=user_agent,
                                  seen_at=datetime.now(UTC))
        await self.broker.publish(event.envelope(store_hash), exchange=self.broker.topology.events_exchange,
                                  routing_key=event.TYPE)


@dataclass
class Events:
    """Every event carts publishes on the events exchange during the run."""

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
    sim: httpx.AsyncClient
    carts: httpx.AsyncClient
    carts_process: Process
    bridge: Bridge
    events: Events
    broker: Broker
    database_url: str
    namespace: str

    async def new_store(self, *, hooks: bool = True) -> StoreCtx:
        """A fresh simulated store with Cartio installed (store.installed published, as the gateway does)."""
        store_hash = (await self.sim.post("/_sim/stores")).json()["store_hash"]
        installed = await self.sim.post("/_sim/install", params={"store": store_hash})
        assert installed.status_code == 200, installed.text
        token = self.bridge.tokens[store_hash]
        if hooks:
            for scope in ("store/cart/*", "store/order/*"):
                response = await self.sim.post(
                    f"/stores/{store_hash}/v3/hooks", headers={"X-Auth-Token": token},
                    json={"scope": scope, "destination": f"{self.bridge.url}/webhooks", "is_active": True},
                )
                assert response.status_code == 200, response.text
        event = StoreInstalled(scope="store_cart store_checkout", installed_at=datetime.now(UTC),
                               access_token_encrypted=TokenCipher(DEV_ENCRYPTION_KEY).encrypt(token))
        await self.broker.publish(event.envelope(store_hash), exchange=self.broker.topology.events_exchange,
                                  routing_key=event.TYPE)

        async def known() -> bool:
            r = await self.carts.get(f"/internal/stores/{store_hash}/products", params={"limit": 1})
            return r.status_code == 200

        await wait_until(known, timeout=10, what="carts to learn the store")
        return StoreCtx(store_hash, token)

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


@pytest.fixture(scope="session")
async def world(
    infra: Infra, namespace: str, databases: TempDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    log_dir: Path = tmp_path_factory.mktemp("carts-logs")
    database_url = await databases.create("carts")
    await asyncio.to_thread(migrate, "cartio_carts", database_url)

    ns = f"{namespace}.carts"
    broker = Broker(infra.amqp_url, Topology(ns), name="carts-tests")
    await broker.start(wait=10)
    events = Events()
    channel = await broker.channel()
    probe = await channel.declare_queue(exclusive=True, auto_delete=True)
    await probe.bind(broker.topology.events_exchange, "#")

    async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            events.seen.append(Envelope.from_bytes(message.body))

    await probe.consume(collect)

    bridge = Bridge(broker, free_port())
    sim_port, carts_port = free_port(), free_port()
    bridge.sim_url = f"http://127.0.0.1:{sim_port}"
    simulator = Process(
        name="simulator", module="cartio_simulator", port=sim_port, log_dir=log_dir,
        env={"SIM_PORT": str(sim_port), "SIM_PUBLIC_URL": bridge.sim_url, "SIM_APP_AUTH_URL": bridge.auth_url,
             "SIM_INGEST_BEACON_URL": f"{bridge.url}/beacon", "SIM_TIME_SCALE": "0.002", "SIM_SMTP_PORT": "0",
             "SIM_CLIENT_ID": CLIENT_ID, "SIM_CLIENT_SECRET": CLIENT_SECRET, "SIM_SEED": "7"},
    )
    carts = Process(
        name="carts", module="cartio_carts", port=carts_port, log_dir=log_dir,
        env={"CARTIO_PORT": str(carts_port), "CARTIO_DATABASE_URL": database_url, "CARTIO_NAMESPACE": ns,
             "CARTIO_AMQP_URL": infra.amqp_url, "CARTIO_BC_API_URL": bridge.sim_url,
             "CARTIO_SERVICE_TOKEN": SERVICE_TOKEN, "CARTIO_RETRY_DELAYS": "[0.2, 0.5, 1, 2]",
             "CARTIO_BC_MAX_RETRIES": "1", "CARTIO_ORDER_WAIT_SECONDS": "15"},
    )
    async with Served(bridge.app(), port=bridge.port):
        simulator.start()
        carts.start()
        try:
            await simulator.wait_ready("/healthz")
            await carts.wait_ready()
            async with httpx.AsyncClient(base_url=bridge.sim_url, timeout=15) as sim_client, httpx.AsyncClient(
                base_url=carts.url, timeout=30, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
            ) as carts_client:
                yield World(sim_client, carts_client, carts, bridge, events, broker, database_url, ns)
        finally:
            carts.stop()
            simulator.stop()
            await channel.close()
            await broker.stop()
