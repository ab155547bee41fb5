"""One connection to RabbitMQ per process, owned and re-established by us.

aio-pika's robust connection does not reliably restore consumers after a broker restart (aio-pika #231, #563,
#577, #334), so the supervisor here reconnects with backoff, re-declares the topology and calls every
registered `on_connect` hook (consumers start consuming again from there).

A closed channel is handled the same way: the publishing channel closed by the broker (a 404 on an exchange
deleted under us), a consumer's channel closed or cancelled (its queue deleted) -> `request_reconnect`, and
everything is declared and started again. Deletions nobody trips over (an exchange other services publish to,
bindings gone with it) are found by a passive check of the exchanges and watched queues every `check_interval`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aio_pika.abc import AbstractConnection as Connection

from cartio_contracts import Envelope, Topology
from cartio_platform.logging import get_logger
from cartio_platform.metrics import MESSAGES_PUBLISHED

log = get_logger(__name__)

OnConnect = Callable[[Connection], Awaitable[None]]


class BrokerUnavailable(RuntimeError):
    """The broker cannot take a message now (not connected, or it did not confirm)."""


def build_message(envelope: Envelope, headers: dict[str, Any] | None = None) -> aio_pika.Message:
    return aio_pika.Message(
        body=envelope.to_bytes(),
        message_id=str(envelope.message_id),
        type=envelope.type,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        correlation_id=envelope.correlation_id,
        timestamp=envelope.occurred_at,
        headers={"version": envelope.version, "store_hash": envelope.store_hash, **(headers or {})},
    )


class Broker:
    def __init__(
        self, url: str, topology: Topology, *, name: str, connect_timeout: float = 5.0, check_interval: float = 5.0
    ) -> None:
        self.url = url
        self.check_interval = check_interval
        self._watched: set[str] = set()
        self.topology = topology
        self.name = name
        self.connect_timeout = connect_timeout
        self._on_connect: list[OnConnect] = []
        self._connection: Connection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._connected = asyncio.Event()
        self._closed = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set() and self._connection is not None and not self._connection.is_closed

    def watch_queue(self, name: str) -> None:
        """Check that queue `name` still exists every `check_interval`; reconnect (and redeclare) if not."""
        self._watched.add(name)

    def request_reconnect(self, reason: str) -> None:
        """Drop the connection and start over: topology declared again, every on_connect hook run again."""
        if self._stopping or not self._connected.is_set():
            return
        log.warning("broker channel lost; reconnecting", reason=reason[:300])
        self._connected.clear()
        self._closed.set()

    def on_connect(self, hook: OnConnect) -> None:
        """Call `hook(connection)` after every (re)connect, once the topology is declared."""
        self._on_connect.append(hook)

    async def start(self, *, wait: float | None = None) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"broker-{self.name}")
        if wait is not None:
            await self.wait_connected(wait)

    async def wait_connected(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError as exc:
            raise BrokerUnavailable(f"no connection to the broker within {timeout} s") from exc

    async def stop(self) -> None:
        self._stopping = True
        self._closed.set()
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _supervise(self) -> None:
        backoff = 0.2
        while not self._stopping:
            try:
                connection = await aio_pika.connect(
                    self.url, timeout=self.connect_timeout, client_properties={"connection_name": self.name}
                )
            except Exception as exc:
                log.warning("broker connect failed", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self._closed.clear()
            connection.close_callbacks.add(lambda *_: self._closed.set())
            try:
                self._connection = connection
                self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                self._exchanges = {}
                await self._declare_topology(self._channel)
                self._channel.close_callbacks.add(
                    lambda _ch, exc=None: self.request_reconnect(f"publishing channel closed: {exc!r}")
                )
                for hook in self._on_connect:
                    await hook(connection)
            except Exception as exc:
                log.warning("broker setup failed", error=str(exc))
                self._connected.clear()
                with contextlib.suppress(Exception):
                    await connection.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            self._connected.set()
            log.info("broker connected", url=_safe(self.url))
            await self._watch(connection)
            self._connected.clear()
            with contextlib.suppress(Exception):
                await connection.close()
            if not self._stopping:
                log.warning("broker connection lost; reconnecting")

    async def _watch(self, connection: Connection) -> None:
        """Return when the connection is lost, a reconnect is requested, or something we use was deleted."""
        while not self._closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), self.check_interval)
                return
            if (missing := await self._missing(connection)) is not None:
                self.request_reconnect(f"{missing} is gone")

    async def _missing(self, connection: Connection) -> str | None:
        """The first exchange or watched queue that no longer exists (passive declares on a scratch channel)."""
        try:
            channel = await connection.channel()
        except Exception as exc:
            return f"a channel ({exc!r})"
        names = [("exchange", n) for n in (self.topology.webhooks_exchange, self.topology.events_exchange)]
        names += [("queue", n) for n in sorted(self._watched)]
        try:
            for kind, name in names:
                try:
                    if kind == "exchange":
                        await channel.get_exchange(name, ensure=True)
                    else:
                        await channel.get_queue(name, ensure=True)
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    return f"{kind} {name}"
        except Exception as exc:  # the connection itself failed: the close callback reconnects
            log.warning("broker check failed", error=str(exc) or type(exc).__name__)
        finally:
            with contextlib.suppress(Exception):
                await channel.close()
        return None

    async def _declare_topology(self, channel: AbstractChannel) -> None:
        # Messages no queue is bound for yet (a consumer that is not deployed) are kept in `<ns>.unrouted`
        # through an alternate exchange, so an event nobody wants yet neither blocks the outbox nor is lost.
        unrouted = self.topology.unrouted
        await channel.declare_exchange(unrouted, aio_pika.ExchangeType.FANOUT, durable=True)
        queue = await channel.declare_queue(
            unrouted,
            durable=True,
            arguments={"x-queue-type": "quorum", "x-max-length": 100_000, "x-overflow": "drop-head"},
        )
        await queue.bind(unrouted)
        for name in (self.topology.webhooks_exchange, self.topology.events_exchange):
            self._exchanges[name] = await channel.declare_exchange(
                name, aio_pika.ExchangeType.TOPIC, durable=True, arguments={"alternate-exchange": unrouted}
            )
        self._exchanges[""] = channel.default_exchange

    async def publish(
        self,
        envelope: Envelope,
        *,
        exchange: str,
        routing_key: str,
        headers: dict[str, Any] | None = None,
        timeout: float = 10.0,
    ) -> None:
        """Publish persistent and mandatory; return only once the broker confirmed it.

        Raises BrokerUnavailable when not connected, unconfirmed or unroutable (no queue bound).
        """
        await self.publish_message(
            build_message(envelope, headers), exchange=exchange, routing_key=routing_key, timeout=timeout
        )
        MESSAGES_PUBLISHED.labels(exchange=exchange or "(default)", type=envelope.type).inc()

    async def publish_message(
        self, message: aio_pika.Message, *, exchange: str, routing_key: str, timeout: float = 10.0
    ) -> None:
        if not self.is_connected or self._channel is None:
            raise BrokerUnavailable("not connected to the broker")
        target = self._exchanges.get(exchange)
        if target is None:
            target = await self._channel.get_exchange(exchange, ensure=True)
            self._exchanges[exchange] = target
        try:
            confirmation = await target.publish(message, routing_key, mandatory=True, timeout=timeout)
        except aio_pika.exceptions.DeliveryError as exc:
            raise BrokerUnavailable(f"message to {exchange!r}/{routing_key!r} was returned: unroutable") from exc
        except (TimeoutError, ConnectionError, aio_pika.exceptions.AMQPError) as exc:
            raise BrokerUnavailable(f"broker did not confirm: {exc!r}") from exc
        if confirmation is not None and not _confirmed(confirmation):
            raise BrokerUnavailable("broker refused the message (nack)")

    async def channel(self) -> AbstractChannel:
        """A fresh channel on the current connection (for admin work: replay, purge, tests)."""
        if self._connection is None or not self.is_connected:
            raise BrokerUnavailable("not connected to the broker")
        return await self._connection.channel(publisher_confirms=True, on_return_raises=True)


def _confirmed(confirmation: Any) -> bool:
    name = type(confirmation).__name__
    return name not in ("Nack", "Reject")


def _safe(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


__all__ = ["AbstractRobustConnection", "Broker", "BrokerUnavailable", "Connection", "build_message"]
