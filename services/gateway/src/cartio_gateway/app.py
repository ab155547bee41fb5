"""Composition of the gateway: runtime, live-feed consumer, routes, housekeeping."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from cartio_gateway import api, api_blacklist, api_carts, api_notifier, api_reports, callbacks, internal_stores, ui
from cartio_gateway import tables as t
from cartio_gateway.context import TEMPLATES, Gateway
from cartio_gateway.domain import SessionSigner
from cartio_gateway.errors import (
    PageError,
    http_error_handler,
)
from cartio_gateway.headers import SecurityHeaders
from cartio_gateway.live import LIVE_MODELS, LiveHub, store_live_event
from cartio_gateway.maintenance import maintain
from cartio_gateway.settings import Settings
from cartio_platform.inputs import BodyCap
from cartio_platform.runtime import Runtime
from cartio_platform.security import TokenCipher
from cartio_platform.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings)
    runtime = Runtime(settings, tables=t.metadata)
    hub = LiveHub(settings.database_url, runtime.db, poll_interval=settings.live_poll_interval)
    gw = Gateway(
        settings=settings,
        runtime=runtime,
        signer=SessionSigner(settings.session_secret.get_secret_value(), max_age=settings.session_ttl),
        cipher=TokenCipher(settings.encryption_key.get_secret_value()),
        templates=Jinja2Templates(directory=str(TEMPLATES)),
        hub=hub,
    )

    runtime.consume("live", dict.fromkeys(LIVE_MODELS, store_live_event))
    runtime.on_start(gw.start)
    runtime.on_start(hub.start)
    runtime.on_stop(gw.stop)
    runtime.on_stop(hub.stop)
    runtime.every("gateway-maintenance", settings.maintenance_interval, lambda: maintain(runtime.db, settings))

    app = runtime.create_app("Cartio gateway", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.gateway = gw
    app.state.settings = settings  # for require_service_token
    app.include_router(callbacks.router)
    app.include_router(api.router)
    app.include_router(api_notifier.router)  # send to customer: the notifier checks, then carts sends
    app.include_router(api_carts.router)
    app.include_router(api_reports.router)
    app.include_router(api_blacklist.router)
    app.include_router(internal_stores.router)  # ingest loads the stores' webhook secret nonces
    app.include_router(ui.router)  # the admin UI: /, /carts/{id}, ... and its assets

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return gw.page(request, "message.html", exc.status, title=exc.title, message=exc.message, hint=exc.hint,
                       details=exc.details, session=None)

    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)

    app.add_middleware(BodyCap, limit=settings.max_body_bytes, prefix="/api")
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    return app
