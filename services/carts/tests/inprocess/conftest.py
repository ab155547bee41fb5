"""Carts in-process: the real registry and PostgreSQL, BigCommerce played by the simulator mounted through
httpx's ASGI transport (no process, no broker: each envelope is handed to the handler the registry built for its
type, in one transaction, as the consumer does; staff actions run as the API calls them)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from cartio_carts.actions import Actions
from cartio_carts.clients import StoreClients
from cartio_carts.handlers import Handlers
from cartio_carts.service import CartService
from cartio_carts.settings import Settings
from cartio_carts.tables import cart_timeline, carts, metadata, outbox
from cartio_contracts import Envelope, Message
from cartio_contracts.messages import StoreInstalled, WebhookReceived
from cartio_platform.messaging import dispatch_table
from cartio_platform.migrate import upgrade_async
from cartio_platform.runtime import Runtime
from cartio_platform.security import TokenCipher
from cartio_platform.testing import TempDatabases

SIM_URL = "http://sim.test"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class Carts:
    """Carts' application over one simulated store, and a way to deliver messages to its handlers."""

    runtime: Runtime
    handlers: Handlers
    actions: Actions
    sim: httpx.AsyncClient
    store: str

    async def deliver(self, message: Message, *, correlation_id: str | None = None) -> Envelope:
        envelope = message.envelope(self.store, correlation_id=correlation_id)
        registry = {**self.handlers.webhooks(), **self.handlers.events(), **self.handlers.beacons()}
        table = dispatch_table(registry, outbox, self.runtime.topology)
        async with self.runtime.db() as session, session.begin():
            await table[envelope.type](session, envelope)
        return envelope

    def hook(self, scope: str, cart_id: str, **data: Any) -> WebhookReceived:
        """A webhook of this store about a cart, as ingest passes it on."""
        return WebhookReceived(
            scope=scope, store_id="1", producer=f"stores/{self.store}", data={"type": "cart", "id": cart_id, **data},
            hash=uuid.uuid4().hex, created_at=int(datetime.now(UTC).timestamp()), received_at=datetime.now(UTC),
        )

    async def webhook(self, scope: str, cart_id: str) -> Envelope:
        return await self.deliver(self.hook(scope, cart_id))

    async def simple_products(self) -> list[dict[str, Any]]:
        """Products with one variant and stock enough for a test."""
        products = (await self.sim.get("/_sim/products", params={"store": self.store})).json()
        return [p for p in products
                if len(p.get("variants") or []) <= 1 and (p.get("inventory_level") or 100) > 20]

    async def shopper_cart(self, quantity: int = 1) -> dict[str, Any]:
        """A cart a shopper made on the storefront (BigCommerce has it; carts not yet)."""
        product = (await self.simple_products())[0]
        answer = await self.sim.post("/_sim/carts", params={"store": self.store},
                                     json={"items": [{"product_id": product["id"], "quantity": quantity}],
                                           "email": "ana@buyer.example"})
        assert answer.status_code == 201, answer.text
        cart: dict[str, Any] = answer.json()
        return cart

    async def known_cart(self, quantity: int = 1) -> dict[str, Any]:
        """A shopper's cart that carts has stored (its webhook handled)."""
        cart = await self.shopper_cart(quantity)
        await self.webhook("store/cart/created", cart["id"])
        return cart

    async def row(self, cart_id: str) -> Any:
        async with self.runtime.db() as session:
            return (await session.execute(sa.select(carts).where(
                carts.c.store_hash == self.store, carts.c.cart_id == uuid.UUID(cart_id)))).mappings().first()

    async def events(self, type_: str) -> list[Envelope]:
        async with self.runtime.db() as session:
            rows = (await session.execute(sa.select(outbox.c.envelope).where(outbox.c.store_hash == self.store)
                                          .order_by(outbox.c.id))).scalars().all()
        found = [Envelope.model_validate(body) for body in rows]
        return [e for e in found if e.type == type_]

    async def timeline(self, cart_id: str) -> list[str]:
        async with self.runtime.db() as session:
            return list((await session.execute(
                sa.select(cart_timeline.c.action).where(cart_timeline.c.store_hash == self.store,
                                                        cart_timeline.c.cart_id == uuid.UUID(cart_id))
                .order_by(cart_timeline.c.id))).scalars().all())


@pytest.fixture(scope="module")
async def carts_app(databases: TempDatabases, namespace: str) -> AsyncIterator[Carts]:
    from cartio_simulator.app import create_app
    from cartio_simulator.settings import SimSettings

    sim_settings = SimSettings(smtp_port=0, seed=11, time_scale=0.001, rate_limit_per_30s=100_000)
    sim_app = create_app(sim_settings)
    url = await databases.create("carts_inprocess")
    await upgrade_async(url, MIGRATIONS)
    settings = Settings(database_url=url, bc_api_url=SIM_URL, namespace=f"{namespace}.inproc", bc_max_retries=0)
    transport = httpx.ASGITransport(app=sim_app)
    async with sim_app.router.lifespan_context(sim_app), httpx.AsyncClient(transport=transport,
                                                                             base_url=SIM_URL) as sim:
        simulator = sim_app.state.sim
        store = simulator.store(None)
        token = simulator.issue_token(store, sim_settings.client_id).token
        runtime = Runtime(settings, tables=metadata)  # not started: database and units of work, no broker
        clients = StoreClients(settings, runtime.db, http=sim)
        service = CartService(settings, runtime.db, clients, runtime.unit)
        app = Carts(runtime, Handlers(service), Actions(service), sim, store.hash)
        cipher = TokenCipher(settings.encryption_key.get_secret_value())
        await app.deliver(StoreInstalled(scope="store_cart", access_token_encrypted=cipher.encrypt(token),
                                         installed_at=datetime.now(UTC)))
        yield app
        await clients.close()
        assert runtime.engine is not None
        await runtime.engine.dispose()
