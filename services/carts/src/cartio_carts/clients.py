"""One BigCommerce client per store, built from the store's encrypted token (decrypted only here)."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cartio_bigcommerce import BigCommerceClient
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger
from cartio_platform.security import TokenCipher

from .settings import Settings
from .tables import stores

log = get_logger(__name__)


class StoreUnavailable(Exception):
    """The store is unknown to carts, uninstalled, or has no usable token."""


class StoreClients:
    def __init__(self, settings: Settings, db: SessionMaker, *, http: httpx.AsyncClient | None = None) -> None:
        """`http`: the connection pool to BigCommerce (tests pass one mounted on the simulator in-process)."""
        self.settings = settings
        self.db = db
        self.cipher = TokenCipher(settings.encryption_key.get_secret_value())
        self._http: httpx.AsyncClient | None = http
        self._owns_http = http is None
        self._clients: dict[str, tuple[str, BigCommerceClient]] = {}
        self._lock = asyncio.Lock()

    def _shared_http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.bc_timeout),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        return self._http

    async def get(self, store_hash: str, session: AsyncSession | None = None) -> BigCommerceClient:
        """The store's client; StoreUnavailable when the store is unknown, inactive or has no token."""
        query = sa.select(stores.c.access_token_encrypted, stores.c.active).where(stores.c.store_hash == store_hash)
        if session is not None:
            row = (await session.execute(query)).first()
        else:
            async with self.db() as s:
                row = (await s.execute(query)).first()
        if row is None:
            raise StoreUnavailable(f"store {store_hash} is not installed")
        if not row.active or not row.access_token_encrypted:
            raise StoreUnavailable(f"store {store_hash} is uninstalled")
        ciphertext: str = row.access_token_encrypted
        cached = self._clients.get(store_hash)
        if cached is not None and cached[0] == ciphertext:
            return cached[1]
        async with self._lock:
            cached = self._clients.get(store_hash)
            if cached is not None and cached[0] == ciphertext:
                return cached[1]
            try:
                token = self.cipher.decrypt(ciphertext)
            except ValueError:
                log.error("store token cannot be decrypted with this service's key", store_hash=store_hash)
                raise StoreUnavailable(f"store {store_hash} has a token this service cannot decrypt") from None
            client = BigCommerceClient(
                store_hash=store_hash,
                access_token=token,
                api_url=self.settings.bc_api_url,
                client_id=self.settings.bc_client_id or None,
                http=self._shared_http(),
                max_retries=self.settings.bc_max_retries,
                timeout=self.settings.bc_timeout,
                backoff_base=0.2,
                backoff_cap=2.0,
            )
            self._clients[store_hash] = (ciphertext, client)
            return client

    def forget(self, store_hash: str) -> None:
        self._clients.pop(store_hash, None)

    async def close(self) -> None:
        self._clients.clear()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None
