"""The settings every service shares; a service subclasses `ServiceSettings` and adds its own."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cartio_contracts import Topology

_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")
DEVELOPMENT = "development"


class DevelopmentSecrets(ValueError):
    """A service outside development mode was given no secret, or a public development one."""


def development_secrets(settings: BaseSettings) -> list[str]:
    """What is wrong with the secrets of `settings`: every `SecretStr` field whose default is a development value
    (public, in this repository) and that is still that value, or empty. One sentence per variable."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    problems = []
    for name, field in type(settings).model_fields.items():
        if not isinstance(field.default, SecretStr):
            continue  # not a secret, or an optional one (e.g. the SMTP password) that may stay unset
        value: SecretStr | None = getattr(settings, name)
        variable = (prefix + name).upper()
        if value is None or not value.get_secret_value().strip():
            problems.append(f"{variable} is missing")
        elif value.get_secret_value() == field.default.get_secret_value():
            problems.append(f"{variable} is its public development value")
    return problems


class ServiceSettings(BaseSettings):
    """Read from `CARTIO_*` environment variables (see docs/conventions.md)."""

    model_config = SettingsConfigDict(env_prefix="CARTIO_", extra="ignore")

    # Only "development" (run.env, the tests) accepts the development secrets below; the default refuses them.
    environment: Literal["development", "production"] = "production"
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
    # Deliveries of one message (crashes, lost channels) before it is parked; checked by the consumer, not a queue
    # argument, so a new value needs no new queue.
    delivery_limit: int = Field(default=20, ge=1, le=1000)
    outbox_poll_interval: float = Field(default=1.0, gt=0)
    # On SIGTERM, how long the messages being handled may take to finish before they are returned unacked.
    drain_timeout: float = Field(default=10.0, ge=0, le=300)
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

    def refuse_development_secrets(self) -> None:
        """Raise `DevelopmentSecrets` naming every secret that is missing or still its development value, unless
        in development mode. `serve` calls it before anything starts; `migrate` and `replay` need no secret."""
        # Modelled on the FastAPI full-stack template's `_check_default_secret`: with a public default, anyone
        # could e.g. sign a load JWT for any store, so a deployment must set every secret itself.
        if self.environment != DEVELOPMENT and (problems := development_secrets(self)):
            raise DevelopmentSecrets(f"refusing to start outside CARTIO_ENVIRONMENT={DEVELOPMENT}: "
                                     + "; ".join(problems) + " (set each secret, see docs/deploy-bigcommerce.md)")

    @property
    def topology(self) -> Topology:
        return Topology(self.namespace)
