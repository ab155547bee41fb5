"""Settings of the blacklist (environment variables `CARTIO_*`, see docs/conventions.md)."""

from __future__ import annotations

from pydantic import Field

from cartio_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "blacklist"
    port: int = Field(default=8003, ge=1, le=65535)
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/cartio_blacklist"
    # Every replica reloads a store's rules on `blacklist.rules_changed`; this full reload also catches a change
    # a replica missed while its broker connection was down (its listener queue goes with the connection).
    rules_refresh_interval: float = Field(default=60.0, gt=0)
    purge_check_interval: float = Field(default=3600.0, gt=0)
