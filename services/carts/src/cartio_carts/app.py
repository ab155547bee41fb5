"""Composition of the carts service: database, consumers, outbox relay, periodic tasks, internal API."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from cartio_contracts.messages import StorefrontSession
from cartio_platform.runtime import Runtime

from . import checkout_links, history
from .actions import Actions
from .api import install_error_handlers, router
from .clients import StoreClients
from .handlers import WEBHOOK_SCOPES, Handlers
from .service import CartService
from .settings import Settings
from .tables import metadata
from .tasks import abandon_idle, purge_stores


def create_app(settings: Settings) -> FastAPI:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per BigCommerce call is noise
    runtime = Runtime(settings, tables=metadata)
    clients = StoreClients(settings, runtime.db)
    service = CartService(settings, runtime.db, clients, runtime.unit)
    handlers = Handlers(service)

    runtime.consume("webhooks", handlers.webhooks(), webhook_scopes=WEBHOOK_SCOPES)
    events = runtime.consume("events", handlers.events())
    runtime.consume("beacons", handlers.beacons())
    # Beacons rode the events queue before they had their own: that binding goes.
    events.unbind = [(runtime.topology.events_exchange, StorefrontSession.TYPE)]

    runtime.every("fetch-settled-carts", settings.refresh_poll_interval, handlers.coalescer.flush_due)
    runtime.every("abandon-idle-carts", settings.abandon_check_interval, lambda: abandon_idle(service))
    runtime.every("purge-uninstalled-stores", settings.purge_check_interval, lambda: purge_stores(service))
    runtime.on_stop(clients.close)

    app = runtime.create_app("cartio-carts")
    app.state.settings = settings
    app.state.service = service
    app.state.actions = Actions(service)
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(history.router)  # reports' backfill reads the store's history
    app.include_router(checkout_links.router)  # ingest's recovery link, at each click
    return app
