"""A consumer's queues: the quorum queue, its parking queue `.dead`, and one TTL queue per retry delay.

RabbitMQ refuses to redeclare a queue with other arguments (PRECONDITION_FAILED), so nothing that an operator
changes lives in a queue argument: a delay queue is named after its TTL (`<queue>.delay.<ms>ms`; new
`CARTIO_RETRY_DELAYS` make new queues, and the old ones dead-letter what they hold back into the queue as their
TTLs run out), and the delivery limit is checked by the consumer (`x-delivery-count`). A queue that exists with
other arguments anyway (declared by an older release) is used as it is, with a warning, rather than refused.
"""

from __future__ import annotations

from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aiormq.exceptions import ChannelPreconditionFailed

from cartio_contracts import Topology
from cartio_platform.broker import Broker
from cartio_platform.logging import get_logger

log = get_logger(__name__)

DEAD_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}


def queue_arguments(queue: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": Topology.dead(queue),
        # Dead-lettering is at-most-once unless both of these are set (RabbitMQ 3.10).
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def delay_arguments(queue: str, delay: float) -> dict[str, Any]:
    return {
        "x-message-ttl": max(1, round(delay * 1000)),
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
    }


async def ensure_queue(connection: AbstractConnection, name: str, arguments: dict[str, Any]) -> None:
    """Declare `name` durable with `arguments`; if it exists with others, keep it as it is (and say so)."""
    channel = await connection.channel()
    try:
        await channel.declare_queue(name, durable=True, arguments=arguments)
    except ChannelPreconditionFailed as exc:  # the failed declare closed the channel
        log.warning("queue exists with other arguments; using it as it is", queue=name, error=str(exc)[:300])
        return
    await channel.close()


async def declare_queues(connection: AbstractConnection, queue: str, retry_delays: list[float]) -> None:
    """The queue, its parking queue and one delay queue per retry delay."""
    await ensure_queue(connection, Topology.dead(queue), DEAD_ARGUMENTS)
    for delay in retry_delays:
        await ensure_queue(connection, Topology.delay_for(queue, delay), delay_arguments(queue, delay))
    await ensure_queue(connection, queue, queue_arguments(queue))


async def replay_parked(broker: Broker, queue: str, *, limit: int | None = None) -> int:
    """Move parked messages from `<queue>.dead` back to `<queue>` with a fresh retry budget."""
    channel = await broker.channel()
    moved = 0
    try:
        dead = await channel.declare_queue(Topology.dead(queue), durable=True, arguments=DEAD_ARGUMENTS)
        while limit is None or moved < limit:
            message = await dead.get(no_ack=False, fail=False)
            if message is None:
                break
            # A replay starts afresh: the broker's and our attempt headers (x-...) stay behind.
            republished = copy_message(message, {"x-cartio-replayed": True}, keep_x_headers=False)
            await channel.default_exchange.publish(republished, routing_key=queue, mandatory=True)
            await message.ack()
            moved += 1
    finally:
        await channel.close()
    log.info("replayed parked messages", queue=queue, count=moved)
    return moved


def copy_message(message: AbstractIncomingMessage, headers: dict[str, Any], *, keep_x_headers: bool = True
                 ) -> aio_pika.Message:
    """A persistent copy of `message` for a retry, the dead queue or a replay, with `headers` added."""
    kept = {k: v for k, v in (message.headers or {}).items() if keep_x_headers or not k.startswith("x-")}
    return aio_pika.Message(
        body=message.body,
        message_id=message.message_id,
        type=message.type,
        content_type=message.content_type,
        correlation_id=message.correlation_id,
        timestamp=message.timestamp,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers={**kept, **headers},
    )
