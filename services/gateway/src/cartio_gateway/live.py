"""The live feed: cart events of each store, stored for replay and streamed as server-sent events.

How an event reaches a browser, with any number of gateway replicas:

1. The gateway's consumer (queue `gateway.live`, shared by all replicas: each message reaches one of them)
   writes the event to `live_events` in the consumer's transaction and calls `pg_notify('cartio_live',
   <store_hash>)` in the same transaction. PostgreSQL delivers a NOTIFY only when that transaction commits,
   so nobody is woken for a row they cannot see yet.
2. Every replica holds one connection that LISTENs on `cartio_live`; a notification wakes that replica's
   streams of the store, which read the rows after the last id they sent. So a browser connected to any
   replica gets events consumed by any other.
3. The streams of a store that a wake finds waiting share one read: each asks for what follows its own last id,
   one query reads from the smallest of them, and each takes its part (`_Read`), so a wake costs one query per
   store, whatever the number of browsers.
4. Should the LISTEN connection drop, streams poll every `live_poll_interval` (200 ms) until it is back, and
   all are woken once it is, so nothing notified in between is missed.

Ids (`seq`) come from one sequence; the writer takes a per-store advisory lock before inserting, so within a
store ids become visible in increasing order and "everything after id N" never skips a late commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import make_url

from cartio_contracts import Message
from cartio_contracts.messages import CartAbandoned, CartConverted, CartDeleted, CartUpserted
from cartio_gateway import tables as t
from cartio_gateway.domain import LiveEvent, sse_comment, sse_event
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

log = get_logger(__name__)

CHANNEL = "cartio_live"
LISTENER_NAME = "cartio-gateway-live"  # application_name of the LISTEN connection (pg_stat_activity)
LIVE_MODELS: tuple[type[Message], ...] = (CartUpserted, CartDeleted, CartConverted, CartAbandoned)
_LOCK_CLASS = 7_140_001  # first key of the per-store advisory lock (second: hashtext(store_hash))
_BATCH = 500


async def store_live_event(message: Message, unit: Unit) -> None:
    """Consumer handler: keep the event for the store's live streams and notify them at commit."""
    envelope, session = unit.envelope, unit.session
    assert envelope is not None  # a consumer's unit always has its message
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(_LOCK_CLASS, sa.func.hashtext(envelope.store_hash)))
    )
    # The SSE `data`: the message body as published (`cart` or `cart_id`, ...), with its type and time.
    payload = {**envelope.data}
    payload.setdefault("type", envelope.type)
    payload.setdefault("occurred_at", envelope.occurred_at.isoformat())
    await session.execute(
        t.live_events.insert().values(
            store_hash=envelope.store_hash, type=envelope.type, data=payload, message_id=envelope.message_id
        )
    )
    await session.execute(sa.select(sa.func.pg_notify(CHANNEL, envelope.store_hash)))


