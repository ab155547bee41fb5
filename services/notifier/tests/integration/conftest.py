"""The notifier in-process against the real PostgreSQL and RabbitMQ, the blacklist as a real process, and the
simulator's SMTP sink (aiosmtpd) standing in for the store's mail server.

Tests publish `notifier.send_cart` as carts would and watch what the notifier publishes (`notification.*`) on a
queue of their own, what the sink received, and the notices through the notifier's internal API.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import CartCustomer, CartItem, CartSnapshot, SendCart
from cartio_notifier.app import create_app
from cartio_notifier.settings import Settings
from cartio_platform.broker import Broker
from cartio_platform.messaging import publish
from cartio_platform.testing import Infra, Process, TempDatabases, app_client, free_port, migrate, wait_until
from cartio_simulator.mail import MailFaults, MailSink

TOKEN = "test-service-token"
LOG_DIR = Path.cwd() / "test-logs"


@dataclass
class Notifier:
    api: httpx.AsyncClient
    broker: Broker
    sink: MailSink
    settings: Settings
    blacklist_url: str
    queue: aio_pika.abc.AbstractQueue
    seen: list[Envelope] = field(default_factory=list)
    store: str = ""

    async def send(self, recipient: str, *, cart_id: uuid.UUID | None = None, message_id: uuid.UUID | None = None,
                   checkout_cart_id: uuid.UUID | None = None) -> Envelope:
        """Carts' command for a cart with one line of two mugs."""
        now = datetime.now(UTC)
        cart = CartSnapshot(
            id=cart_id or uuid.uuid4(), status="active", currency="USD",
            items=[CartItem(id="l1", product_id=111, name="Blue Mug", quantity=2, unit_price=Decimal("22.00"),
                            extended_price=Decimal("44.00"))],
            customer=CartCustomer(user_type="guest", email=recipient), subtotal=Decimal("44.00"),
            shipping=Decimal("5.00"), grand_total=Decimal("49.00"), created_at=now, updated_at=now,
        )
        command = SendCart(cart=cart, recipient=recipient, checkout_url="https://shop.example/checkout?t=1",
                           requested_by="staff@shop.example", checkout_cart_id=checkout_cart_id,
                           store_name="Mug Shop")
        return await publish(self.broker, command, self.store, message_id=message_id or uuid.uuid4())

    async def notices(self, cart_id: uuid.UUID) -> list[dict[str, Any]]:
        answer = await self.api.get(f"/internal/stores/{self.store}/notifications", params={"cart_id": str(cart_id)})
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    async def notice(self, cart_id: uuid.UUID, status: str, *, attempts: int = 1, timeout: float = 10
                     ) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            found = await self.notices(cart_id)
            return found[0] if found and found[0]["status"] == status and found[0]["attempts"] >= attempts else None

        notice: dict[str, Any] = await wait_until(reached, timeout=timeout,
                                                  what=f"a notice {status} after {attempts} tries")
        return notice

    def mail_to(self, address: str) -> list[Any]:
        return [m for m in self.sink.messages() if address in m["to"]]

    async def events(self, type_: str, notification_id: uuid.UUID) -> list[Envelope]:
        while (message := await self.queue.get(no_ack=True, fail=False)) is not None:
            self.seen.append(Envelope.from_bytes(message.body))
        return [e for e in self.seen if e.type == type_ and e.data["notification_id"] == str(notification_id)]

    async def event(self, type_: str, notification_id: uuid.UUID) -> Envelope:
        async def published() -> list[Envelope]:
            return await self.events(type_, notification_id)

        found: list[Envelope] = await wait_until(published, timeout=10, what=type_)
        return found[0]

    async def faults(self, **faults: Any) -> None:
        await self.sink.set_faults(MailFaults(**faults))

    async def block(self, email: str) -> None:
        async with httpx.AsyncClient(base_url=self.blacklist_url, timeout=10) as blacklist:
            answer = await blacklist.post(
                f"/internal/stores/{self.store}/blacklist/rules", json={"kind": "email", "value": email},
                headers={"Authorization": f"Bearer {TOKEN}", "X-Cartio-Actor": "staff@shop.example"},
            )
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="package")
async def blacklist_url(infra: Infra, databases: TempDatabases, namespace: str) -> AsyncIterator[str]:
    url = await databases.create("notifier_it_blacklist")
    migrate("cartio_blacklist", url)
    process = Process(
        name="notifier_it-blacklist", module="cartio_blacklist", port=free_port(), log_dir=LOG_DIR,
        env={"CARTIO_ENVIRONMENT": "development", "CARTIO_NAMESPACE": f"{namespace}.nt", "CARTIO_AMQP_URL":
             infra.amqp_url, "CARTIO_DATABASE_URL": url, "CARTIO_SERVICE_TOKEN": TOKEN, "CARTIO_LOG_JSON": "true"},
    )
    process.env["CARTIO_PORT"] = str(process.port)
    process.start()
    try:
        await process.wait_ready()
        yield process.url
    finally:
        process.stop()


@pytest.fixture(scope="package")
async def running(infra: Infra, databases: TempDatabases, namespace: str, blacklist_url: str
                  ) -> AsyncIterator[Notifier]:
    url = await databases.create("notifier_it")
    migrate("cartio_notifier", url)
    smtp_port = free_port()
    sink = MailSink("127.0.0.1", smtp_port)
    await sink.start()
    settings = Settings(  # type: ignore[call-arg]
        environment="development", namespace=f"{namespace}.nt", amqp_url=infra.amqp_url, database_url=url,
        service_token=TOKEN, log_json=False, retry_delays=[0.2, 0.5, 1.0], outbox_poll_interval=0.2,
        smtp_port=smtp_port, blacklist_url=blacklist_url,
        send_interval=0.1, send_retry_delays=[0.2, 0.4, 0.8], sending_lease_seconds=1.0,
    )
    topology = Topology(settings.namespace)
    broker = Broker(settings.amqp_url, topology, name="notifier-tests")
    await broker.start(wait=10)
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(topology.events_exchange, "notification.#")
    try:
        async with app_client(create_app(settings)) as api:
            api.headers.update({"Authorization": f"Bearer {TOKEN}"})

            async def ready() -> bool:  # consumers bound, so a command published now is routed to them
                return (await api.get("/readyz")).status_code == 200

            await wait_until(ready, timeout=20, what="the notifier ready")
            yield Notifier(api, broker, sink, settings, blacklist_url, queue)
    finally:
        await connection.close()
        await broker.stop()
        await sink.stop()


@pytest.fixture
async def notifier(running: Notifier) -> AsyncIterator[Notifier]:
    """The running notifier, for a store of this test alone; the sink's faults cleared after."""
    running.store = uuid.uuid4().hex[:10]
    yield running
    await running.faults()
