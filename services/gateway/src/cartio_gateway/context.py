"""What the routes share: settings, runtime, session signer, token cipher, HTTP clients, templates, live hub.

One `InternalClient` per backing service (`gw.carts`, `gw.blacklist`, `gw.notifier`, `gw.reports`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from cartio_bigcommerce import BigCommerceClient
from cartio_gateway.domain import SessionSigner
from cartio_gateway.internal import InternalClient
from cartio_gateway.live import LiveHub
from cartio_gateway.settings import Settings
from cartio_platform.db import SessionMaker
from cartio_platform.runtime import Runtime
from cartio_platform.security import TokenCipher

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Gateway:
    settings: Settings
    runtime: Runtime
    signer: SessionSigner
    cipher: TokenCipher
    templates: Jinja2Templates
    hub: LiveHub
    _bc_http: httpx.AsyncClient | None = field(default=None, init=False)
    carts: InternalClient = field(init=False)
    blacklist: InternalClient = field(init=False)
    notifier: InternalClient = field(init=False)
    reports: InternalClient = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        token = s.service_token.get_secret_value()
        self.carts = InternalClient("carts", s.carts_url, token, timeout=s.carts_timeout)
        self.blacklist = InternalClient("blacklist", s.blacklist_url, token, timeout=s.carts_timeout)
        self.notifier = InternalClient("notifier", s.notifier_url, token, timeout=s.carts_timeout)
        self.reports = InternalClient("reports", s.reports_url, token, timeout=s.carts_timeout)

    @property
    def internal_clients(self) -> tuple[InternalClient, ...]:
        return (self.carts, self.blacklist, self.notifier, self.reports)

    @property
    def db(self) -> SessionMaker:
        return self.runtime.db

    async def start(self) -> None:
        self._bc_http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        for client in self.internal_clients:
            await client.start()

    async def stop(self) -> None:
        if self._bc_http is not None:
            await self._bc_http.aclose()
        for client in self.internal_clients:
            await client.stop()

    @property
    def bc_http(self) -> httpx.AsyncClient:
        if self._bc_http is None:
            raise RuntimeError("gateway not started")
        return self._bc_http

    def bigcommerce(self, store_hash: str, access_token: str, *, max_retries: int = 2) -> BigCommerceClient:
        return BigCommerceClient(
            store_hash=store_hash,
            access_token=access_token,
            api_url=self.settings.bc_api_url,
            client_id=self.settings.bc_client_id,
            http=self.bc_http,
            max_retries=max_retries,
        )

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)


def gateway(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gateway
    return gw
