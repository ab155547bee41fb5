"""Composition of the carts service: database, consumers, outbox relay, periodic tasks, internal API."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from cartio_platform.runtime import Runtime

from .actions import Actions
from .api import install_error_handlers, router
from .clients import StoreClients
from .handlers import CART_ROUTING_KEYS, EVENT_ROUTING_KEYS, Handlers
from .service import CartService
from .settings import Settings
from .tables import metadata
from .tasks import abandon_idle, purge_stores


def create_app(settings: Settings) -> FastAPI:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per BigCommerce call is noise
    runtime = Runtime(settings, tables=metadata)
    clients = StoreClients(settings, runtime.db)
    service = CartService(settings, runtime.db, clients)
    handlers = Handlers(service)
    topology = settings.topology

    runtime.consume(
        "webhooks",
        [(topology.webhooks_exchange, key) for key in CART_ROUTING_KEYS],
        handlers.webhook_handlers(),
    )
    runtime.consume(
        "events",
        [(topology.events_exchange, key) for key in EVENT_ROUTING_KEYS],
        handlers.event_handlers(),
    )

    runtime.every("abandon-idle-carts", settings.abandon_check_interval, lambda: abandon_idle(service))
    runtime.every("purge-uninstalled-stores", settings.purge_check_interval, lambda: purge_stores(service))
    runtime.on_stop(clients.close)

    app = runtime.create_app("cartio-carts")
    app.state.settings = settings
    app.state.service = service
    app.state.actions = Actions(service)
    install_error_handlers(app)
    app.include_router(router)
    return app
