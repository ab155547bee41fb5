"""A gateway under test: the real gateway and simulator processes, the real PostgreSQL and RabbitMQ, and a
stand-in for carts' internal API (run in the test process) that records what the gateway asks of it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cartio_contracts import Envelope
from cartio_platform.broker import build_message
from cartio_platform.testing import Infra, Process, TempDatabases, free_port, migrate, wait_until

SERVICE_TOKEN = "gw-test-service-token"
WEBHOOK_KEY = "gw-test-webhook-key"
CLIENT_ID = "cartio-dev-client"
CLIENT_SECRET = "cartio-dev-secret"
UNINSTALL_GRACE = 1.5
HEARTBEAT = 0.5
LOG_DIR = Path(__file__).resolve().parents[4] / "test-logs"


# --- a stand-in for carts' internal API -------------------------------------------------------------------------


def _summary(cart: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": cart["id"], "status": cart["status"], "user_type": cart["customer"]["user_type"],
        "email": cart["customer"]["email"], "name": cart["customer"]["name"], "item_count": len(cart["items"]),
        "grand_total": cart["summary"]["grand_total"], "currency": "USD", "updated_at": cart["updated_at"],
    }


class FakeCarts:
    """Carts' internal API as docs/conventions.md describes it, keyed by the store in the path."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = free_port()
        self.carts: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.requests: list[dict[str, Any]] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_cart(self, store: str, email: str) -> str:
        cart_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        self.carts[store][cart_id] = {
            "id": cart_id, "status": "active", "created_at": now, "updated_at": now,
            "items": [{"id": "item-1", "product_id": 1, "variant_id": 1, "name": f"Mug of {store}", "sku": "MUG",
                       "image_url": None, "quantity": 2, "unit_price": "5.00", "extended_price": "10.00"}],
            "customer": {"user_type": "guest", "customer_id": None, "email": email, "name": None,
                         "session_id": None, "browser": None, "ip": None, "country": None},
            "summary": {"currency": "USD", "subtotal": "10.00", "coupon_codes": [], "discount": "0",
                        "shipping": "0", "tax": "0", "grand_total": "10.00"},
            "timeline": [],
        }
        return cart_id

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/internal/stores/{store}/{rest:path}", methods=["GET", "POST", "PATCH", "DELETE"])
        async def internal(store: str, rest: str, request: Request) -> Response:
            raw = await request.body()
            self.requests.append({
                "method": request.method, "store": store, "rest": rest, "query": dict(request.query_params),
                "actor": request.headers.get("x-cartio-actor"), "body": json.loads(raw) if raw else None,
                "authorization": request.headers.get("authorization"),
                "idempotency_key": request.headers.get("idempotency-key"),
            })
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return JSONResponse({"error": {"code": "unauthorized", "message": "service token"}}, 401)
            parts = rest.split("/")
            carts = self.carts[store]
            if parts == ["products"]:
                return JSONResponse({"items": [{"id": 1, "name": f"Mug of {store}"}]})
            if parts == ["carts"] and request.method == "GET":
                return JSONResponse({"items": [_summary(c) for c in carts.values()], "next_cursor": None})
            if len(parts) >= 2 and parts[0] == "carts":
                cart = carts.get(parts[1])
                if cart is None:
                    return JSONResponse({"error": {"code": "cart_not_found", "message": "No such cart"}}, 404)
                tail = parts[2:]
                if request.method == "DELETE" and not tail:
                    return Response(status_code=204)
                if tail == ["send"]:
                    return JSONResponse({"notification": {"id": "n1"}, "checkout_url": "https://x.example/c"})
                if tail == ["order"]:
                    return JSONResponse({"order_id": 100, "status_id": 11}, 201)
                return JSONResponse(cart)
            return JSONResponse({"error": {"code": "not_found", "message": rest}}, 404)

        return app

    async def start(self) -> None:
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        server = self._server
        await wait_until(lambda: server.started, timeout=10, what="fake carts started")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None

    def requests_since(self, mark: int) -> list[dict[str, Any]]:
        return self.requests[mark:]


# --- the environment ----------------------------------------------------------------------------------------


@dataclass
class Merchant:
    """A staff member in the app: a client holding the session cookie, and the CSRF token."""

    store_hash: str
    user_id: int
    client: httpx.AsyncClient
    csrf: str

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, **kw)

    async def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kw)


