"""The typed message registry: a service maps each message model to the function that handles it.

```
runtime.consume("events", {CartUpserted: on_cart_upserted, OrderPlaced: on_order_placed})

async def on_cart_upserted(message: CartUpserted, unit: Unit) -> None: ...
```

From the models alone the platform derives the queue's bindings (`Message.EXCHANGE` and
`Message.binding_keys`), parses each envelope into its model (bad data is `Permanent`: parked at once), and
runs the handler in a `Unit`: one transaction in which the inbox is already claimed, with `emit` writing events
to the outbox carrying the incoming message's correlation id and, as causation id, its message id.
API routes and periodic work use the same `Unit` through `Runtime.unit(store_hash)`.

A listener (`Runtime.listen`) is the per-replica variant: an exclusive queue that goes with the connection, no
database and no inbox, for in-memory state refreshed by events (handlers get the message and its envelope).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_contracts import Envelope, Message, Topology
from cartio_platform.broker import Broker, Connection
from cartio_platform.consumer import Permanent, RawHandler
from cartio_platform.logging import bind_correlation_id, get_logger
from cartio_platform.outbox import add_to_outbox

log = get_logger(__name__)

# The message parameter is the model the handler is registered for; Any lets each handler name its own model.
Handler = Callable[[Any, "Unit"], Awaitable[None]]
ListenerHandler = Callable[[Any, Envelope], Awaitable[None]]


@dataclass
class Unit:
    """The unit of work a handler (or an API route) runs in: one transaction, events go to its outbox."""

    session: AsyncSession
    store_hash: str
    envelope: Envelope | None  # the message being handled; None in API or periodic work
    outbox: sa.Table
    topology: Topology
    correlation_id: str | None = None

    async def emit(self, message: Message, *, message_id: uuid.UUID | None = None) -> Envelope:
        """Write `message` to the outbox: published after this unit's transaction commits.

        `message_id` for a command whose id the caller derives (an Idempotency-Key's, so a repeat is the same)."""
        envelope = message.envelope(
            self.store_hash,
            message_id=message_id,
            correlation_id=self.correlation_id,
            causation_id=str(self.envelope.message_id) if self.envelope is not None else None,
        )
        await add_to_outbox(
            self.session, self.outbox, envelope,
            exchange=self.topology.exchange(message.EXCHANGE), routing_key=message.routing_key(),
        )
        return envelope


def correlation_of(envelope: Envelope) -> str:
    """What ties a chain of messages together: the first message's id, carried on by every later one."""
    return envelope.correlation_id or str(envelope.message_id)


def parse_as(model: type[Message], envelope: Envelope) -> Message:
    """The envelope's body as `model`; bad data is `Permanent` since no retry can fix it."""
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise Permanent(f"{envelope.type} data is invalid: {exc.errors()[:3]}") from None


def bindings_for(
    models: Sequence[type[Message]], topology: Topology, webhook_scopes: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(exchange, routing key) for every model, from the models themselves."""
    return [
        (topology.exchange(model.EXCHANGE), key)
        for model in models
        for key in model.binding_keys(tuple(webhook_scopes))
    ]


def dispatch_table(handlers: Mapping[type[Message], Handler], outbox: sa.Table, topology: Topology
                   ) -> dict[str, RawHandler]:
    """For the consumer: message type -> a function that parses the envelope and runs the typed handler."""

    def typed(model: type[Message], handler: Handler) -> RawHandler:
        async def run(session: AsyncSession, envelope: Envelope) -> None:
            message = parse_as(model, envelope)
            unit = Unit(session, envelope.store_hash, envelope, outbox, topology, correlation_of(envelope))
            await handler(message, unit)

        return run

    table: dict[str, RawHandler] = {}
    for model, handler in handlers.items():
        if model.TYPE in table:
            raise ValueError(f"two handlers for {model.TYPE}")
        table[model.TYPE] = typed(model, handler)
    return table


async def publish(
    broker: Broker,
    message: Message,
    store_hash: str,
    *,
    message_id: uuid.UUID | None = None,
    correlation_id: str | None = None,
    timeout: float = 10.0,
) -> Envelope:
    """Publish at once (no outbox: for services without a database, like ingest); returns once confirmed."""
    envelope = message.envelope(store_hash, message_id=message_id, correlation_id=correlation_id)
    await broker.publish(
        envelope,
        exchange=broker.topology.exchange(message.EXCHANGE),
        routing_key=message.routing_key(),
        timeout=timeout,
    )
    return envelope


class Listener:
    """A per-replica queue (exclusive, auto-deleted with the connection) feeding in-memory state."""

    def __init__(self, broker: Broker, queue: str, handlers: Mapping[type[Message], ListenerHandler]) -> None:
        self.broker = broker
        self.queue = f"{queue}.{uuid.uuid4().hex[:8]}"  # one per replica, named for the operator's eyes
        self.models = {model.TYPE: model for model in handlers}
        self.handlers = {model.TYPE: handler for model, handler in handlers.items()}

    def attach(self) -> None:
        self.broker.on_connect(self._start)

    async def _start(self, connection: Connection) -> None:
        channel = await connection.channel()
        queue = await channel.declare_queue(self.queue, exclusive=True, auto_delete=True)
        for exchange, key in bindings_for(list(self.models.values()), self.broker.topology):
            await queue.bind(exchange, key)
        await queue.consume(self._on_message)
        # Its queue deleted or its channel closed: start again on a fresh connection rather than hear nothing.
        channel.close_callbacks.add(lambda _ch, exc=None: self.broker.request_reconnect(f"{self.queue}: {exc!r}"))
        (await channel.get_underlay_channel()).on_consumer_cancel_callbacks.add(self._cancelled)
        log.info("listening", queue=self.queue, types=sorted(self.models))

    async def _cancelled(self, _frame: object) -> None:
        self.broker.request_reconnect(f"the broker cancelled the listener {self.queue}")

    async def _on_message(self, incoming: AbstractIncomingMessage) -> None:
        # Nothing here is retried: the state is in memory, and a message it cannot take would fail again.
        async with incoming.process(ignore_processed=True):
            try:
                envelope = Envelope.from_bytes(incoming.body)
                model = self.models.get(envelope.type)
                if model is None:
                    return
                message = parse_as(model, envelope)
            except (ValidationError, Permanent) as exc:
                log.warning("listener dropped a malformed message", queue=self.queue, error=str(exc)[:300])
                return
            bind_correlation_id(correlation_of(envelope))
            try:
                await self.handlers[envelope.type](message, envelope)
            except Exception as exc:
                log.error("listener handler failed; message dropped", type=envelope.type, error=str(exc))


__all__ = [
    "Handler",
    "Listener",
    "ListenerHandler",
    "Permanent",
    "Unit",
    "bindings_for",
    "correlation_of",
    "dispatch_table",
    "parse_as",
    "publish",
]