class _Read:
    """One coming read of a store's events, shared by the streams that ask before it starts."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.result: asyncio.Future[list[LiveEvent]] = asyncio.get_running_loop().create_future()


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _conn: event.set()


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class LiveHub:
    """This replica's streams, grouped by store, and the LISTEN connection that wakes them."""

    def __init__(self, database_url: str, sessionmaker: SessionMaker, *, poll_interval: float = 0.2) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._db = sessionmaker
        self.poll_interval = poll_interval
        self._subscribers: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._session_streams: dict[str, int] = defaultdict(int)
        self._reads: dict[str, _Read] = {}  # per store, the read not yet started
        self._read_tasks: set[asyncio.Task[None]] = set()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="live-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.wake_all()

    async def wait_listening(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout)
        return self.listening

    # -- waking ------------------------------------------------------------------------------------------

    def streams(self, store_hash: str, session_id: str) -> tuple[int, int]:
        """Open streams on this replica: (of the store, of the session). A new one is admitted below the caps;
        streams that start at the same instant may pass a cap by one or two, never more."""
        return len(self._subscribers.get(store_hash, ())), self._session_streams.get(session_id, 0)

    def subscribe(self, store_hash: str) -> asyncio.Event:
        event = asyncio.Event()
        self._subscribers[store_hash].add(event)
        return event

    def unsubscribe(self, store_hash: str, event: asyncio.Event) -> None:
        subs = self._subscribers.get(store_hash)
        if subs is not None:
            subs.discard(event)
            if not subs:
                del self._subscribers[store_hash]

    def wake(self, store_hash: str) -> None:
        for event in self._subscribers.get(store_hash, ()):
            event.set()

    def wake_all(self) -> None:
        for subs in self._subscribers.values():
            for event in subs:
                event.set()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.wake(payload)

    async def _listen_forever(self) -> None:
        backoff = 0.2
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(
                    self._dsn, timeout=5, server_settings={"application_name": LISTENER_NAME}
                )
                closed = asyncio.Event()
                conn.add_termination_listener(_setter(closed))
                await conn.add_listener(CHANNEL, self._on_notify)
                self._listening.set()
                backoff = 0.2
                self.wake_all()  # anything committed while we were not listening
                log.info("live feed listening")
                while not closed.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(closed.wait(), 10)
                    if not closed.is_set():
                        await asyncio.wait_for(conn.execute("SELECT 1"), 5)  # a dead peer shows here
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live feed LISTEN connection lost; polling meanwhile", error=str(exc), retry_in=backoff)
            finally:
                self._listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
            self.wake_all()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    # -- reading -----------------------------------------------------------------------------------------

    async def latest_seq(self, store_hash: str) -> int:
        async with self._db() as db:
            value = await db.scalar(
                sa.select(sa.func.coalesce(sa.func.max(t.live_events.c.seq), 0)).where(
                    t.live_events.c.store_hash == store_hash
                )
            )
        return int(value or 0)

    async def events_after(self, store_hash: str, after: int, limit: int = _BATCH) -> list[LiveEvent]:
        le = t.live_events
        async with self._db() as db:
            rows = (
                await db.execute(
                    sa.select(le.c.seq, le.c.type, le.c.data)
                    .where(le.c.store_hash == store_hash, le.c.seq > after)
                    .order_by(le.c.seq)
                    .limit(limit)
                )
            ).all()
        return [LiveEvent(r.seq, r.type, r.data) for r in rows]

    async def shared_events_after(self, store_hash: str, after: int) -> tuple[list[LiveEvent], bool]:
        """The store's events after `after`, read with the other streams of the store asking now; and whether
        there may be more (the read was a full batch)."""
        read = self._reads.get(store_hash)
        if read is None:
            read = self._reads[store_hash] = _Read(after)
            task = asyncio.create_task(self._run_read(store_hash, read), name="live-read")
            self._read_tasks.add(task)
            task.add_done_callback(self._read_tasks.discard)
        else:
            read.after = min(read.after, after)
        rows = await asyncio.shield(read.result)
        return [e for e in rows if e.seq > after], len(rows) >= _BATCH

    async def _run_read(self, store_hash: str, read: _Read) -> None:
        await asyncio.sleep(0)  # the streams woken with this one ask before the read starts
        # From now on a stream that asks gets a read of its own: this one may predate what woke it.
        del self._reads[store_hash]
        try:
            read.result.set_result(await self.events_after(store_hash, read.after))
        except Exception as exc:
            read.result.set_exception(exc)
            read.result.exception()  # retrieved by the streams that wait; never "never retrieved" if none

    async def stream(
        self,
        store_hash: str,
        after: int,
        *,
        heartbeat: float,
        still_valid: Callable[[], Awaitable[bool]],
        session_id: str = "",
    ) -> AsyncIterator[str]:
        """SSE text for one browser: everything of `store_hash` after id `after`, then each new event as it
        commits; a heartbeat comment every `heartbeat` seconds, when the session is also re-checked."""
        waiter = self.subscribe(store_hash)
        self._session_streams[session_id] += 1
        try:
            yield "retry: 2000\n" + sse_comment("connected")
            next_beat = time.monotonic() + heartbeat
            while True:
                waiter.clear()
                try:
                    events, more = await self.shared_events_after(store_hash, after)
                except Exception as exc:
                    log.warning("live feed read failed; ending the stream", store_hash=store_hash, error=str(exc))
                    return
                for event in events:
                    yield sse_event(event)
                    after = event.seq
                if more:
                    continue
                now = time.monotonic()
                if now >= next_beat:
                    try:
                        valid = await still_valid()
                    except Exception as exc:
                        log.warning("live feed session check failed", store_hash=store_hash, error=str(exc))
                        valid = True  # the database is briefly away: keep the stream, check again later
                    if not valid:
                        yield "event: session_ended\ndata: {}\n\n"
                        return
                    yield sse_comment("heartbeat")
                    next_beat = now + heartbeat
                wait = next_beat - now
                if not self.listening:
                    wait = min(wait, self.poll_interval)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.wait(), max(wait, 0.01))
        finally:
            self.unsubscribe(store_hash, waiter)
            self._session_streams[session_id] -= 1
            if self._session_streams[session_id] <= 0:
                del self._session_streams[session_id]
