"""Settings of the simulator (environment variables with the `SIM_` prefix)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SimSettings(BaseSettings):
    """Where the simulator listens, how it reaches the Cartio app, and how it behaves."""

    model_config = SettingsConfigDict(env_prefix="SIM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8100
    # 0 disables the SMTP sink.
    smtp_port: int = 1025
    client_id: str = "cartio-dev-client"
    client_secret: str = "cartio-dev-secret"
    app_auth_url: str = "http://127.0.0.1:8000/bigcommerce/auth"
    app_load_url: str = "http://127.0.0.1:8000/bigcommerce/load"
    app_uninstall_url: str = "http://127.0.0.1:8000/bigcommerce/uninstall"
    app_remove_user_url: str = "http://127.0.0.1:8000/bigcommerce/remove_user"
    ingest_beacon_url: str = "http://127.0.0.1:8001/storefront/events"
    # Multiplies BigCommerce's webhook retry schedule (60 s, 180 s, ...); tests use e.g. 0.002.
    time_scale: float = 1.0
    # Requests per store per 30 s, shared by every app: BigCommerce's Standard and Plus plans (Pro: 450).
    rate_limit_per_30s: int = 150
    # Hash of the first store; random when unset.
    store_hash: str | None = None
    public_url: str = "http://127.0.0.1:8100"
    # Timeout of one webhook delivery attempt, seconds.
    webhook_timeout_s: float = 2.0
    # Webhook deliveries in flight at once (over all hooks, each on a keep-alive connection of its own); the others
    # wait their turn, which is no part of an attempt's timeout: a burst is BigCommerce's queue, not the app's fault.
    webhook_concurrency: int = 100
    # Timeout of the calls to the app's callbacks (install, uninstall), seconds.
    app_call_timeout_s: float = 30.0
    # Seed of the random generators that pick shoppers (None: not reproducible).
    seed: int | None = None
