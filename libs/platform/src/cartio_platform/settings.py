"""The settings every service shares; a service subclasses `ServiceSettings` and adds its own."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cartio_contracts import Topology

_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")


class ServiceSettings(BaseSettings):
    """Read from `CARTIO_*` environment variables (see docs/conventions.md)."""

    model_config = SettingsConfigDict(env_prefix="CARTIO_", extra="ignore")

    service_name: str = "cartio"
    namespace: str = "cartio"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/cartio"
    db_pool_size: int = Field(default=5, ge=1, le=50)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    log_json: bool = True
    service_token: SecretStr = SecretStr("dev-service-token")
    prefetch: int = Field(default=32, ge=1, le=1000)
    # Seconds before each retry of a failed message; after the last the message is parked in `<queue>.dead`.
    retry_delays: list[float] = Field(default=[1, 5, 30, 120, 600], min_length=1, max_length=20)
    outbox_poll_interval: float = Field(default=1.0, gt=0)
    # Handled message ids (inbox) and published events (outbox) are kept this long, then pruned.
    message_retention_days: float = Field(default=7.0, gt=0)

    @field_validator("namespace")
    @classmethod
    def _namespace_is_a_name(cls, value: str) -> str:
        if not _NAMESPACE.match(value):
            raise ValueError("namespace must be lowercase letters, digits, '.', '_' or '-' (at most 41)")
        return value

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("database_url must be a postgresql URL")
        return value

    @field_validator("retry_delays")
    @classmethod
    def _positive_delays(cls, value: list[float]) -> list[float]:
        if any(d <= 0 for d in value):
            raise ValueError("retry_delays must all be positive")
        return value

    @property
    def topology(self) -> Topology:
        return Topology(self.namespace)
