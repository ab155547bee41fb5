"""Two blacklist replicas in-process against the real PostgreSQL and RabbitMQ, sharing one database and namespace.

Tests publish the events carts would (cart.upserted, order.placed, ...) on the real events exchange and watch
what the blacklist publishes (`blacklist.matched`) on a queue of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aio_pika
import httpx
import pytest

from cartio_blacklist.app import create_app
from cartio_blacklist.settings import Settings
from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import CartCustomer, CartSnapshot, CartUpserted, Message
from cartio_platform.broker import Broker
from cartio_platform.messaging import publish
from cartio_platform.testing import Infra, TempDatabases, app_client, migrate, wait_until

TOKEN = "test-service-token"


@dataclass
class Matches:
    """Every `blacklist.matched` the replicas published."""

    queue: aio_pika.abc.AbstractQueue
    seen: list[Envelope] = field(default_factory=list)

    async def of(self, store_hash: str) -> list[Envelope]:
        while (message := await self.queue.get(no_ack=True, fail=False)) is not None:
            self.seen.append(Envelope.from_bytes(message.body))
        return [e for e in self.seen if e.store_hash == store_hash]


@dataclass
class Blacklist:
    a: httpx.AsyncClient  # replica A
    b: httpx.AsyncClient  # replica B
    broker: Broker
    matches: Matches
    settings: Settings
    store: str = ""

    def path(self, tail: str) -> str:
        return f"/internal/stores/{self.store}/blacklist{tail}"

    async def add(self, replica: httpx.AsyncClient | None = None, **rule: Any) -> httpx.Response:
        return await (replica or self.a).post(self.path("/rules"), json=rule,
                                              headers={"X-Cartio-Actor": "staff@shop.example"})

    async def check(self, replica: httpx.AsyncClient | None = None, **subject: Any) -> dict[str, Any]:
        answer = await (replica or self.a).post(self.path("/check"), json=subject)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def send(self, message: Message) -> Envelope:
        return await publish(self.broker, message, self.store)

    async def cart(self, *, email: str | None = None, ip: str | None = None, country: str | None = None,
                   status: str = "active", cart_id: uuid.UUID | None = None) -> uuid.UUID:
        cart_id = cart_id or uuid.uuid4()
        now = datetime.now(UTC)
        await self.send(CartUpserted(cart=CartSnapshot(
            id=cart_id, status=status, currency="USD", items=[],  # type: ignore[arg-type]
            customer=CartCustomer(user_type="guest", email=email, ip=ip, country=country),
            subtotal=Decimal("10.00"), grand_total=Decimal("10.00"), created_at=now, updated_at=now,
        )))
        return cart_id

    async def matched(self, count: int, what: str = "matches") -> list[Envelope]:
        async def enough() -> list[Envelope] | None:
            found = await self.matches.of(self.store)
            return found if len(found) >= count else None

        found: list[Envelope] = await wait_until(enough, timeout=10, what=what)
        return found

    async def handled(self, envelope: Envelope) -> None:
        """Wait until the blacklist has handled `envelope` (its inbox has it)."""
        from cartio_blacklist import tables as t
        from cartio_platform.db import make_engine

        engine = make_engine(self.settings.database_url, pool_size=1)
        try:
            async def seen() -> bool:
                async with engine.connect() as conn:
                    row = (await conn.execute(
                        t.inbox.select().where(t.inbox.c.message_id == envelope.message_id))).first()
                    return row is not None

            await wait_until(seen, timeout=10, what=f"{envelope.type} handled")
        finally:
            await engine.dispose()


@pytest.fixture(scope="module")
async def settings(infra: Infra, databases: TempDatabases, namespace: str) -> Settings:
    url = await databases.create("blacklist")
    migrate("cartio_blacklist", url)
    return Settings(namespace=f"{namespace}.bl", amqp_url=infra.amqp_url, database_url=url,
                    service_token=TOKEN, retry_delays=[0.2, 0.5, 1.0], outbox_poll_interval=0.2,
                    log_json=False)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
async def system(settings: Settings) -> AsyncIterator[Blacklist]:
    broker = Broker(settings.amqp_url, Topology(settings.namespace), name="blacklist-tests")
    await broker.start(wait=10)
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(Topology(settings.namespace).events_exchange, "blacklist.matched")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with app_client(create_app(settings)) as a, app_client(create_app(settings)) as b:
        a.headers.update(headers)
        b.headers.update(headers)
        yield Blacklist(a, b, broker, Matches(queue), settings)
    await connection.close()
    await broker.stop()


@pytest.fixture
def bl(system: Blacklist) -> Blacklist:
    """The two replicas, for a store of this test alone."""
    system.store = uuid.uuid4().hex[:10]
    return system
