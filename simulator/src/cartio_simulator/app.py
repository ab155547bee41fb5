"""`create_app(settings)`: the simulator as one ASGI app (REST API, OAuth, control API, storefront)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from .api import carts, catalog, checkouts, guard, hooks, oauth, orders, scripts, store_info
from .control import admin, blocklist, lifecycle, panel, shop
from .runtime import Simulator
from .settings import SimSettings
from .storefront import router as storefront_router

log = logging.getLogger("cartio_simulator")


def create_app(settings: SimSettings | None = None) -> FastAPI:
    """The app; `app.state.sim` is its `Simulator`. The lifespan calls `sim.start()`/`sim.stop()`; code that
    drives the app without a lifespan (httpx.ASGITransport) calls them itself."""
    sim = Simulator(settings or SimSettings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await sim.start()
        log.info("simulator ready on %s; first store %s", sim.settings.public_url, sim.world.first.hash)
        try:
            yield
        finally:
            await sim.stop()

    app = FastAPI(title="Cartio BigCommerce simulator", lifespan=lifespan, docs_url="/_sim/docs",
                  openapi_url="/_sim/openapi.json", redoc_url=None)
    app.state.sim = sim
    guard.install(app, sim)
    for router in (carts.router, checkouts.router, orders.router, catalog.router, hooks.router, scripts.router,
                   store_info.router,
                   oauth.router, lifecycle.router, shop.router, admin.router, blocklist.router, panel.router,
                   storefront_router):
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/_sim/")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
