"""Consumers never stop for good: new queue arguments at a redeploy, a queue or exchange deleted under a running
service, a database outage. Against the real RabbitMQ and PostgreSQL (the outage through a TCP proxy)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import CartDeleted
from cartio_platform.broker import Broker, BrokerUnavailable, Connection
from cartio_platform.consumer import Consumer
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.health import broker_check, consumers_check, health_router
from cartio_platform.infra import infrastructure_probe
from cartio_platform.tables import inbox_table
from cartio_platform.testing import Infra, TempDatabases, wait_until
from cartio_platform.testing.proxy import TcpProxy

METADATA = sa.MetaData()
INBOX = inbox_table(METADATA)


def event() -> Envelope:
    return CartDeleted(cart_id=uuid.uuid4(), reason="shopper", deleted_at=datetime.now(UTC)).envelope("s1")


@pytest.fixture
async def db_url(databases: TempDatabases) -> str:
    url = await databases.create("recover")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    await engine.dispose()
    return url


@pytest.fixture
def topology(namespace: str) -> Topology:
    return Topology(f"{namespace}.{uuid.uuid4().hex[:6]}")


async def start_broker(infra: Infra, topology: Topology) -> Broker:
    return Broker(infra.amqp_url, topology, name="recover-test", check_interval=0.3)


def consumer_of(broker: Broker, sessionmaker: Any, queue: str, handled: list[uuid.UUID], **kw: Any) -> Consumer:
    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        handled.append(envelope.message_id)

    consumer = Consumer(
        broker=broker, sessionmaker=sessionmaker, inbox=INBOX, queue=queue,
        bindings=[(broker.topology.events_exchange, "cart.#")], handlers={"cart.deleted": handler}, prefetch=10,
        **{"retry_delays": [0.05, 0.1], **kw},
    )
    consumer.attach()
    return consumer


async def publish(broker: Broker, envelope: Envelope) -> None:
    await broker.publish(envelope, exchange=broker.topology.events_exchange, routing_key=envelope.type)


async def message_count(infra: Infra, queue: str) -> int:
    connection = await aio_pika.connect(infra.amqp_url)
    try:
        declared = await (await connection.channel()).declare_queue(queue, passive=True)
        count = declared.declaration_result.message_count
        return int(count or 0)
    finally:
        await connection.close()


async def test_new_retry_delays_and_delivery_limit_at_a_restart_just_work_and_every_message_is_handled_once(
    infra: Infra, topology: Topology, db_url: str
) -> None:
    queue = topology.queue("test", "args")
    # The queue as the release before declared it, with the delivery limit as a queue argument.
    connection = await aio_pika.connect(infra.amqp_url)
    await (await connection.channel()).declare_queue(queue, durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": 20,
        "x-dead-letter-exchange": "", "x-dead-letter-routing-key": Topology.dead(queue)})
    await connection.close()
    engine = make_engine(db_url)
    sessionmaker = make_sessionmaker(engine)
    handled: list[uuid.UUID] = []
    failed_once: set[uuid.UUID] = set()

    # First release: each message fails once and waits 1 s in its delay queue, where the restart finds it.
    old = await start_broker(infra, topology)

    async def fails_first(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.message_id not in failed_once:
            failed_once.add(envelope.message_id)
            raise RuntimeError("first attempt fails")
        handled.append(envelope.message_id)

    first = Consumer(broker=old, sessionmaker=sessionmaker, inbox=INBOX, queue=queue,
                     bindings=[(topology.events_exchange, "cart.#")], handlers={"cart.deleted": fails_first},
                     retry_delays=[1.0], delivery_limit=20)
    first.attach()
    await old.start(wait=10)
    before = [event() for _ in range(5)]
    for envelope in before:
        await publish(old, envelope)
    delayed = Topology.delay_for(queue, 1.0)
    await wait_until(lambda: message_count(infra, delayed), what="the failed messages in the 1 s delay queue")
    await wait_until(lambda: len(failed_once) == 5 and len(handled) == 0, what="every first attempt failed")
    await old.stop()

    # Next release: other delays, another delivery limit. It consumes (no PRECONDITION_FAILED loop).
    new = await start_broker(infra, topology)
    second = consumer_of(new, sessionmaker, queue, handled, retry_delays=[0.1, 0.3, 0.7], delivery_limit=5)
    await new.start(wait=10)
    await wait_until(lambda: second.is_consuming, what="the new release consuming")
    after = [event() for _ in range(5)]
    for envelope in after:
        await publish(new, envelope)
    try:
        await wait_until(lambda: len(handled) >= 10, timeout=15, what="every message before and after handled")
        assert Counter(handled) == Counter(e.message_id for e in before + after)  # each exactly once
        assert await message_count(infra, Topology.dead(queue)) == 0
        assert await message_count(infra, delayed) == 0  # the old delay queue emptied itself into the queue
    finally:
        await new.stop()
        await engine.dispose()


async def test_a_queue_deleted_under_a_running_consumer_is_declared_again_and_messages_flow(
    infra: Infra, topology: Topology, db_url: str
) -> None:
    engine = make_engine(db_url)
    broker = await start_broker(infra, topology)
    handled: list[uuid.UUID] = []
    consumer = consumer_of(broker, make_sessionmaker(engine), topology.queue("test", "deleted"), handled)
    connects = Counter[str]()

    async def count(_connection: Connection) -> None:
        connects["n"] += 1

    broker.on_connect(count)
    await broker.start(wait=10)
    app = FastAPI()
    app.include_router(health_router({"broker": broker_check(broker), "consumers": consumers_check([consumer])},
                                     "ops-token"))
    try:
        connection = await aio_pika.connect(infra.amqp_url)
        await (await connection.channel()).queue_delete(consumer.queue)
        await connection.close()
        await wait_until(lambda: connects["n"] == 2 and consumer.is_consuming, what="the consumer back")
        envelope = event()
        await publish(broker, envelope)
        await wait_until(lambda: handled == [envelope.message_id], what="a message after the queue was deleted")
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t",
                               headers={"Authorization": "Bearer ops-token"}) as client:
            assert (await client.get("/readyz")).status_code == 200
            await consumer.stop_consuming()  # a replica that takes nothing says so
            answer = await client.get("/readyz")
            assert answer.status_code == 503
            assert answer.json()["checks"]["consumers"] == f"failing: not consuming {consumer.queue}"
    finally:
        await broker.stop()
        await engine.dispose()


async def test_an_exchange_deleted_under_a_running_service_is_declared_again_with_its_bindings(
    infra: Infra, topology: Topology, db_url: str
) -> None:
    engine = make_engine(db_url)
    broker = await start_broker(infra, topology)
    handled: list[uuid.UUID] = []
    consumer_of(broker, make_sessionmaker(engine), topology.queue("test", "exchange"), handled)
    connects = Counter[str]()

    async def count(_connection: Connection) -> None:
        connects["n"] += 1

    broker.on_connect(count)
    await broker.start(wait=10)
    try:
        connection = await aio_pika.connect(infra.amqp_url)
        await (await connection.channel()).exchange_delete(topology.events_exchange)
        await connection.close()
        # A publish now is a 404 that closes the publishing channel: refused, not lost in silence.
        with pytest.raises(BrokerUnavailable):
            await publish(broker, event())
        await wait_until(lambda: connects["n"] >= 2 and broker.is_connected, what="the broker reconnected")
        envelope = event()
        await publish(broker, envelope)
        await wait_until(lambda: handled == [envelope.message_id], what="a message through the declared exchange")
    finally:
        await broker.stop()
        await engine.dispose()


async def test_a_database_outage_parks_nothing_and_every_waiting_message_is_handled_once_it_is_back(
    infra: Infra, topology: Topology, db_url: str
) -> None:
    direct = make_url(db_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    await proxy.start()
    engine = make_engine(direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    sessionmaker = make_sessionmaker(engine)
    broker = await start_broker(infra, topology)
    real_probe = infrastructure_probe(sessionmaker, broker)
    probes_while_down = Counter[str]()

    async def probe() -> str | None:
        down = await real_probe()
        if down is not None:
            probes_while_down["n"] += 1
        return down

    handled: list[uuid.UUID] = []
    consumer = consumer_of(broker, sessionmaker, topology.queue("test", "outage"), handled, probe=probe)
    await broker.start(wait=10)
    await wait_until(lambda: consumer.is_consuming, what="consuming")
    try:
        await proxy.cut()
        sent = [event() for _ in range(10)]
        for envelope in sent:
            await publish(broker, envelope)
        # Far longer than the whole retry budget (0.05 s + 0.1 s): the messages wait, none is parked.
        await wait_until(lambda: probes_while_down["n"] >= 5, timeout=30, what="the outage noticed and waited")
        assert handled == []
        assert await message_count(infra, Topology.dead(consumer.queue)) == 0
        await proxy.restore()
        await wait_until(lambda: len(handled) >= len(sent), timeout=30, what="the waiting messages handled")
        assert Counter(handled) == Counter(e.message_id for e in sent)
        assert await message_count(infra, Topology.dead(consumer.queue)) == 0
    finally:
        await broker.stop()
        await engine.dispose()
        await proxy.stop()
