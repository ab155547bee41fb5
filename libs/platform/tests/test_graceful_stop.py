"""A service stopping (SIGTERM) publishes what its transactions committed before it exits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import sqlalchemy as sa

from cartio_contracts import Topology
from cartio_contracts.messages import CartDeleted
from cartio_platform.broker import Broker
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.outbox import OutboxRelay, add_to_outbox
from cartio_platform.tables import outbox_table
from cartio_platform.testing import Infra, TempDatabases

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
