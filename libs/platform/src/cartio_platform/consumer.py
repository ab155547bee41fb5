"""A queue consumer: inbox for effectively-once, ack after commit, retries through delay queues, parking.

For every message: parse the envelope, open one transaction, record the message id in the inbox (a seen id
ends the work: redeliveries are harmless), run the handler, commit, and only then ack. A failing handler's
message is republished to `<queue>.delay.<n>` (a TTL queue that dead-letters back to the queue) and acked;
after the last delay it is parked in `<queue>.dead` with its error. Malformed messages and `Permanent`
errors are parked at once, since retrying cannot fix them.

A message is parked too once the queue has delivered it `delivery_limit` times (a handler that crashes the
process or loses its channel never acks it). A failure while PostgreSQL or RabbitMQ is down (cartio_platform.infra)
costs no attempt: the message waits, unacked, until the infrastructure answers and is then handled again.

A consumer whose channel closes (a deleted queue, a 404 on its channel) or that the broker cancels asks the
broker for a fresh connection, which declares everything again and starts every consumer; `is_consuming` tells
/readyz whether it is taking messages.

Stopping (SIGTERM) drains: `stop_consuming` cancels the consumer tag, so the broker sends nothing more (a
delivery already on its way is handed back at once), and `wait_idle` waits for the handlers in flight, so their
messages are committed and acked rather than cut off and redelivered to another replica.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts import Envelope, Topology
from cartio_platform.broker import Broker, Connection
from cartio_platform.db import SessionMaker
from cartio_platform.infra import Probe, infrastructure_probe, is_infrastructure_error
from cartio_platform.logging import bind_correlation_id, get_logger
from cartio_platform.metrics import HANDLER_SECONDS, MESSAGES_CONSUMED
from cartio_platform.queues import copy_message, declare_queues, replay_parked

log = get_logger(__name__)

# What the consumer runs per message type; services write typed handlers (cartio_platform.messaging), which the
# registry turns into these.
RawHandler = Callable[[AsyncSession, Envelope], Awaitable[None]]

ATTEMPT_HEADER = "x-cartio-attempt"
ERROR_HEADER = "x-cartio-error"
# Set by quorum queues: how many times the message was delivered before and not acked.
DELIVERY_COUNT_HEADER = "x-delivery-count"
DELIVERY_LIMIT = 20
# Between checks that the infrastructure answers again, while messages wait through an outage.
PAUSE_BACKOFF = (0.2, 5.0)


Outcome = Literal["again", "failed", "leave"]


class Permanent(Exception):
    """A failure no retry will fix (bad data, a rule violated): the message is parked at once."""


class Dropped(Exception):
    """A message not worth keeping (a beacon of a store not installed): acked, and nothing of its transaction,
    not even its inbox row, is written."""


@dataclass
class Consumer:
    broker: Broker
    sessionmaker: SessionMaker
    inbox: Any  # the service's inbox Table
    queue: str
    bindings: list[tuple[str, str]]
    handlers: dict[str, RawHandler]
    retry_delays: list[float] = field(default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0])
    prefetch: int = 32
    delivery_limit: int = DELIVERY_LIMIT
    probe: Probe | None = None  # None: the database and broker of this consumer
    # Bindings this queue once had and must not keep (a type moved to a queue of its own): removed at start.
    unbind: list[tuple[str, str]] = field(default_factory=list)
    _channel: AbstractChannel | None = field(default=None, init=False)
    _queue: AbstractQueue | None = field(default=None, init=False)
    _consumer_tag: str | None = field(default=None, init=False)
    _draining: bool = field(default=False, init=False)
    _in_flight: set[asyncio.Task[Any]] = field(default_factory=set, init=False)
    _outage: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def __post_init__(self) -> None:
        if self.probe is None:
            self.probe = infrastructure_probe(self.sessionmaker, self.broker)

    @property
    def is_consuming(self) -> bool:
        """Taking messages now: an open channel with a live consumer (false while reconnecting or draining)."""
        channel = self._channel
        return channel is not None and not channel.is_closed and self._consumer_tag is not None

    def attach(self) -> None:
        """Start consuming on every (re)connect of the broker."""
        self.broker.on_connect(self._start)

    async def _start(self, connection: Connection) -> None:
        if self._draining:  # a reconnect while stopping must not start consuming again
            return
        self._consumer_tag = None
        await declare_queues(connection, self.queue, self.retry_delays)
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await channel.get_queue(self.queue, ensure=True)
        for exchange, routing_key in self.bindings:
            await queue.bind(exchange, routing_key)
        for exchange, routing_key in self.unbind:
            await queue.unbind(exchange, routing_key)
        self._channel = channel
        self._queue = queue
        self._consumer_tag = await queue.consume(self._on_message)
        # A channel closed under us or a consumer the broker cancelled (its queue deleted) would leave this
        # replica consuming nothing for good: start again on a fresh connection.
        channel.close_callbacks.add(self._lost)
        (await channel.get_underlay_channel()).on_consumer_cancel_callbacks.add(self._cancelled)
        self.broker.watch_queue(self.queue)
        log.info("consuming", queue=self.queue, bindings=[rk for _, rk in self.bindings])

    def _lost(self, _channel: object, reason: BaseException | None = None) -> None:
        self._consumer_tag = None
        if not self._draining:
            self.broker.request_reconnect(f"channel of {self.queue} closed: {reason!r}")

    async def _cancelled(self, _frame: object) -> None:
        self._consumer_tag = None
        if not self._draining:
            self.broker.request_reconnect(f"the broker cancelled the consumer of {self.queue}")

    async def stop_consuming(self) -> None:
        """Take no new messages: the broker stops delivering to this replica (the first step of a drain)."""
        self._draining = True
        queue, tag = self._queue, self._consumer_tag
        self._consumer_tag = None
        if queue is None or tag is None:
            return
        try:
            await queue.cancel(tag)
        except Exception as exc:  # the channel is gone: nothing more can arrive on it anyway
            log.warning("consumer cancel failed", queue=self.queue, error=str(exc) or type(exc).__name__)

    async def wait_idle(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the handlers in flight; return how many were still running.

        Those go back to the queue unacked when the connection closes (the inbox makes the redelivery harmless)."""
        running = {task for task in self._in_flight if not task.done()}
        if not running:
            return 0
        log.info("waiting for messages in flight", queue=self.queue, count=len(running))
        _, pending = await asyncio.wait(running, timeout=max(0.0, timeout))
        if pending:
            log.warning("messages still in flight at the drain timeout; they return to the queue unacked",
                        queue=self.queue, count=len(pending))
        return len(pending)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        if self._draining:
            # Delivered between our cancel and the broker's cancel-ok: back at once for another replica.
            await _nack(message)
            return
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._handle(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        started = time.perf_counter()
        try:
            envelope = Envelope.from_bytes(message.body)
        except ValidationError as exc:
            await self._park(message, f"malformed envelope: {exc.errors()[:3]}")
            return
        bind_correlation_id(envelope.correlation_id or str(envelope.message_id))
        deliveries = (message.headers or {}).get(DELIVERY_COUNT_HEADER, 0)
        if isinstance(deliveries, int) and deliveries >= self.delivery_limit:
            log.error("message parked: delivered too often without an ack", type=envelope.type,
                      deliveries=deliveries)
            await self._park(message, f"delivered {deliveries} times without an ack (crash or lost channel)")
            return
        attempt = _attempt(message)
        handler = self.handlers.get(envelope.type)
        tries = 0
        while True:
            try:
                async with self.sessionmaker() as session, session.begin():
                    first_time = await _claim(session, self.inbox, self.queue, envelope)
                    if first_time and handler is not None:
                        await handler(session, envelope)
                break
            except Dropped as exc:
                log.info("message dropped", type=envelope.type, message_id=str(envelope.message_id), why=str(exc))
                MESSAGES_CONSUMED.labels(queue=self.queue, outcome="dropped").inc()
                await _ack(message)
                return
            except Permanent as exc:
                log.warning("message refused", type=envelope.type, message_id=str(envelope.message_id),
                            error=str(exc))
                await self._park(message, f"{type(exc).__name__}: {exc}")
                return
            except Exception as exc:
                outcome = await self._wait_out_outage(message, exc, tries)
                if outcome == "again":
                    tries += 1
                    continue
                if outcome == "failed":
                    await self._retry_or_park(message, envelope, attempt, exc)
                return  # "leave": not acked, so the broker delivers it again; no attempt counted
            finally:
                HANDLER_SECONDS.labels(queue=self.queue).observe(time.perf_counter() - started)
        done = "handled" if first_time else "duplicate"
        if handler is None:
            done = "ignored"
        MESSAGES_CONSUMED.labels(queue=self.queue, outcome=done).inc()
        if done == "duplicate":
            log.info("duplicate skipped", type=envelope.type, message_id=str(envelope.message_id))
        await _ack(message)

    async def _wait_out_outage(self, message: AbstractIncomingMessage, exc: Exception, tries: int) -> Outcome:
        """After a failure: "failed" when the system is healthy (a real failure, counted); else wait until the
        database and broker answer and say "again" (handle it again, no attempt counted), or "leave" when the
        message cannot be acked any more (its channel closed, or draining): the broker delivers it again."""
        assert self.probe is not None
        down = await self.probe()
        if down is None and not is_infrastructure_error(exc):
            return "failed"
        MESSAGES_CONSUMED.labels(queue=self.queue, outcome="waited").inc()
        delay, longest = PAUSE_BACKOFF
        if down is None:  # a connection failed, yet everything answers now: again, a little later each time
            await asyncio.sleep(min(delay * 2**tries, longest))
            return "leave" if self._draining or message.channel.is_closed else "again"
        # One handler probes for all: the others wait on the lock and find the outage over.
        async with self._outage:
            logged = False
            while (down := await self.probe()) is not None:
                if self._draining or message.channel.is_closed:
                    return "leave"
                if not logged:
                    log.warning("infrastructure down; messages wait without using their retries",
                                queue=self.queue, down=down, error=f"{type(exc).__name__}: {exc}"[:300])
                    logged = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, longest)
            if logged:
                log.info("infrastructure answers again; handling the waiting messages", queue=self.queue)
        return "leave" if self._draining or message.channel.is_closed else "again"

    async def _retry_or_park(
        self, message: AbstractIncomingMessage, envelope: Envelope, attempt: int, exc: Exception
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if attempt >= len(self.retry_delays):
            log.error("message parked after retries", type=envelope.type, attempts=attempt + 1, error=error,
                      trace=traceback.format_exc(limit=5))
            await self._park(message, error)
            return
        log.warning("handler failed; will retry", type=envelope.type, attempt=attempt + 1,
                    retry_in=self.retry_delays[attempt], error=error)
        try:
            await self.broker.publish_message(
                copy_message(message, {ATTEMPT_HEADER: attempt + 1, ERROR_HEADER: error[:1000]}),
                exchange="",
                routing_key=Topology.delay_for(self.queue, self.retry_delays[attempt]),
            )
        except Exception as publish_exc:
            # Not acked: the broker redelivers it (and counts it against the delivery limit).
            log.error("could not schedule retry; leaving unacked", error=str(publish_exc))
            await _nack(message)
            return
        MESSAGES_CONSUMED.labels(queue=self.queue, outcome="retried").inc()
        await _ack(message)

    async def _park(self, message: AbstractIncomingMessage, error: str) -> None:
        try:
            await self.broker.publish_message(
                copy_message(message, {ERROR_HEADER: error[:1000]}), exchange="", routing_key=Topology.dead(self.queue)
            )
        except Exception as exc:
            log.error("could not park message; leaving unacked", error=str(exc))
            await _nack(message)
            return
        MESSAGES_CONSUMED.labels(queue=self.queue, outcome="parked").inc()
        await _ack(message)


async def _claim(session: AsyncSession, inbox: Any, consumer: str, envelope: Envelope) -> bool:
    stmt = (
        pg_insert(inbox)
        .values(
            consumer=consumer,
            message_id=envelope.message_id,
            store_hash=envelope.store_hash,
            message_type=envelope.type,
        )
        .on_conflict_do_nothing()
        .returning(inbox.c.message_id)
    )
    return (await session.execute(stmt)).first() is not None


def _attempt(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(ATTEMPT_HEADER, 0)
    return value if isinstance(value, int) else 0



async def _ack(message: AbstractIncomingMessage) -> None:
    try:
        await message.ack()
    except Exception as exc:  # channel gone since delivery: it will be redelivered; the inbox makes it harmless
        log.warning("ack failed; message will be redelivered", error=str(exc))


async def _nack(message: AbstractIncomingMessage) -> None:
    try:
        await message.nack(requeue=True)
    except Exception as exc:
        log.warning("nack failed", error=str(exc))


__all__ = ["Consumer", "Permanent", "RawHandler", "declare_queues", "replay_parked"]
