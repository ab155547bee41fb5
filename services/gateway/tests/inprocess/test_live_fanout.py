"""The live feed's reads (issue 13, point 7): the streams of one store share one query per wake, and each still
gets every event. In-process: the real LiveHub over the real PostgreSQL (LISTEN/NOTIFY), queries counted by a
SQLAlchemy event listener."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from cartio_gateway import tables as t
from cartio_gateway.live import CHANNEL, LiveHub
from cartio_platform.db import make_engine, make_sessionmaker
from cartio_platform.testing import TempDatabases, wait_until

STREAMS = 8


class Feed:
    """A hub, the queries it sends about live_events per store, and browsers' streams collecting event ids."""

    def __init__(self, engine: Any, hub: LiveHub) -> None:
        self.engine, self.hub = engine, hub
        self.reads: list[str] = []  # the parameters of each query of live_events, as text
        self.tasks: list[asyncio.Task[None]] = []
        sa.event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM live_events" in statement and "max(" not in statement:
            self.reads.append(str(parameters))

    def reads_of(self, store: str) -> int:
        return sum(store in params for params in self.reads)

    def open(self, store: str) -> list[int]:
        received: list[int] = []

        async def valid() -> bool:
            return True

        async def browse() -> None:
            async for chunk in self.hub.stream(store, 0, heartbeat=60, still_valid=valid, session_id=store):
                received.extend(int(line[4:]) for line in chunk.splitlines() if line.startswith("id: "))

        self.tasks.append(asyncio.create_task(browse()))
        return received

    async def publish(self, store: str, count: int) -> list[int]:
        """`count` events of the store committed in one transaction: one notification, one wake."""
        async with self.engine.begin() as conn:
            seqs = [int((await conn.execute(t.live_events.insert().values(
                store_hash=store, type="cart.upserted", data={"n": n}, message_id=uuid.uuid4(),
            ).returning(t.live_events.c.seq))).scalar_one()) for n in range(count)]
            await conn.execute(sa.select(sa.func.pg_notify(CHANNEL, store)))
        return seqs


@pytest.fixture
async def feed(databases: TempDatabases) -> AsyncIterator[Feed]:
    url = await databases.create("gwlive")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(t.metadata.create_all)
    hub = LiveHub(url, make_sessionmaker(engine), poll_interval=0.2)
    await hub.start()
    assert await hub.wait_listening(10)
    feed = Feed(engine, hub)
    try:
        yield feed
    finally:
        for task in feed.tasks:
            task.cancel()
        await asyncio.gather(*feed.tasks, return_exceptions=True)
        await hub.stop()
        await engine.dispose()


async def test_the_streams_of_one_store_share_one_query_per_wake_and_each_gets_every_event(feed: Feed) -> None:
    store, other = f"s{uuid.uuid4().hex[:10]}", f"o{uuid.uuid4().hex[:10]}"
    browsers = [feed.open(store) for _ in range(STREAMS)]
    elsewhere = feed.open(other)
    await wait_until(lambda: feed.hub.streams(store, store)[0] == STREAMS, what="the streams open")
    first = await feed.publish(store, 1)
    await wait_until(lambda: all(b == first for b in browsers), what="every stream has the first event")

    before = feed.reads_of(store)
    second = await feed.publish(store, 3)
    await wait_until(lambda: all(b == first + second for b in browsers), what="every stream has the next three")
    assert feed.reads_of(store) - before == 1  # not one per stream
    third = await feed.publish(store, 2)
    await wait_until(lambda: all(b == first + second + third for b in browsers), what="and the two after")
    assert feed.reads_of(store) - before == 2
    # another store's stream was not woken, read nothing of these, got nothing
    assert elsewhere == []
