"""A service stopping (SIGTERM) finishes the messages it is handling, takes no new ones, and publishes what its
transactions committed before it exits."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import sqlalchemy as sa

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import BlacklistRulesChanged, CartDeleted
from cartio_platform.broker import Broker
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.messaging import Unit
from cartio_platform.outbox import OutboxRelay, add_to_outbox
from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings
from cartio_platform.tables import inbox_table, outbox_table
from cartio_platform.testing import Infra, TempDatabases, wait_until

METADATA = sa.MetaData()
OUTBOX = outbox_table(METADATA)


async def test_stopping_the_relay_right_after_a_commit_publishes_every_committed_event(
    infra: Infra, namespace: str, databases: TempDatabases
) -> None:
    engine = make_engine(await databases.create("graceful"))
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    db = make_sessionmaker(engine)
    topology = Topology(f"{namespace}.graceful")
    broker = Broker(infra.amqp_url, topology, name="graceful-test")
    await broker.start(wait=10)
    probe_conn = await aio_pika.connect(infra.amqp_url)
    try:
        channel = await probe_conn.channel()
        probe = await channel.declare_queue(exclusive=True)
        await probe.bind(topology.events_exchange, routing_key="#")
        relay = OutboxRelay(broker, db, OUTBOX, batch=50, poll_interval=30.0)
        await relay.start()
        envs = [CartDeleted(cart_id=uuid.uuid4(), reason="shopper", deleted_at=datetime.now(UTC)).envelope("s1")
                for _ in range(300)]
        async with db() as s, s.begin():
            for env in envs:
                await add_to_outbox(s, OUTBOX, env, exchange=topology.events_exchange)

        await relay.stop()  # at once: the relay's own pass may not even have begun

        async with db() as s:
            pending = await s.scalar(sa.select(sa.func.count()).where(OUTBOX.c.published_at.is_(None)))
        assert pending == 0
        seen: set[Any] = set()
        while (message := await probe.get(fail=False, timeout=5)) is not None:
            await message.ack()
            seen.add(message.message_id)
        assert seen == {str(e.message_id) for e in envs}
    finally:
        await probe_conn.close()
        await broker.stop()
        await engine.dispose()


# --- the drain: a consumer stopped mid-message finishes it, takes no other, then flushes and closes -----------

DRAIN_METADATA = sa.MetaData()
inbox_table(DRAIN_METADATA)
outbox_table(DRAIN_METADATA)
HANDLED = sa.Table(
    "handled", DRAIN_METADATA,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("message_id", sa.Uuid, nullable=False),
)


class SlowService:
    """A service whose handler takes `seconds` (a slow BigCommerce call, say), then records the message and
    emits an event: what a SIGTERMed replica has in flight."""

    def __init__(self, runtime: Runtime, seconds: float) -> None:
        self.runtime = runtime
        self.seconds = seconds
        self.started = asyncio.Event()
        runtime.consume("work", {CartDeleted: self.on_cart_deleted})

    async def on_cart_deleted(self, message: CartDeleted, unit: Unit) -> None:
        self.started.set()
        await asyncio.sleep(self.seconds)
        assert unit.envelope is not None
        await unit.session.execute(HANDLED.insert().values(store_hash=unit.store_hash,
                                                           message_id=unit.envelope.message_id))
        await unit.emit(BlacklistRulesChanged(rule_id=1, change="updated", changed_at=datetime.now(UTC)))


async def _slow_service(infra: Infra, namespace: str, databases: TempDatabases, *, seconds: float,
                        drain_timeout: float) -> SlowService:
    url = await databases.create("drain")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(DRAIN_METADATA.create_all)
    await engine.dispose()
    settings = ServiceSettings(
        service_name="drain", namespace=f"{namespace}.drain{uuid.uuid4().hex[:6]}", amqp_url=infra.amqp_url,
        database_url=url, prefetch=1, drain_timeout=drain_timeout, outbox_poll_interval=30.0,
    )
    return SlowService(Runtime(settings, tables=DRAIN_METADATA), seconds)


async def _queue_contents(infra: Infra, queue: str) -> list[str]:
    """Message ids ready in `queue`, taken and left there (nothing consumes it once the service stopped)."""
    connection = await aio_pika.connect(infra.amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        ids = []
        for _ in range(declared.declaration_result.message_count or 0):
            message = await declared.get(fail=False, timeout=5)
            if message is not None:
                ids.append(str(message.message_id))
        await channel.close()  # unacked: they stay in the queue
        return ids


async def _publish_two(service: SlowService) -> list[Envelope]:
    runtime = service.runtime
    await runtime.broker.wait_connected(10)
    queue = runtime.topology.queue("drain", "work")

    async def consuming() -> bool:
        channel = await runtime.broker.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
            return (declared.declaration_result.consumer_count or 0) > 0
        finally:
            await channel.close()

    await wait_until(consuming, timeout=10, what="the service consuming")
    envs = [CartDeleted(cart_id=uuid.uuid4(), reason="shopper", deleted_at=datetime.now(UTC)).envelope("s1")
            for _ in range(2)]
    for env in envs:
        await runtime.broker.publish(env, exchange=runtime.topology.events_exchange, routing_key=env.type)
    return envs


async def test_stopping_a_service_mid_message_finishes_that_message_once_and_leaves_the_next_in_the_queue(
    infra: Infra, namespace: str, databases: TempDatabases
) -> None:
    service = await _slow_service(infra, namespace, databases, seconds=1.0, drain_timeout=10.0)
    runtime = service.runtime
    await runtime.start()
    await runtime.broker.wait_connected(10)
    probe_conn = await aio_pika.connect(infra.amqp_url)
    try:
        probe = await (await probe_conn.channel()).declare_queue(exclusive=True)
        await probe.bind(runtime.topology.events_exchange, routing_key=BlacklistRulesChanged.TYPE)
        first, second = await _publish_two(service)
        await asyncio.wait_for(service.started.wait(), 10)

        began = time.monotonic()
        await runtime.stop()  # what SIGTERM runs (the lifespan's shutdown)
        took = time.monotonic() - began

        assert took < 10.0  # the handler's second, the flush and the close; not the drain timeout
        check = make_engine(runtime.settings.database_url)
        try:
            async with check.connect() as conn:
                handled = (await conn.execute(sa.select(HANDLED.c.message_id))).scalars().all()
                pending = await conn.scalar(sa.select(sa.func.count()).select_from(DRAIN_METADATA.tables["outbox"])
                                            .where(DRAIN_METADATA.tables["outbox"].c.published_at.is_(None)))
        finally:
            await check.dispose()
        # The message in flight was finished, once; the next was not taken.
        assert handled == [first.message_id]
        # Its event left before the process would have exited.
        assert pending == 0
        emitted = [Envelope.from_bytes(m.body) async for m in _drain_probe(probe)]
        assert [e.causation_id for e in emitted] == [str(first.message_id)]
        # Acked, so not redelivered to another replica; the second waits in the queue for one.
        assert await _queue_contents(infra, runtime.topology.queue("drain", "work")) == [str(second.message_id)]
    finally:
        await probe_conn.close()


async def test_a_message_slower_than_the_drain_timeout_goes_back_to_the_queue_and_the_stop_is_not_held(
    infra: Infra, namespace: str, databases: TempDatabases
) -> None:
    service = await _slow_service(infra, namespace, databases, seconds=60.0, drain_timeout=0.5)
    runtime = service.runtime
    await runtime.start()
    first, second = await _publish_two(service)
    await asyncio.wait_for(service.started.wait(), 10)

    began = time.monotonic()
    await runtime.stop()
    took = time.monotonic() - began

    assert took < 5.0
    assert sorted(await _queue_contents(infra, runtime.topology.queue("drain", "work"))) == sorted(
        [str(first.message_id), str(second.message_id)]
    )


async def _drain_probe(queue: aio_pika.abc.AbstractQueue) -> Any:
    while (message := await queue.get(fail=False, timeout=5)) is not None:
        await message.ack()
        yield message
