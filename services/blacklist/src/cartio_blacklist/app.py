"""Composition of the blacklist: runtime, consumers, the rule index and its listener, periodic work, routes."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from cartio_blacklist import handlers
from cartio_blacklist import tables as t
from cartio_blacklist.api import router
from cartio_blacklist.index import RuleIndex
from cartio_blacklist.purging import purge_stores
from cartio_blacklist.rulebook import Rulebook
from cartio_blacklist.settings import Settings
from cartio_contracts.messages import (
    BlacklistRulesChanged,
    CartConverted,
    CartDeleted,
    CartUpserted,
    OrderPlaced,
    StoreInstalled,
    StoreUninstalled,
)
from cartio_platform.runtime import Runtime
from cartio_platform.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings)
    runtime = Runtime(settings, tables=t.metadata)
    index = RuleIndex(runtime.db)
    runtime.consume("events", {
        CartUpserted: partial(handlers.on_cart_upserted, index=index),
        CartDeleted: handlers.on_cart_deleted,
        CartConverted: handlers.on_cart_converted,
        OrderPlaced: partial(handlers.on_order_placed, index=index),
        StoreInstalled: handlers.on_store_installed,
        StoreUninstalled: handlers.on_store_uninstalled,
    })
    runtime.listen("rules", {BlacklistRulesChanged: index.on_rules_changed})
    runtime.every("refresh-rules", settings.rules_refresh_interval, index.load_all)
    runtime.every("purge-uninstalled-stores", settings.purge_check_interval, lambda: purge_stores(runtime.db, index))

    app = runtime.create_app("Cartio blacklist")
    app.state.settings = settings
    app.state.index = index
    app.state.rulebook = Rulebook(runtime, index)
    app.include_router(router)
    return app
