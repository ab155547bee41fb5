"""Settings of the notifier (environment variables `CARTIO_*`, see docs/conventions.md)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from cartio_platform.links import DEV_LINK_KEY
from cartio_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "notifier"
    port: int = Field(default=8005, ge=1, le=65535)
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/cartio_notifier"

    # SMTP (the simulator's sink in local runs).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout: float = Field(default=10.0, gt=0)
    mail_from: str = "Cartio <no-reply@cartio.example>"

    public_ingest_url: str = "http://127.0.0.1:8001"
    blacklist_url: str = "http://127.0.0.1:8003"
    link_key: SecretStr = SecretStr(DEV_LINK_KEY)

    # One email per cart per this many seconds; per store at most `store_rate_per_hour` emails an hour.
    cart_rate_seconds: float = Field(default=600.0, ge=0)
    store_rate_per_hour: int = Field(default=200, ge=1)
    # The sender looks for due notices this often; temporary failures wait these seconds before each retry.
    send_interval: float = Field(default=1.0, gt=0)
    send_retry_delays: list[float] = Field(default=[2, 10, 30, 120, 600, 1800], min_length=1)
    # A notice still failing temporarily this long after it was asked for is ended as failed with the reason.
    send_give_up_seconds: float = Field(default=172800.0, gt=0)
    # A notice left in `sending` this long (its process died mid-send) is ended as failed, never resent.
    sending_lease_seconds: float = Field(default=120.0, gt=0)
