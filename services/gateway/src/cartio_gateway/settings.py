"""The gateway's settings (`CARTIO_*` environment variables; see docs/deploy-bigcommerce.md)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from cartio_platform.security import DEV_ENCRYPTION_KEY
from cartio_platform.settings import ServiceSettings

# The scopes the app asks for in the Developer Portal (and the simulator grants). See bigcommerce-api.md §3.
REQUIRED_SCOPES = [
    "store_cart",
    "store_checkout",
    "store_v2_orders",
    "store_v2_products_read_only",
    "store_v2_customers_read_only",
    "store_v2_content",
    "store_content_checkout",
    "store_v2_information_read_only",
]



class Settings(ServiceSettings):
    service_name: str = "gateway"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/cartio_gateway"

    # BigCommerce (or the simulator).
    bc_api_url: str = "https://api.bigcommerce.com"
    bc_login_url: str = "https://login.bigcommerce.com"
    bc_client_id: str = "cartio-dev-client"
    bc_client_secret: SecretStr = SecretStr("cartio-dev-secret")
    required_scopes: list[str] = Field(default_factory=lambda: list(REQUIRED_SCOPES))
    hook_scopes: list[str] = Field(default_factory=lambda: ["store/cart/*", "store/order/*"])
    # Clock skew tolerated on signed_payload_jwt exp/nbf, seconds.
    jwt_leeway: int = Field(default=10, ge=0, le=300)
    # How long a load waits for BigCommerce while checking hooks and the script, seconds.
    repair_timeout: float = Field(default=5.0, gt=0)

    # Secrets.
    webhook_key: SecretStr = SecretStr("dev-webhook-key")
    encryption_key: SecretStr = SecretStr(DEV_ENCRYPTION_KEY)
    session_secret: SecretStr = SecretStr("dev-session-secret")

    # Where things are.
    public_gateway_url: str = "http://127.0.0.1:8000"
    public_ingest_url: str = "http://127.0.0.1:8001"
    carts_url: str = "http://127.0.0.1:8002"
    carts_timeout: float = Field(default=10.0, gt=0)
    blacklist_url: str = "http://127.0.0.1:8003"
    reports_url: str = "http://127.0.0.1:8004"
    notifier_url: str = "http://127.0.0.1:8005"

    # Sessions: the cookie is Secure + SameSite=None (+ Partitioned) for the control panel's iframe; with
    # cookie_secure false (plain http, local development only) it is SameSite=Lax.
    session_ttl: float = Field(default=12 * 3600, gt=0, description="seconds")
    cookie_secure: bool = True
    # CSP frame-ancestors of the HTML pages: the control panel that embeds the app (space-separated sources).
    frame_ancestors: str = "'self' https://*.bigcommerce.com https://*.mybigcommerce.com"

    # Bodies sent to /api larger than this get 413 before any route reads them (cart edits are a few hundred bytes).
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)

    # Lifecycle.
    # Seconds after an uninstall before the store's data is purged (services receive it in store.uninstalled).
    uninstall_grace: float = Field(default=30 * 86400, ge=0)
    maintenance_interval: float = Field(default=60.0, gt=0, description="seconds between purge/prune passes")

    # Live feed.
    live_heartbeat: float = Field(default=15.0, gt=0)
    live_retention: float = Field(default=24 * 3600, gt=0, description="seconds live events are kept for replay")
    # Open live streams one replica serves per session (a few tabs) and per store; beyond them 429.
    live_max_streams_per_session: int = Field(default=4, ge=1)
    live_max_streams_per_store: int = Field(default=40, ge=1)
    # Poll interval of a live stream while the LISTEN connection is down (otherwise NOTIFY wakes it).
    live_poll_interval: float = Field(default=0.2, gt=0)

    @field_validator("public_gateway_url", "public_ingest_url", "carts_url", "blacklist_url", "reports_url",
                     "notifier_url", "bc_api_url", "bc_login_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def auth_callback_url(self) -> str:
        return f"{self.public_gateway_url}/bigcommerce/auth"

    @property
    def hook_destination(self) -> str:
        return f"{self.public_ingest_url}/webhooks/bigcommerce"

    def script_src(self, store_hash: str) -> str:
        return f"{self.public_ingest_url}/storefront/cartio.js?store={store_hash}"
