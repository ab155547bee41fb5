"""Which webhook secrets a replica accepts while a store installs again (issue 11 point 3): the gateway saves the
new install's nonce as pending before it rewrites the hooks' headers, and ingest accepts the current or the
pending one until the install is known."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from cartio_contracts import Envelope
from cartio_contracts.messages import StoreInstalled
from cartio_ingest.stores import StoreSecrets, StoreState, StoreStates, Verdict
from cartio_platform.security import webhook_secret

KEY = "test-webhook-key"
STORE = "ab12cd34"
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def state(nonce: str, pending: str | None, *, active: bool = True) -> StoreStates:
    return StoreStates(stores=[StoreState(store_hash=STORE, webhook_nonce=nonce, webhook_nonce_pending=pending,
                                          active=active, since=T0)])


def secret(nonce: str) -> str:
    return webhook_secret(KEY, STORE, nonce)


def test_while_a_store_installs_again_both_its_current_and_its_pending_secret_are_accepted() -> None:
    secrets = StoreSecrets(KEY)
    secrets.load(state("old", "new"))
    assert secrets.judge(STORE, secret("old")) is Verdict.INSTALLED
    assert secrets.judge(STORE, secret("new")) is Verdict.INSTALLED
    assert secrets.judge(STORE, secret("other")) is Verdict.WRONG


def test_once_the_install_is_known_only_its_secret_is_accepted() -> None:
    secrets = StoreSecrets(KEY)
    secrets.load(state("old", "new"))
    installed = StoreInstalled(scope="store_v2_orders", access_token_encrypted="x",
                               installed_at=T0 + timedelta(seconds=1), webhook_nonce="new")
    envelope = Envelope(type=StoreInstalled.TYPE, store_hash=STORE, data=installed.model_dump(mode="json"))
    asyncio.run(secrets.on_installed(installed, envelope))
    assert secrets.judge(STORE, secret("new")) is Verdict.INSTALLED
    assert secrets.judge(STORE, secret("old")) is Verdict.WRONG
    secrets.learn(state("old", "new"))  # a snapshot older than the event changes nothing
    assert secrets.judge(STORE, secret("old")) is Verdict.WRONG


def test_an_uninstalled_store_installing_again_has_its_new_secret_retried_not_dropped() -> None:
    secrets = StoreSecrets(KEY)
    secrets.load(state("old", "new", active=False))
    assert secrets.judge(STORE, secret("old")) is Verdict.UNINSTALLED
    assert secrets.judge(STORE, secret("new")) is Verdict.UNVERIFIED
