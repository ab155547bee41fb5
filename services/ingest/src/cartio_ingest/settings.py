"""Ingest's settings: the webhook key, body limits, beacon rate limit, trusted proxies, where carts and the gateway
are, and the webhook scopes Cartio consumes."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr, field_validator

from cartio_platform.links import DEV_LINK_KEY
from cartio_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "ingest"
    port: int = 8001
    webhook_key: SecretStr = SecretStr("dev-webhook-key")
    # Verifies the recovery links the notifier signs (same value in both).
    link_key: SecretStr = SecretStr(DEV_LINK_KEY)
    public_ingest_url: str = "http://127.0.0.1:8001"
    # Carts mints a fresh checkout URL at each click of a recovery link (BigCommerce's work once).
    carts_url: str = "http://127.0.0.1:8002"
    max_webhook_bytes: int = Field(default=64 * 1024, ge=1024)
    max_beacon_bytes: int = Field(default=2 * 1024, ge=256)
    # Beacons one shopper IP may send per minute before getting 429.
    beacon_rate_per_minute: int = Field(default=60, ge=1)
    # X-Forwarded-For is believed only when the connecting address is one of these (CIDRs).
    trusted_proxies: list[str] = ["127.0.0.1/32", "::1/128"]
    publish_timeout: float = Field(default=5.0, gt=0)
    # Where ingest loads every store's current webhook secret nonce at start-up (GET /internal/webhook-secrets);
    # empty: from store.installed events alone (in-process tests).
    gateway_url: str = "http://127.0.0.1:8000"
    secrets_refresh_interval: float = Field(default=60.0, gt=0)
    # On a secret mismatch ingest asks the gateway for that store's nonce (recheck.py): at most once per
    # `secret_lookup_interval` seconds per store and `secret_lookups_per_second` over all stores.
    secret_lookup_interval: float = Field(default=1.0, gt=0)
    secret_lookups_per_second: int = Field(default=10, ge=1)
    secret_lookup_timeout: float = Field(default=3.0, gt=0)
    # The scopes Cartio consumes (carts' WEBHOOK_SCOPES); an authentic webhook of another is answered 2xx, dropped.
    webhook_scopes: list[str] = Field(default_factory=lambda: ["store/cart/*", "store/order/*"], min_length=1)

    @field_validator("trusted_proxies")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            ipaddress.ip_network(cidr, strict=False)
        return value
