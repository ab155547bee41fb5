"""Settings of the reports service (environment variables `CARTIO_*`, see docs/conventions.md)."""

from __future__ import annotations

from pydantic import Field

from cartio_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "reports"
    port: int = Field(default=8004, ge=1, le=65535)
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/cartio_reports"
    # Where carts serves the history the backfill command rebuilds counters from.
    carts_url: str = "http://127.0.0.1:8002"
