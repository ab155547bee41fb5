"""The service kit against the real PostgreSQL and RabbitMQ: publisher, consumer, inbox, retries, outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts import Envelope, Topology
from cartio_contracts.messages import CartDeleted
from cartio_platform.broker import Broker, BrokerUnavailable
from cartio_platform.consumer import Consumer, Permanent, replay_parked
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.errors import install_error_handlers
from cartio_platform.health import broker_check, database_check, health_router
from cartio_platform.outbox import OutboxRelay, add_to_outbox
from cartio_platform.tables import inbox_table, outbox_table
from cartio_platform.testing import Infra, TempDatabases, wait_until

METADATA = sa.MetaData()
INBOX = inbox_table(METADATA)
OUTBOX = outbox_table(METADATA)


def event(store: str = "s1") -> Envelope:
    return CartDeleted(cart_id=uuid.uuid4(), reason="shopper", deleted_at=datetime.now(UTC)).envelope(store)


@pytest.fixture
async def db(databases: TempDatabases) -> AsyncIterator[Any]:
    url = await databases.create("platform")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def broker(infra: Infra, namespace: str) -> AsyncIterator[Broker]:
    ns = f"{namespace}.{uuid.uuid4().hex[:6]}"
    b = Broker(infra.amqp_url, Topology(ns), name="test")
    await b.start(wait=10)
    yield b
    await b.stop()


async def bind_probe(broker: Broker, routing_key: str = "#") -> aio_pika.abc.AbstractQueue:
    channel = await broker.channel()
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(broker.topology.events_exchange, routing_key)
    return queue


async def drain(queue: aio_pika.abc.AbstractQueue) -> list[Envelope]:
    got = []
    while (m := await queue.get(no_ack=True, fail=False)) is not None:
        got.append(Envelope.from_bytes(m.body))
    return got


async def test_publish_waits_for_confirm_and_arrives_persistent(broker: Broker) -> None:
    probe = await bind_probe(broker)
    env = event()
    await broker.publish(env, exchange=broker.topology.events_exchange, routing_key=env.type)
    msg = await wait_until(lambda: probe.get(no_ack=True, fail=False), what="published message")
    assert msg.message_id == str(env.message_id)
    assert msg.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert msg.type == "cart.deleted"
    assert Envelope.from_bytes(msg.body) == env


async def test_unroutable_message_is_an_error(broker: Broker) -> None:
    env = event()
    with pytest.raises(BrokerUnavailable, match="unroutable"):
        await broker.publish(env, exchange="", routing_key=f"{broker.topology.namespace}.no.such.queue")


async def test_event_nobody_consumes_yet_is_kept_in_unrouted(broker: Broker) -> None:
    env = event()
    await broker.publish(env, exchange=broker.topology.events_exchange, routing_key="nobody.listens")
    channel = await broker.channel()
    queue = await channel.declare_queue(broker.topology.unrouted, passive=True)
    kept = await wait_until(lambda: queue.get(no_ack=True, fail=False), what="unrouted message")
    assert kept.message_id == str(env.message_id)
    await channel.close()


async def test_publish_without_connection_is_refused(infra: Infra) -> None:
    b = Broker("amqp://guest:guest@127.0.0.1:1/", Topology("nowhere"), name="down", connect_timeout=0.2)
    await b.start()
    with pytest.raises(BrokerUnavailable):
        await b.publish(event(), exchange="nowhere.events", routing_key="x")
    await b.stop()


def make_consumer(broker: Broker, db: Any, handler: Any, delays: list[float] | None = None) -> Consumer:
    consumer = Consumer(
        broker=broker, sessionmaker=db, inbox=INBOX, queue=broker.topology.queue("test", uuid.uuid4().hex[:6]),
        bindings=[(broker.topology.events_exchange, "cart.#")], handlers={"cart.deleted": handler},
        retry_delays=delays or [0.05, 0.1], prefetch=10,
    )
    consumer.attach()
    return consumer


async def reconnect(broker: Broker) -> None:
    """Drop the connection as a broker restart would; the supervisor reconnects and calls the hooks."""
    assert broker._connection is not None
    await broker._connection.close()
    await wait_until(lambda: broker.is_connected, timeout=10, what="reconnect")


async def test_consumer_handles_once_despite_redelivery(broker: Broker, db: Any) -> None:
    seen: list[uuid.UUID] = []

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        seen.append(envelope.message_id)

    consumer = make_consumer(broker, db, handler)
    await reconnect(broker)  # hooks run on connect: consumer starts
    env = event()
    for _ in range(3):
        await broker.publish(env, exchange=broker.topology.events_exchange, routing_key=env.type)
    await wait_until(lambda: len(seen) >= 1, what="handled")
    # the other two deliveries are acked as duplicates, not handled
    await wait_until(lambda: _queue_empty(broker, consumer.queue), what="queue drained")
    assert seen == [env.message_id]
    assert await _count(db, INBOX.c.consumer == consumer.queue) == 1


async def _count(db: Any, where: Any) -> int:
    async with db() as s:
        return int(await s.scalar(sa.select(sa.func.count()).select_from(INBOX).where(where)))


async def _queue_empty(broker: Broker, queue: str) -> bool:
    channel = await broker.channel()
    try:
        q = await channel.declare_queue(queue, passive=True)
        return q.declaration_result.message_count == 0 and q.declaration_result.consumer_count >= 1
    finally:
        await channel.close()


async def _dead(broker: Broker, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    channel = await broker.channel()
    q = await channel.declare_queue(f"{queue}.dead", passive=True)
    out = []
    while (m := await q.get(no_ack=False, fail=False)) is not None:
        out.append(m)
    await channel.close()  # unacked: they go back to the parking queue
    return out


async def test_failing_handler_is_retried_then_succeeds(broker: Broker, db: Any) -> None:
    attempts: list[int] = []

    async def flaky(session: AsyncSession, envelope: Envelope) -> None:
        attempts.append(1)
        await session.execute(sa.text("SELECT 1"))
        if len(attempts) < 3:
            raise RuntimeError("BigCommerce is down")

    consumer = make_consumer(broker, db, flaky)
    await reconnect(broker)
    env = event()
    await broker.publish(env, exchange=broker.topology.events_exchange, routing_key=env.type)
    await wait_until(lambda: len(attempts) == 3, what="third attempt")
    assert await wait_until(lambda: _count(db, INBOX.c.consumer == consumer.queue), what="inbox") == 1


async def test_exhausted_message_is_parked_with_its_error_and_can_be_replayed(broker: Broker, db: Any) -> None:
    fail = True
    handled: list[uuid.UUID] = []

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        if fail:
            raise RuntimeError("still failing")
        handled.append(envelope.message_id)

    consumer = make_consumer(broker, db, handler)
    await reconnect(broker)
    env = event()
    await broker.publish(env, exchange=broker.topology.events_exchange, routing_key=env.type)
    parked = await wait_until(lambda: _dead(broker, consumer.queue), what="parked message")
    assert parked[0].message_id == str(env.message_id)
    assert "still failing" in str(parked[0].headers["x-cartio-error"])
    assert handled == []

    fail = False
    assert await replay_parked(broker, consumer.queue) == 1
    await wait_until(lambda: handled == [env.message_id], what="replayed message handled")


async def test_permanent_error_and_malformed_messages_are_parked_at_once(broker: Broker, db: Any) -> None:
    calls: list[int] = []

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        calls.append(1)
        raise Permanent("cart id is not a UUID")

    consumer = make_consumer(broker, db, handler, delays=[30.0])
    await reconnect(broker)
    env = event()
    await broker.publish(env, exchange=broker.topology.events_exchange, routing_key=env.type)
    channel = await broker.channel()
    await channel.default_exchange.publish(aio_pika.Message(b"{not json"), routing_key=consumer.queue)
    async def both_parked() -> list[Any]:
        parked = await _dead(broker, consumer.queue)
        return parked if len(parked) == 2 else []

    parked = await wait_until(both_parked, what="both parked")
    errors = sorted(str(m.headers["x-cartio-error"]) for m in parked)
    assert errors[0].startswith("Permanent: cart id is not a UUID")
    assert errors[1].startswith("malformed envelope")
    assert calls == [1]


async def test_outbox_relay_publishes_after_commit_and_never_on_rollback(broker: Broker, db: Any) -> None:
    probe = await bind_probe(broker)
    relay = OutboxRelay(broker, db, OUTBOX, poll_interval=30.0)  # a long poll: only the commit wakes it
    await relay.start()
    try:
        committed, rolled_back = event(), event()
        async with db() as s, s.begin():
            await add_to_outbox(s, OUTBOX, committed, exchange=broker.topology.events_exchange)
        with pytest.raises(RuntimeError):
            async with db() as s, s.begin():
                await add_to_outbox(s, OUTBOX, rolled_back, exchange=broker.topology.events_exchange)
                raise RuntimeError("the change failed")
        got = await wait_until(lambda: drain(probe), timeout=5, what="outbox event")
        assert [e.message_id for e in got] == [committed.message_id]
        async def marked_published() -> bool:
            # The relay marks the row once RabbitMQ confirmed it: the probe may have the event a moment before.
            async with db() as s:
                return (await s.execute(sa.select(OUTBOX))).one().published_at is not None

        await wait_until(marked_published, timeout=5, what="the outbox row marked published")
    finally:
        await relay.stop()


async def test_two_relays_publish_each_row_once(broker: Broker, db: Any) -> None:
    probe = await bind_probe(broker)
    envs = [event() for _ in range(300)]
    async with db() as s, s.begin():
        for e in envs:
            await add_to_outbox(s, OUTBOX, e, exchange=broker.topology.events_exchange)
    a = OutboxRelay(broker, db, OUTBOX, batch=50)
    b = OutboxRelay(broker, db, OUTBOX, batch=50)
    await asyncio.gather(a.start(), b.start())
    received: list[Envelope] = []

    async def all_arrived() -> bool:
        received.extend(await drain(probe))
        return len(received) >= len(envs)

    try:
        await wait_until(all_arrived, timeout=20, what="300 events")
        await asyncio.sleep(0.3)
        received.extend(await drain(probe))
    finally:
        await a.stop()
        await b.stop()
    assert sorted(str(e.message_id) for e in received) == sorted(str(e.message_id) for e in envs)


async def test_readyz_reports_database_and_broker(broker: Broker, db: Any) -> None:
    from fastapi import FastAPI
    from httpx import ASGITransport, AsyncClient

    engine = db.kw["bind"]
    app = FastAPI()
    app.include_router(health_router({"database": database_check(engine), "broker": broker_check(broker)},
                                     "ops-token"))
    install_error_handlers(app)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t",
                           headers={"Authorization": "Bearer ops-token"}) as client:
        ok = await client.get("/readyz")
        assert ok.status_code == 200
        assert ok.json()["checks"] == {"database": "ok", "broker": "ok"}
        await broker.stop()
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["broker"].startswith("failing")
        assert (await client.get("/metrics")).status_code == 200


async def test_readiness_and_metrics_need_the_service_token_and_liveness_does_not(broker: Broker) -> None:
    from fastapi import FastAPI
    from httpx import ASGITransport, AsyncClient

    app = FastAPI()
    app.include_router(health_router({"broker": broker_check(broker)}, "ops-token"))
    install_error_handlers(app)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/healthz")).status_code == 200
        for path in ("/readyz", "/metrics"):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "ops-token"}):
                refused = await client.get(path, headers=headers)
                assert refused.status_code == 401, (path, headers)
                assert refused.json()["error"]["code"] == "unauthorized"
                assert "cartio_" not in refused.text
                assert "checks" not in refused.json()
            allowed = await client.get(path, headers={"Authorization": "Bearer ops-token"})
            assert allowed.status_code == 200


async def test_old_inbox_ids_and_published_events_are_pruned_but_pending_ones_kept(db: Any) -> None:
    from datetime import timedelta

    from cartio_platform.periodic import prune_messages

    old, recent, pending = event(), event(), event()
    async with db() as s, s.begin():
        for env in (old, recent, pending):
            await add_to_outbox(s, OUTBOX, env, exchange="x")
            await s.execute(INBOX.insert().values(consumer="c", message_id=env.message_id, store_hash="s1",
                                                  message_type=env.type))
        long_ago = datetime.now(UTC) - timedelta(days=30)
        await s.execute(sa.update(INBOX).where(INBOX.c.message_id == old.message_id).values(handled_at=long_ago))
        await s.execute(sa.update(OUTBOX).where(OUTBOX.c.message_id == old.message_id).values(published_at=long_ago))
        await s.execute(sa.update(OUTBOX).where(OUTBOX.c.message_id == recent.message_id)
                        .values(published_at=datetime.now(UTC)))
        await s.execute(sa.update(OUTBOX).where(OUTBOX.c.message_id == pending.message_id)
                        .values(created_at=long_ago))
    assert await prune_messages(db, INBOX, OUTBOX, timedelta(days=7)) == (1, 1)
    async with db() as s:
        left = set((await s.scalars(sa.select(OUTBOX.c.message_id))).all())
        seen = set((await s.scalars(sa.select(INBOX.c.message_id))).all())
    assert left == {recent.message_id, pending.message_id}  # an unpublished event is never dropped
    assert seen == {recent.message_id, pending.message_id}
