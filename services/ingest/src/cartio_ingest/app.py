"""Ingest: stateless; it only checks what arrives and hands it to the broker with a confirm."""

from __future__ import annotations

from fastapi import FastAPI

from cartio_ingest import beacons, recovery
from cartio_ingest.api import router
from cartio_ingest.domain import RateLimiter
from cartio_ingest.settings import Settings
from cartio_ingest.stores import UninstalledStores
from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings)
    runtime = Runtime(settings)
    app = runtime.create_app("cartio-ingest")
    app.state.settings = settings
    app.state.beacon_limiter = RateLimiter(settings.beacon_rate_per_minute)
    app.state.uninstalled = UninstalledStores()
    app.state.uninstalled.attach(runtime)
    app.include_router(router)
    app.include_router(beacons.router)
    app.include_router(recovery.router)

    return app
