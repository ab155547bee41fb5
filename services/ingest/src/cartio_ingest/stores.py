"""Which stores have uninstalled the app, as far as this ingest replica has heard.

Each replica listens on a queue of its own (`Runtime.listen`: exclusive, gone with the connection) to
`store.installed` and `store.uninstalled`, and refuses webhooks of an uninstalled store with 410. The set lives
in memory: after a restart it fills again as events arrive, and carts, which keeps every store's state in its
database, drops webhooks of inactive stores whatever ingest let through.
"""

from __future__ import annotations

from datetime import datetime

from cartio_contracts import Envelope
from cartio_contracts.messages import StoreInstalled, StoreUninstalled
from cartio_platform.logging import get_logger
from cartio_platform.runtime import Runtime

log = get_logger(__name__)


class UninstalledStores:
    def __init__(self) -> None:
        # store hash -> when it was uninstalled; a later install removes it
        self._since: dict[str, datetime] = {}

    def __contains__(self, store_hash: object) -> bool:
        return store_hash in self._since

    async def on_uninstalled(self, message: StoreUninstalled, envelope: Envelope) -> None:
        self._since[envelope.store_hash] = envelope.occurred_at
        log.info("store uninstalled", store_hash=envelope.store_hash)

    async def on_installed(self, message: StoreInstalled, envelope: Envelope) -> None:
        since = self._since.get(envelope.store_hash)
        if since is None or since <= envelope.occurred_at:
            self._since.pop(envelope.store_hash, None)
        log.info("store installed", store_hash=envelope.store_hash)

    def attach(self, runtime: Runtime) -> None:
        runtime.listen("stores", {StoreInstalled: self.on_installed, StoreUninstalled: self.on_uninstalled})
