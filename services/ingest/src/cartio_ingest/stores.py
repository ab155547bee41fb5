"""Each store's current install as this ingest replica knows it: the webhook secret's nonce, installed or not.

A webhook is checked against the secret of the store's current install (`HMAC(key, "{store}:{nonce}")`) with
no database query: the replica keeps every store's nonce in memory. It listens on a queue of its own
(`Runtime.listen`: exclusive, gone with the connection) to `store.installed` and `store.uninstalled`, and at
start-up (then every `secrets_refresh_interval`, which also covers events missed while the broker connection was
down) loads every store from the gateway. Until that first load a webhook of a store it has not heard of is
answered 503, so BigCommerce retries: an authentic webhook is never refused 401 because the replica is new.
An update wins only if it is not older than what is known, so a late snapshot never undoes a newer event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import httpx
from pydantic import AwareDatetime, BaseModel

from cartio_contracts import Envelope
from cartio_contracts.messages import StoreInstalled, StoreUninstalled
from cartio_platform.logging import get_logger
from cartio_platform.runtime import Runtime
from cartio_platform.security import webhook_secret_matches

log = get_logger(__name__)


class Verdict(Enum):
    INSTALLED = "installed"  # authentic, and the app is installed: publish
    UNINSTALLED = "uninstalled"  # authentic, of the store's last install, but the app is gone: 2xx, dropped
    WRONG = "wrong"  # not this store's current secret: 401
    NOT_YET = "not_yet"  # the replica has not loaded the stores yet and does not know this one: 503
    UNVERIFIED = "unverified"  # wrong by what the replica knows, and the gateway could not be asked: 503


@dataclass(frozen=True)
class Install:
    nonce: str | None  # None: an install from before per-install secrets
    active: bool
    since: datetime  # when the store was installed or uninstalled
    # The nonce of an install under way: the gateway rewrites the hooks' headers with it before it saves that
    # install, so BigCommerce may send its secret already. Accepted too, until the install is known.
    pending: str | None = None


class StoreState(BaseModel):
    """One store in the gateway's answer to `GET /internal/webhook-secrets`."""

    store_hash: str
    webhook_nonce: str | None
    webhook_nonce_pending: str | None = None
    active: bool
    since: AwareDatetime


class StoreStates(BaseModel):
    stores: list[StoreState]


class StoreSecrets:
    def __init__(self, key: str, *, loaded: bool = False) -> None:
        self._key = key
        self._stores: dict[str, Install] = {}
        self.loaded = loaded

    def judge(self, store_hash: str, presented: str) -> Verdict:
        install = self._stores.get(store_hash)
        if install is None:
            return Verdict.WRONG if self.loaded else Verdict.NOT_YET
        current = webhook_secret_matches(self._key, store_hash, presented, install.nonce)
        # The pending secret only for a webhook the current one does not sign: one HMAC per webhook as a rule.
        pending = not current and install.pending is not None and webhook_secret_matches(
            self._key, store_hash, presented, install.pending)
        if not (current or pending):
            return Verdict.WRONG
        if not current and not install.active:
            # An uninstalled store installing again, not saved yet: neither installed nor its last install's
            # late webhook, so not dropped; BigCommerce retries it once the install is known.
            return Verdict.UNVERIFIED
        return Verdict.INSTALLED if install.active else Verdict.UNINSTALLED

    def remember(self, store_hash: str, install: Install) -> None:
        known = self._stores.get(store_hash)
        if known is None or known.since <= install.since:
            self._stores[store_hash] = install

    async def on_installed(self, message: StoreInstalled, envelope: Envelope) -> None:
        self.remember(envelope.store_hash, Install(message.webhook_nonce, True, message.installed_at))
        log.info("store installed", store_hash=envelope.store_hash)

    async def on_uninstalled(self, message: StoreUninstalled, envelope: Envelope) -> None:
        # The nonce stays: the store's late webhooks are still recognised as authentic (and dropped with 2xx).
        known = self._stores.get(envelope.store_hash)
        if known is None:
            return  # never heard of its install: the gateway's snapshot says which nonce it had
        self.remember(envelope.store_hash, Install(known.nonce, False, message.uninstalled_at))
        log.info("store uninstalled", store_hash=envelope.store_hash)

    def load(self, states: StoreStates) -> None:
        """The gateway's answer for every store: from now on a store it did not name is unknown (401)."""
        self.learn(states)
        self.loaded = True

    def learn(self, states: StoreStates) -> None:
        for state in states.stores:
            self.remember(state.store_hash,
                          Install(state.webhook_nonce, state.active, state.since, state.webhook_nonce_pending))

    async def check(self) -> None:
        """For /readyz: a replica is ready once it knows every store's secret."""
        if not self.loaded:
            raise RuntimeError("the stores' webhook secrets are not loaded from the gateway yet")

    def attach(self, runtime: Runtime) -> None:
        runtime.listen("stores", {StoreInstalled: self.on_installed, StoreUninstalled: self.on_uninstalled})


async def fetch_store_states(gateway_url: str, service_token: str, timeout: float = 10.0,
                             store: str | None = None) -> StoreStates:
    """Every store the gateway knows (or only `store`), with its current install's nonce (raises httpx errors
    when it cannot)."""
    params = {"store": store} if store is not None else {}
    async with httpx.AsyncClient(base_url=gateway_url, timeout=timeout) as http:
        answer = await http.get("/internal/webhook-secrets", params=params,
                                headers={"Authorization": f"Bearer {service_token}"})
        answer.raise_for_status()
        return StoreStates.model_validate_json(answer.content)
