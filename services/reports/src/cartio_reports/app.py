"""Composition of the reports service: database, the events consumer, the figures' routes, health routes."""

from __future__ import annotations

from fastapi import FastAPI

from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings

from . import running
from .api import router
from .handlers import HANDLERS
from .tables import metadata
from .windows import ROLL_INTERVAL, roll_all


def create_app(settings: ServiceSettings) -> FastAPI:
    runtime = Runtime(settings, tables=metadata)
    runtime.consume("events", HANDLERS)
    runtime.every("roll-windows", ROLL_INTERVAL, lambda: roll_all(runtime.db))
    runtime.every("running-totals", running.INTERVAL, lambda: running.catch_up_all(runtime.db))
    app = runtime.create_app("cartio-reports")
    app.state.settings = settings
    app.include_router(router)
    return app
