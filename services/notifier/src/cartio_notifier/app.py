"""Composition of the notifier: runtime, consumers, the sender, routes."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from cartio_contracts.messages import NotificationClicked, SendCart, StoreInstalled, StoreUninstalled
from cartio_notifier import handlers
from cartio_notifier import tables as t
from cartio_notifier.api import router
from cartio_notifier.sending import Sender
from cartio_notifier.settings import Settings
from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings)
    runtime = Runtime(settings, tables=t.metadata)
    runtime.consume("commands", {SendCart: partial(handlers.on_send_cart, settings=settings)})
    runtime.consume("events", {
        StoreInstalled: handlers.on_store_installed,
        StoreUninstalled: handlers.on_store_uninstalled,
        NotificationClicked: handlers.on_notification_clicked,
    })
    sender = Sender(runtime, settings)
    runtime.on_start(sender.start)
    runtime.on_stop(sender.stop)
    runtime.every("send-notices", settings.send_interval, sender.run_once)

    app = runtime.create_app("Cartio notifier")
    app.state.settings = settings
    app.state.sender = sender
    app.include_router(router)
    return app
