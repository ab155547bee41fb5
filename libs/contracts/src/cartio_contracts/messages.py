"""Version-1 models of every message Cartio carries.

Events are named in the past tense (`cart.upserted`), commands in the imperative (`notifier.send_cart`).
Within a version only additive changes are allowed; unknown fields are ignored so that producers can add.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cartio_bigcommerce.webhooks import WebhookPayload
from cartio_contracts.envelope import Envelope
from cartio_contracts.topology import ExchangeKind, webhook_binding_key, webhook_routing_key

Money = Decimal

# A cart's status as the merchant sees it: the one definition (carts, the gateway's filters and pages use it).
CartStatus = Literal["active", "abandoned", "converted", "deleted", "blocked"]
CART_STATUSES: tuple[CartStatus, ...] = get_args(CartStatus)


class Message(BaseModel):
    """Base of every message body (`Envelope.data`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    # Where the message travels: events and commands on the events exchange with their type as routing key.
    EXCHANGE: ClassVar[ExchangeKind] = "events"

    def routing_key(self) -> str:
        return self.TYPE

    @classmethod
    def binding_keys(cls, webhook_scopes: tuple[str, ...] = ()) -> list[str]:
        """The routing keys a queue binds to receive this message (see `WebhookReceived` for scopes)."""
        return [cls.TYPE]

    def envelope(
        self,
        store_hash: str,
        *,
        message_id: uuid.UUID | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        extra: dict[str, Any] = {}
        if message_id is not None:
            extra["message_id"] = message_id
        if occurred_at is not None:
            extra["occurred_at"] = occurred_at
        return Envelope(
            type=self.TYPE,
            version=self.VERSION,
            store_hash=store_hash,
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=self.model_dump(mode="json"),
            **extra,
        )


# --- raw inputs ---------------------------------------------------------------------------------------


class WebhookReceived(Message, WebhookPayload):
    """A BigCommerce webhook callback exactly as it arrived (thin: scope and ids only): the webhook body's one
    definition (`cartio_bigcommerce.WebhookPayload`) and when ingest received it."""

    TYPE = "bigcommerce.webhook_received"
    EXCHANGE = "webhooks"

    received_at: AwareDatetime

    def routing_key(self) -> str:
        return webhook_routing_key(self.scope)

    @classmethod
    def binding_keys(cls, webhook_scopes: tuple[str, ...] = ()) -> list[str]:
        # A consumer says which scopes it wants (`store/cart/*`); every webhook would be too broad a default.
        if not webhook_scopes:
            raise ValueError("a consumer of WebhookReceived must name its webhook_scopes, e.g. ('store/cart/*',)")
        return [webhook_binding_key(scope) for scope in webhook_scopes]


class StorefrontSession(Message):
    """The storefront script saw a shopper's cart: who is behind it (session, browser, IP)."""

    TYPE = "storefront.session"

    cart_id: uuid.UUID
    session_id: str = Field(min_length=1, max_length=128)
    ip: str | None = None
    user_agent: str | None = Field(default=None, max_length=1024)
    seen_at: AwareDatetime


# --- carts --------------------------------------------------------------------------------------------


class ItemOption(BaseModel):
    """One chosen option or modifier of a line (`Size: Large`, `Engraving: For Ana`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    value: str


class CartItem(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    product_id: int
    variant_id: int | None = None
    name: str
    sku: str | None = None
    image_url: str | None = None
    quantity: int
    unit_price: Money
    extended_price: Money
    options: list[ItemOption] = []


class CartCustomer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    user_type: Literal["guest", "customer"]
    customer_id: int | None = None
    email: str | None = None
    name: str | None = None
    session_id: str | None = None
    browser: str | None = None
    ip: str | None = None
    country: str | None = None


class CartSnapshot(BaseModel):
    """The merchant's view of a cart at one moment."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    status: CartStatus
    currency: str
    items: list[CartItem]
    customer: CartCustomer
    subtotal: Money
    discount: Money = Decimal(0)
    coupon_codes: list[str] = []
    shipping: Money = Decimal(0)
    tax: Money = Decimal(0)
    grand_total: Money
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ItemChange(BaseModel):
    """What one cart change did to one line, as carts saw it between two snapshots (for reports)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    action: Literal["added", "removed", "quantity_changed"]
    product_id: int
    variant_id: int | None = None
    name: str
    quantity: int  # the line's quantity after the change (0 when removed)
    quantity_delta: int  # signed: +2 when two more were added
    unit_price: Money
    actor: str = "shopper"  # shopper, system, or the staff member's email


class CartUpserted(Message):
    TYPE = "cart.upserted"

    cart: CartSnapshot
    # The line changes since the previous snapshot carts published (empty for a change of status or totals only).
    item_changes: list[ItemChange] = []


class CartDeleted(Message):
    TYPE = "cart.deleted"

    cart_id: uuid.UUID
    reason: Literal["shopper", "merchant", "expired", "blocked", "unknown"] = "unknown"
    deleted_at: AwareDatetime


class CartConverted(Message):
    TYPE = "cart.converted"

    cart_id: uuid.UUID
    order_id: int
    converted_at: AwareDatetime


class CartAbandoned(Message):
    TYPE = "cart.abandoned"

    cart_id: uuid.UUID
    grand_total: Money
    currency: str
    abandoned_at: AwareDatetime


# --- orders -------------------------------------------------------------------------------------------


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    product_id: int
    variant_id: int | None = None
    name: str
    quantity: int
    unit_price: Money
    total: Money


class OrderPlaced(Message):
    TYPE = "order.placed"

    order_id: int
    cart_id: uuid.UUID | None = None
    status_id: int
    customer_id: int | None = None
    email: str | None = None
    ip: str | None = None
    country: str | None = None  # from the order's geoip (its IP), else the cart's session
    billing_country: str | None = None  # ISO 3166 alpha-2 of the billing address; the blacklist judges it too
    currency: str
    subtotal: Money
    grand_total: Money
    items: list[OrderLine]
    placed_at: AwareDatetime
    # The staff member who created it through Cartio (None: the shopper's own checkout). Such orders carry no
    # shopper IP in a real store, so blacklist judges them by their cart's session.
    created_by: str | None = None


# --- blacklist ----------------------------------------------------------------------------------------


class BlacklistMatched(Message):
    TYPE = "blacklist.matched"

    rule_id: int
    kind: Literal["email", "email_domain", "ip", "cidr", "country"]
    value: str
    subject: Literal["cart", "order"]
    cart_id: uuid.UUID | None = None
    order_id: int | None = None
    matched_at: AwareDatetime
    # What of the cart or order matched (the address, IP or country) and the rule's note, for the timeline and the
    # declined order's staff note.
    matched: str | None = None
    note: str | None = None


class BlacklistRulesChanged(Message):
    """A store's blacklist rules changed: every blacklist replica reloads that store's index."""

    TYPE = "blacklist.rules_changed"

    rule_id: int
    change: Literal["created", "updated", "deleted"]
    changed_at: AwareDatetime


# --- notifier -----------------------------------------------------------------------------------------


class SendCart(Message):
    """Command to the notifier: email this cart to the shopper with a link to finish checkout."""

    TYPE = "notifier.send_cart"

    cart: CartSnapshot
    recipient: str
    checkout_url: str
    message: str | None = Field(default=None, max_length=2000)
    requested_by: str
    # The cart the checkout link opens: a storefront cart is re-created through the API to send it, so an order
    # of this cart is a recovery of `cart.id`.
    checkout_cart_id: uuid.UUID | None = None
    store_name: str | None = None

    @staticmethod
    def command_id(store_hash: str, cart_id: uuid.UUID, idempotency_key: str) -> uuid.UUID:
        """The message id (= the notice id) of the send asked for with this Idempotency-Key: the same key names
        the same notice in carts and in the notifier, so a repeat never makes a second email."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"cartio:send:{store_hash}/{cart_id}/{idempotency_key}")


class NotificationSent(Message):
    TYPE = "notification.sent"

    notification_id: uuid.UUID
    cart_id: uuid.UUID
    recipient: str
    sent_at: AwareDatetime
    checkout_cart_id: uuid.UUID | None = None


class NotificationClicked(Message):
    """A shopper opened the link of a sent cart (ingest's `/r/{token}`), before being sent to the checkout."""

    TYPE = "notification.clicked"

    notification_id: uuid.UUID
    cart_id: uuid.UUID
    clicked_at: AwareDatetime


class NotificationFailed(Message):
    TYPE = "notification.failed"

    notification_id: uuid.UUID
    cart_id: uuid.UUID
    recipient: str
    error: str
    failed_at: AwareDatetime


# --- stores -------------------------------------------------------------------------------------------


class StoreInstalled(Message):
    """The app was installed (or re-installed) in a store.

    `access_token_encrypted` is the store's API token encrypted with the shared Fernet key, so that only
    services holding that key (carts) can call BigCommerce for the store; the plain token never travels.
    """

    TYPE = "store.installed"

    store_id: str | None = None
    scope: str
    access_token_encrypted: str
    owner_email: str | None = None
    installed_at: AwareDatetime
    # From the store's information (`GET /v2/store`): reports count days in the store's time zone, emails carry
    # its name.
    store_name: str | None = None
    timezone: str | None = None  # IANA name, e.g. America/Chicago
    currency: str | None = None
    # This install's random nonce: the webhook secret is HMAC(key, "{store_hash}:{nonce}") (ingest checks it
    # without a database); None: an install from before per-install secrets (HMAC of the store hash alone).
    webhook_nonce: str | None = None


class StoreUninstalled(Message):
    TYPE = "store.uninstalled"

    uninstalled_at: AwareDatetime
    purge_after: AwareDatetime


MESSAGE_TYPES: dict[str, type[Message]] = {
    m.TYPE: m
    for m in (
        WebhookReceived,
        StorefrontSession,
        CartUpserted,
        CartDeleted,
        CartConverted,
        CartAbandoned,
        OrderPlaced,
        BlacklistMatched,
        BlacklistRulesChanged,
        SendCart,
        NotificationSent,
        NotificationClicked,
        NotificationFailed,
        StoreInstalled,
        StoreUninstalled,
    )
}


def parse(envelope: Envelope) -> Message:
    """The typed body of an envelope; raises KeyError for an unknown type, ValidationError for bad data."""
    model = MESSAGE_TYPES[envelope.type]
    return model.model_validate(envelope.data)