@dataclass
class GatewayEnv:
    infra: Infra
    namespace: str
    db_url: str
    gateway: Process
    simulator: Process
    carts: FakeCarts
    engine: AsyncEngine
    store_events: list[Envelope] = field(default_factory=list)
    clients: list[httpx.AsyncClient] = field(default_factory=list)
    _channel: aio_pika.abc.AbstractChannel | None = None

    @property
    def url(self) -> str:
        return self.gateway.url

    def client(self, **kw: Any) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.url, timeout=30, **kw)
        self.clients.append(client)
        return client

    def logs(self) -> str:
        return f"--- gateway ---\n{self.gateway.tail(40)}\n--- simulator ---\n{self.simulator.tail(20)}"

    # the simulator

    async def sim(self, method: str, path: str, store: str | None = None, **kw: Any) -> httpx.Response:
        params = {**kw.pop("params", {}), **({"store": store} if store else {})}
        async with httpx.AsyncClient(base_url=self.simulator.url, timeout=30) as client:
            return await client.request(method, path, params=params, **kw)

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
        return Merchant(store, me.json()["user"]["id"], client, me.json()["csrf_token"])

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
    ns = f"{namespace}.gw"
    db_url = await databases.create("gateway")
    await asyncio.to_thread(migrate, "cartio_gateway", db_url)
    carts = FakeCarts(SERVICE_TOKEN)
    await carts.start()
    gw_port, sim_port = free_port(), free_port()
    gateway_url, sim_url = f"http://127.0.0.1:{gw_port}", f"http://127.0.0.1:{sim_port}"
    simulator = Process(
        name="gw-simulator", module="cartio_simulator", port=sim_port, log_dir=LOG_DIR,
        env={
            "SIM_PORT": str(sim_port), "SIM_PUBLIC_URL": sim_url, "SIM_SMTP_PORT": "0",
            "SIM_CLIENT_ID": CLIENT_ID, "SIM_CLIENT_SECRET": CLIENT_SECRET,
            "SIM_APP_AUTH_URL": f"{gateway_url}/bigcommerce/auth",
            "SIM_APP_LOAD_URL": f"{gateway_url}/bigcommerce/load",
            "SIM_APP_UNINSTALL_URL": f"{gateway_url}/bigcommerce/uninstall",
            "SIM_APP_REMOVE_USER_URL": f"{gateway_url}/bigcommerce/remove_user",
            "SIM_INGEST_BEACON_URL": "http://127.0.0.1:9/storefront/events",
        },
    )
    gateway = Process(
        name="gw-gateway", module="cartio_gateway", port=gw_port, log_dir=LOG_DIR,
        env={
            "CARTIO_PORT": str(gw_port), "CARTIO_DATABASE_URL": db_url, "CARTIO_AMQP_URL": infra.amqp_url,
            "CARTIO_NAMESPACE": ns, "CARTIO_LOG_JSON": "true",
            "CARTIO_BC_API_URL": sim_url, "CARTIO_BC_LOGIN_URL": sim_url,
            "CARTIO_BC_CLIENT_ID": CLIENT_ID, "CARTIO_BC_CLIENT_SECRET": CLIENT_SECRET,
            "CARTIO_PUBLIC_GATEWAY_URL": gateway_url, "CARTIO_PUBLIC_INGEST_URL": "http://127.0.0.1:8001",
            "CARTIO_CARTS_URL": carts.url, "CARTIO_SERVICE_TOKEN": SERVICE_TOKEN, "CARTIO_WEBHOOK_KEY": WEBHOOK_KEY,
            "CARTIO_COOKIE_SECURE": "false", "CARTIO_UNINSTALL_GRACE": str(UNINSTALL_GRACE),
            "CARTIO_MAINTENANCE_INTERVAL": "0.3", "CARTIO_LIVE_HEARTBEAT": str(HEARTBEAT),
            "CARTIO_OUTBOX_POLL_INTERVAL": "0.3", "CARTIO_RETRY_DELAYS": "[0.2, 0.5]",
        },
    )
    simulator.start()
    gateway.start()
    engine = create_async_engine(db_url)
    connection = await aio_pika.connect(infra.amqp_url)
    env = GatewayEnv(infra, ns, db_url, gateway, simulator, carts, engine)
    try:
        await simulator.wait_ready("/_sim/store")
        await gateway.wait_ready()
        channel = await connection.channel(publisher_confirms=True)
        env._channel = channel
        probe = await channel.declare_queue(exclusive=True)
        await probe.bind(f"{ns}.events", "store.#")

        async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            env.store_events.append(Envelope.from_bytes(message.body))
            await message.ack()

        await probe.consume(collect)
        yield env
    finally:
        for client in env.clients:
            with contextlib.suppress(Exception):
                await client.aclose()
        await connection.close()
        await engine.dispose()
        gateway.stop()
        simulator.stop()
        await carts.stop()
