"""The typed message registry against the real PostgreSQL and RabbitMQ: a service declares {Model: handler}."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import aio_pika
import pytest
import sqlalchemy as sa

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import (
    CartAbandoned,
    CartDeleted,
    StoreInstalled,
    StoreUninstalled,
    WebhookReceived,
)
from cartio_platform.messaging import ListenerHandler, Unit, bindings_for
from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings
from cartio_platform.tables import inbox_table, outbox_table
from cartio_platform.testing import Infra, TempDatabases, wait_until

METADATA = sa.MetaData()
INBOX = inbox_table(METADATA)
OUTBOX = outbox_table(METADATA)
NOW = datetime.now(UTC)


def deleted(cart_id: uuid.UUID | None = None) -> CartDeleted:
    return CartDeleted(cart_id=cart_id or uuid.uuid4(), reason="shopper", deleted_at=NOW)


def webhook(scope: str) -> WebhookReceived:
    return WebhookReceived(scope=scope, store_id="1", producer="stores/s1", data={"type": "cart", "id": "x"},
                           hash="h", created_at=1, received_at=NOW)


@pytest.fixture
async def runtime(infra: Infra, namespace: str, databases: TempDatabases) -> AsyncIterator[Runtime]:
    url = await databases.create("messaging")
    settings = ServiceSettings(
        service_name="test", namespace=f"{namespace}.{uuid.uuid4().hex[:6]}", amqp_url=infra.amqp_url,
        database_url=url, retry_delays=[30.0], outbox_poll_interval=0.2,
    )
    rt = Runtime(settings, tables=METADATA)
    assert rt.engine is not None
    async with rt.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield rt
    await rt.stop()


async def started(rt: Runtime) -> Runtime:
    await rt.start()
    await rt.broker.wait_connected(10)
    return rt


async def probe(rt: Runtime, routing_key: str = "#") -> aio_pika.abc.AbstractQueue:
    channel = await rt.broker.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(rt.topology.events_exchange, routing_key)
    return queue


async def drain(queue: aio_pika.abc.AbstractQueue) -> list[Envelope]:
    got = []
    while (m := await queue.get(no_ack=True, fail=False)) is not None:
        got.append(Envelope.from_bytes(m.body))
    return got


async def consuming(rt: Runtime, queue: str) -> bool:
    channel = await rt.broker.channel()
    try:
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.consumer_count >= 1
    finally:
        await channel.close()


def test_bindings_are_derived_from_the_models() -> None:
    topology = Topology("ns")
    bindings = bindings_for([CartDeleted, StoreInstalled, WebhookReceived], topology,
                            ("store/cart/*", "store/order/created"))
    assert bindings == [
        ("ns.events", "cart.deleted"),
        ("ns.events", "store.installed"),
        ("ns.webhooks", "bigcommerce.store.cart.#"),  # BigCommerce's `*` takes nested scopes too
        ("ns.webhooks", "bigcommerce.store.order.created"),
    ]
    with pytest.raises(ValueError, match="webhook_scopes"):
        bindings_for([WebhookReceived], topology)


async def test_a_typed_handler_receives_its_model_and_emits_with_causation_and_correlation(runtime: Runtime) -> None:
    received: list[CartDeleted] = []

    async def on_deleted(message: CartDeleted, unit: Unit) -> None:
        received.append(message)
        await unit.emit(CartAbandoned(cart_id=message.cart_id, grand_total=Decimal("9.50"), currency="USD",
                                      abandoned_at=NOW))

    consumer = runtime.consume("events", {CartDeleted: on_deleted})
    await started(runtime)
    await wait_until(lambda: consuming(runtime, consumer.queue), what="consumer")
    events = await probe(runtime, CartAbandoned.TYPE)
    incoming = deleted().envelope("s1", correlation_id="shopper-click-7")
    await runtime.broker.publish(incoming, exchange=runtime.topology.events_exchange, routing_key=incoming.type)

    emitted = await wait_until(lambda: drain(events), what="the emitted event")
    assert isinstance(received[0], CartDeleted)
    assert received[0].cart_id == uuid.UUID(incoming.data["cart_id"])
    assert emitted[0].type == "cart.abandoned"
    assert emitted[0].store_hash == "s1"
    assert emitted[0].causation_id == str(incoming.message_id)
    assert emitted[0].correlation_id == "shopper-click-7"


async def test_webhooks_arrive_by_the_scopes_a_consumer_names(runtime: Runtime) -> None:
    scopes: list[str] = []

    async def on_webhook(message: WebhookReceived, unit: Unit) -> None:
        scopes.append(message.scope)

    consumer = runtime.consume("webhooks", {WebhookReceived: on_webhook}, webhook_scopes=("store/cart/*",))
    await started(runtime)
    await wait_until(lambda: consuming(runtime, consumer.queue), what="consumer")
    for scope in ("store/order/created", "store/cart/lineItem/added", "store/cart/updated"):
        await runtime.publish(webhook(scope), "s1")
    await wait_until(lambda: len(scopes) == 2, what="two cart webhooks")
    assert sorted(scopes) == ["store/cart/lineItem/added", "store/cart/updated"]


async def test_a_redelivered_message_is_handled_once(runtime: Runtime) -> None:
    seen: list[uuid.UUID] = []

    async def on_deleted(message: CartDeleted, unit: Unit) -> None:
        seen.append(message.cart_id)

    consumer = runtime.consume("events", {CartDeleted: on_deleted})
    await started(runtime)
    await wait_until(lambda: consuming(runtime, consumer.queue), what="consumer")
    incoming = deleted().envelope("s1")
    for _ in range(3):
        await runtime.broker.publish(incoming, exchange=runtime.topology.events_exchange, routing_key=incoming.type)

    async def inbox_rows() -> int:
        async with runtime.db() as s:
            return int(await s.scalar(sa.select(sa.func.count()).select_from(INBOX)) or 0)

    await wait_until(lambda: len(seen) >= 1, what="handled")
    await wait_until(lambda: _queue_count(runtime, consumer.queue, 0), what="queue drained")
    assert len(seen) == 1
    assert await inbox_rows() == 1


async def _queue_count(rt: Runtime, queue: str, expected: int) -> bool:
    channel = await rt.broker.channel()
    try:
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count == expected
    finally:
        await channel.close()


async def test_a_message_whose_data_does_not_fit_its_model_is_parked_at_once(runtime: Runtime) -> None:
    calls: list[CartDeleted] = []

    async def on_deleted(message: CartDeleted, unit: Unit) -> None:
        calls.append(message)

    consumer = runtime.consume("events", {CartDeleted: on_deleted})
    await started(runtime)
    await wait_until(lambda: consuming(runtime, consumer.queue), what="consumer")
    bad = Envelope(type=CartDeleted.TYPE, store_hash="s1", data={"cart_id": "not-a-uuid", "deleted_at": "now"})
    await runtime.broker.publish(bad, exchange=runtime.topology.events_exchange, routing_key=bad.type)

    dead = Topology.dead(consumer.queue)
    channel = await runtime.broker.channel()
    queue = await channel.declare_queue(dead, passive=True)
    parked = await wait_until(lambda: queue.get(no_ack=True, fail=False), what="parked message")  # retries are 30 s
    assert parked.message_id == str(bad.message_id)
    assert "cart.deleted data is invalid" in str(parked.headers["x-cartio-error"])
    assert calls == []
    await channel.close()


async def test_api_work_in_a_unit_commits_its_change_and_publishes_its_events(runtime: Runtime) -> None:
    await started(runtime)
    events = await probe(runtime, CartDeleted.TYPE)
    message = deleted()
    async with runtime.unit("s1", correlation_id="request-1") as unit:
        emitted = await unit.emit(message)
        assert unit.envelope is None
    got = await wait_until(lambda: drain(events), what="event of the API work")
    assert [e.message_id for e in got] == [emitted.message_id]
    assert got[0].correlation_id == "request-1"
    assert got[0].causation_id is None

    with pytest.raises(RuntimeError):
        async with runtime.unit("s1") as unit:
            await unit.emit(deleted())
            raise RuntimeError("the change failed")
    async with runtime.db() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(OUTBOX)) == 1  # the failed unit left none


async def test_a_listener_of_each_replica_gets_every_event_without_an_inbox(runtime: Runtime) -> None:
    heard: dict[str, list[str]] = {"a": [], "b": []}

    def recorder(replica: str) -> ListenerHandler:
        async def on_event(message: StoreInstalled | StoreUninstalled, envelope: Envelope) -> None:
            heard[replica].append(f"{message.TYPE}:{envelope.store_hash}")

        return on_event

    # Two replicas of one service: each has its own listener queue, so each hears every event.
    a = runtime.listen("stores", {StoreInstalled: recorder("a"), StoreUninstalled: recorder("a")})
    b = runtime.listen("stores", {StoreUninstalled: recorder("b")})
    await started(runtime)
    for listener in (a, b):
        await wait_until(lambda q=listener.queue: consuming(runtime, q), what="listener")
    await runtime.publish(StoreUninstalled(uninstalled_at=NOW, purge_after=NOW), "s1")
    await runtime.publish(deleted(), "s1")  # nobody listens for it: not delivered to the listeners
    await wait_until(lambda: heard["a"] and heard["b"], what="both replicas")
    assert heard == {"a": ["store.uninstalled:s1"], "b": ["store.uninstalled:s1"]}
    async with runtime.db() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(INBOX)) == 0
