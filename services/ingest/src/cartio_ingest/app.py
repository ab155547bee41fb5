"""Ingest: no database; it checks what arrives (each store's current webhook secret in memory) and hands it to
the broker with a confirm."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from math import inf

from fastapi import FastAPI

from cartio_ingest import beacons, recovery
from cartio_ingest.api import router
from cartio_ingest.domain import RateLimiter, SeenDeliveries
from cartio_ingest.recheck import Lookup, SecretRecheck
from cartio_ingest.settings import Settings
from cartio_ingest.stores import StoreSecrets, StoreStates, fetch_store_states
from cartio_platform.logging import get_logger
from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings

log = get_logger(__name__)
# Until the first load succeeds it is tried this often (webhooks of unknown stores get 503 meanwhile).
LOAD_RETRY_S = 0.5


def create_app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings)
    runtime = Runtime(settings)
    store_secrets = StoreSecrets(settings.webhook_key.get_secret_value(), loaded=not settings.gateway_url)
    store_secrets.attach(runtime)
    runtime.extra_checks["store_secrets"] = store_secrets.check
    app = runtime.create_app("cartio-ingest")
    app.state.settings = settings
    app.state.beacon_limiter = RateLimiter(settings.beacon_rate_per_minute)
    app.state.seen_deliveries = SeenDeliveries()
    app.state.store_secrets = store_secrets
    app.state.secret_recheck = SecretRecheck(store_secrets, _lookup(settings) if settings.gateway_url else None,
                                             interval=settings.secret_lookup_interval,
                                             per_second=settings.secret_lookups_per_second)
    if settings.gateway_url:
        runtime.every("load-store-secrets", LOAD_RETRY_S, _loader(settings, store_secrets))
    app.include_router(router)
    app.include_router(beacons.router)
    app.include_router(recovery.router)

    return app


def _lookup(settings: Settings) -> Lookup:
    async def lookup(store_hash: str) -> StoreStates:
        return await fetch_store_states(settings.gateway_url, settings.service_token.get_secret_value(),
                                        timeout=settings.secret_lookup_timeout, store=store_hash)

    return lookup


def _loader(settings: Settings, store_secrets: StoreSecrets) -> Callable[[], Awaitable[None]]:
    """Every store's current install from the gateway: at start-up until it works, then every
    `secrets_refresh_interval` (what events a broken broker connection missed comes back this way)."""
    last = -inf

    async def load() -> None:
        nonlocal last
        if store_secrets.loaded and time.monotonic() - last < settings.secrets_refresh_interval:
            return
        states = await fetch_store_states(settings.gateway_url, settings.service_token.get_secret_value())
        store_secrets.load(states)
        last = time.monotonic()
        log.info("store secrets loaded", stores=len(states.stores))

    return load
