"""Which stores have uninstalled the app, as far as this ingest replica has heard.

Each replica listens on a queue of its own (exclusive, gone with the connection) to `store.installed` and
`store.uninstalled`, and refuses webhooks of an uninstalled store with 410. The set lives in memory: after a
restart it fills again as events arrive, and carts, which keeps every store's state in its database, drops
webhooks of inactive stores whatever ingest let through.
"""

from __future__ import annotations

from datetime import datetime

from aio_pika.abc import AbstractIncomingMessage

from cartio_contracts import Envelope
from cartio_contracts.messages import StoreInstalled, StoreUninstalled
from cartio_platform.broker import Broker, Connection
from cartio_platform.logging import get_logger

log = get_logger(__name__)


class UninstalledStores:
    def __init__(self) -> None:
        # store hash -> when it was uninstalled; a later install removes it
        self._since: dict[str, datetime] = {}

    def __contains__(self, store_hash: object) -> bool:
        return store_hash in self._since

    def apply(self, envelope: Envelope) -> None:
        if envelope.type == StoreUninstalled.TYPE:
            self._since[envelope.store_hash] = envelope.occurred_at
        elif envelope.type == StoreInstalled.TYPE:
            since = self._since.get(envelope.store_hash)
            if since is None or since <= envelope.occurred_at:
                self._since.pop(envelope.store_hash, None)

    def attach(self, broker: Broker) -> None:
        async def listen(connection: Connection) -> None:
            channel = await connection.channel()
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            for key in (StoreInstalled.TYPE, StoreUninstalled.TYPE):
                await queue.bind(broker.topology.events_exchange, key)
            await queue.consume(self._on_message)

        broker.on_connect(listen)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            try:
                envelope = Envelope.from_bytes(message.body)
            except ValueError:
                log.warning("ignoring a malformed store event")
                return
            self.apply(envelope)
            log.info("store lifecycle event", type=envelope.type, store_hash=envelope.store_hash)
