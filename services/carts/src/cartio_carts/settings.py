"""Settings of the carts service (environment variables `CARTIO_*`, see docs/conventions.md)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr

from cartio_platform.security import DEV_ENCRYPTION_KEY
from cartio_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "carts"
    port: int = Field(default=8002, ge=1, le=65535)
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/cartio_carts"
    # A handler holds a database connection while it reads BigCommerce: keep in-flight messages per queue
    # below the pool (two queues x prefetch + API requests <= pool + overflow).
    db_pool_size: int = Field(default=10, ge=1, le=50)
    prefetch: int = Field(default=8, ge=1, le=1000)

    # BigCommerce (the simulator in local runs: http://127.0.0.1:8100).
    bc_api_url: str = "https://api.bigcommerce.com"
    bc_client_id: str = "cartio-dev-client"
    bc_timeout: float = Field(default=10.0, gt=0)
    bc_max_retries: int = Field(default=2, ge=0, le=10)

    # Fernet key under which the gateway encrypts store access tokens (the default is for local runs only).
    encryption_key: SecretStr = SecretStr(DEV_ENCRYPTION_KEY)

    # A cart with no change for this long is abandoned (BigCommerce's own hook says so after 1 h as well).
    abandon_after: timedelta = timedelta(hours=1)
    abandon_check_interval: float = Field(default=60.0, gt=0)
    # How often the data of uninstalled stores past their purge time is deleted.
    purge_check_interval: float = Field(default=3600.0, gt=0)
    # Coalesced cart fetches: a cart webhook within the settle time of the cart's last fetch waits, and each one
    # pushes the fetch back by it, at most the max delay after the first; pending fetches are looked for
    # every poll interval. Short enough that a shopper's next step (seconds apart) is read at once.
    refresh_settle_seconds: float = Field(default=0.3, ge=0)
    refresh_max_delay_seconds: float = Field(default=3.0, gt=0)
    refresh_poll_interval: float = Field(default=0.25, gt=0)
    # Beacons for carts that never arrived are forgotten after this long.
    pending_session_ttl: timedelta = timedelta(days=2)
    # At most this many such beacons kept per store: beyond it a beacon for a cart not yet here is dropped
    # (anyone can send beacons naming made-up carts).
    max_pending_sessions_per_store: int = Field(default=10_000, ge=1)

    # Create order: the country of a billing address made from the cart's email alone when the shopper's
    # country is unknown (ISO 3166 alpha-2).
    default_country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    # Create-order idempotency: how long a second request with the same key waits for the first, and after
    # how long an unfinished attempt (its process died) may be taken over.
    order_wait_seconds: float = Field(default=8.0, gt=0)
    order_lease_seconds: float = Field(default=60.0, gt=0)
