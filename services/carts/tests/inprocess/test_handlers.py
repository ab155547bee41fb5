"""Carts' message handlers in-process: the real registry and PostgreSQL, BigCommerce played by the simulator
mounted through httpx's ASGI transport (no process, no broker: each envelope is handed to the handler the
registry built for its type, in one transaction, as the consumer does)."""

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

from cartio_carts.clients import StoreClients
from cartio_carts.handlers import Handlers
from cartio_carts.service import CartService
from cartio_carts.settings import Settings
from cartio_carts.tables import cart_timeline, carts, metadata, outbox
from cartio_contracts import Envelope, Message
from cartio_contracts.messages import BlacklistMatched, StorefrontSession, StoreInstalled, WebhookReceived
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
    sim: httpx.AsyncClient
    store: str

    async def deliver(self, message: Message, *, correlation_id: str | None = None) -> Envelope:
        envelope = message.envelope(self.store, correlation_id=correlation_id)
        registry = {**self.handlers.webhooks(), **self.handlers.events()}
        table = dispatch_table(registry, outbox, self.runtime.topology)
        async with self.runtime.db() as session, session.begin():
            await table[envelope.type](session, envelope)
        return envelope

    async def webhook(self, scope: str, cart_id: str) -> Envelope:
        return await self.deliver(WebhookReceived(
            scope=scope, store_id="1", producer=f"stores/{self.store}", data={"type": "cart", "id": cart_id},
            hash=uuid.uuid4().hex, created_at=int(datetime.now(UTC).timestamp()), received_at=datetime.now(UTC),
        ))

    async def shopper_cart(self, quantity: int = 1) -> dict[str, Any]:
        products = (await self.sim.get("/_sim/products", params={"store": self.store})).json()
        product = next(p for p in products if not p.get("variants") or len(p["variants"]) <= 1)
        answer = await self.sim.post("/_sim/carts", params={"store": self.store},
                                     json={"items": [{"product_id": product["id"], "quantity": quantity}],
                                           "email": "ana@buyer.example"})
        assert answer.status_code == 201, answer.text
        cart: dict[str, Any] = answer.json()
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
        app = Carts(runtime, Handlers(service), sim, store.hash)
        cipher = TokenCipher(settings.encryption_key.get_secret_value())
        await app.deliver(StoreInstalled(scope="store_cart", access_token_encrypted=cipher.encrypt(token),
                                         installed_at=datetime.now(UTC)))
        yield app
        await clients.close()
        assert runtime.engine is not None
        await runtime.engine.dispose()


async def test_a_cart_webhook_stores_the_cart_read_from_bigcommerce_and_announces_it_caused_by_the_webhook(
    carts_app: Carts,
) -> None:
    cart = await carts_app.shopper_cart(quantity=2)
    hook = await carts_app.webhook("store/cart/created", cart["id"])
    row = await carts_app.row(cart["id"])
    assert row is not None
    assert row["status"] == "active"
    assert row["item_count"] == 2
    assert row["email"] == "ana@buyer.example"
    upserted = [e for e in await carts_app.events("cart.upserted") if e.data["cart"]["id"] == cart["id"]]
    assert len(upserted) == 1
    assert upserted[0].causation_id == str(hook.message_id)
    assert upserted[0].correlation_id == str(hook.message_id)  # the first message of its chain
    assert "created" in await carts_app.timeline(cart["id"])


async def test_the_same_webhook_twice_stores_one_change_and_announces_it_once(carts_app: Carts) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.webhook("store/cart/created", cart["id"])
    await carts_app.webhook("store/cart/updated", cart["id"])  # nothing newer in BigCommerce
    upserted = [e for e in await carts_app.events("cart.upserted") if e.data["cart"]["id"] == cart["id"]]
    assert len(upserted) == 1


async def test_a_deleted_cart_webhook_marks_the_cart_deleted_and_carries_the_chain_on(carts_app: Carts) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.webhook("store/cart/created", cart["id"])
    gone = await carts_app.deliver(WebhookReceived(
        scope="store/cart/deleted", store_id="1", producer=f"stores/{carts_app.store}",
        data={"type": "cart", "id": cart["id"]}, hash="h", created_at=1, received_at=datetime.now(UTC),
    ), correlation_id="shopper-click-7")
    row = await carts_app.row(cart["id"])
    assert row["status"] == "deleted"
    assert row["deleted_reason"] == "shopper"
    deleted = [e for e in await carts_app.events("cart.deleted") if e.data["cart_id"] == cart["id"]]
    assert [(e.correlation_id, e.causation_id) for e in deleted] == [("shopper-click-7", str(gone.message_id))]


async def test_a_beacon_before_its_cart_is_kept_and_names_the_shopper_once_the_cart_arrives(
    carts_app: Carts,
) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.deliver(StorefrontSession(
        cart_id=uuid.UUID(cart["id"]), session_id="sess-4711-abcdef", ip="81.2.69.160",
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        seen_at=datetime.now(UTC),
    ))
    assert await carts_app.row(cart["id"]) is None  # kept aside: the cart has not arrived yet
    await carts_app.webhook("store/cart/created", cart["id"])
    row = await carts_app.row(cart["id"])
    assert row["session_id"] == "sess-4711-abcdef"
    assert row["browser"] is not None
    assert row["browser"].startswith("Firefox")
    assert row["country"] == "GB"
    assert "session_seen" in await carts_app.timeline(cart["id"])


async def test_a_blacklist_match_deletes_the_cart_in_bigcommerce_and_blocks_it_in_cartio(carts_app: Carts) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.webhook("store/cart/created", cart["id"])
    match = BlacklistMatched(rule_id=3, kind="email", value="ana@buyer.example", subject="cart",
                             cart_id=uuid.UUID(cart["id"]), matched_at=datetime.now(UTC),
                             matched="ana@buyer.example")
    await carts_app.deliver(match)
    await carts_app.deliver(match)  # enforced twice: nothing more the second time
    row = await carts_app.row(cart["id"])
    assert row["status"] == "blocked"
    in_store = await carts_app.sim.get(f"/_sim/carts/{cart['id']}", params={"store": carts_app.store})
    assert in_store.status_code == 404
    assert (await carts_app.timeline(cart["id"])).count("blocked") == 1
