"""The in-memory stores: carts, checkouts, orders, customers, hooks, scripts, tokens, codes."""

from __future__ import annotations

import asyncio
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from .formats import now
from .people import Customer, seed_customers

Json = dict[str, Any]


class Event(NamedTuple):
    """A webhook event: its scope and its thin `data`."""

    scope: str
    data: Json


@dataclass
class LineItem:
    id: str
    product_id: int
    variant_id: int
    quantity: int
    list_price: Decimal
    original_price: Decimal
    name: str
    sku: str
    price_overridden: bool = False
    modifiers: tuple[tuple[int, int | str], ...] = ()  # (modifier id, value id or a text field's text)


@dataclass
class CustomItem:
    id: str
    sku: str
    name: str
    quantity: int
    list_price: Decimal
    image_url: str = ""


@dataclass
class Consignment:
    id: str
    address: Json
    line_item_ids: list[str]
    selected_option: str | None = None  # a key of pricing.SHIPPING_METHODS


@dataclass
class Cart:
    id: str
    created_via: str  # "api" (Management API: can mint redirect URLs) or "storefront"
    customer_id: int = 0
    channel_id: int = 1
    email: str = ""
    currency: str = "USD"
    locale: str = "en-US"
    created_time: datetime = field(default_factory=now)
    updated_time: datetime = field(default_factory=now)
    version: int = 1
    items: list[LineItem] = field(default_factory=list)
    custom_items: list[CustomItem] = field(default_factory=list)
    coupons: list[str] = field(default_factory=list)
    manual_discount: Decimal = Decimal("0")
    billing_address: Json | None = None
    consignments: list[Consignment] = field(default_factory=list)
    customer_message: str = ""
    order_ids: list[int] = field(default_factory=list)
    # What the storefront saw (never in the BigCommerce cart itself).
    session_id: str = ""
    ip: str | None = None
    user_agent: str | None = None

    def touch(self) -> None:
        self.version += 1
        self.updated_time = now()

    def all_items(self) -> list[LineItem | CustomItem]:
        return [*self.items, *self.custom_items]

    def item(self, item_id: str) -> LineItem | CustomItem | None:
        for item in self.all_items():
            if item.id == item_id:
                return item
        return None


@dataclass
class OrderProduct:
    id: int
    product_id: int
    variant_id: int
    name: str
    sku: str
    quantity: int
    base_price: Decimal
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal
    discount: Decimal
    coupon_codes: list[str]
    options: list[Json]


@dataclass
class Order:
    id: int
    cart_id: str
    customer_id: int
    status_id: int
    date_created: datetime
    date_modified: datetime
    billing_address: Json  # v2 shape
    shipping_address: Json | None  # v2 shape
    products: list[OrderProduct]
    subtotal_ex_tax: Decimal
    subtotal_inc_tax: Decimal
    shipping_ex_tax: Decimal
    shipping_inc_tax: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal
    total_tax: Decimal
    discount_amount: Decimal
    coupon_discount: Decimal
    coupons: list[Json]
    shipping_method: str
    ip_address: str
    geoip_country_iso2: str
    payment_method: str
    payment_status: str
    order_source: str
    customer_message: str = ""
    staff_notes: str = ""
    is_deleted: bool = False


@dataclass
class Hook:
    id: int
    client_id: str
    store_hash: str
    scope: str
    destination: str
    is_active: bool
    headers: dict[str, str]
    created_at: datetime
    updated_at: datetime


@dataclass
class Script:
    uuid: str
    client_id: str
    fields: Json
    date_created: datetime
    date_modified: datetime


@dataclass
class AccessToken:
    token: str
    client_id: str
    scopes: frozenset[str]


@dataclass
class AuthCode:
    code: str
    client_id: str
    scopes: str  # space-separated, as BigCommerce sends it
    created: datetime
    used: bool = False


@dataclass
class RedirectToken:
    cart_id: str
    action: str  # "load", "loadInCheckout"
    used: bool = False


@dataclass
class RateWindow:
    started: float = 0.0  # loop time of the window start
    count: int = 0


@dataclass
class Store:
    hash: str
    id: str
    owner_id: int
    owner_email: str
    created: datetime = field(default_factory=now)
    # The store's information (GET /v2/store): reports count days in its time zone.
    name: str = "Cartio Demo Store"
    timezone: str = "America/Chicago"
    currency: str = "USD"
    app_installed: bool = False
    account_uuid: str = ""
    carts: dict[str, Cart] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    next_order_id: int = 100
    next_order_product_id: int = 1
    customers: dict[int, Customer] = field(default_factory=dict)
    hooks: dict[int, Hook] = field(default_factory=dict)
    hook_emails: dict[str, list[str]] = field(default_factory=dict)  # client_id -> notification emails
    scripts: dict[str, Script] = field(default_factory=dict)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    abandoned_tokens: dict[str, str] = field(default_factory=dict)
    redirect_tokens: dict[str, RedirectToken] = field(default_factory=dict)
    rate: RateWindow = field(default_factory=RateWindow)
    # Serialises multi-step changes that await in between (none of the single-step changes await).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def new_order_id(self) -> int:
        order_id = self.next_order_id
        self.next_order_id += 1
        return order_id

    def new_order_product_id(self) -> int:
        product_id = self.next_order_product_id
        self.next_order_product_id += 1
        return product_id


def random_hash() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(10))


def random_token(length: int = 31) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class World:
    """Every simulated store, in the order they were opened (the first is the default)."""

    def __init__(self, first_hash: str | None = None) -> None:
        self.stores: dict[str, Store] = {}
        self._next_hook_id = 22000000
        self.add_store(first_hash)

    @property
    def first(self) -> Store:
        return next(iter(self.stores.values()))

    def add_store(self, store_hash: str | None = None) -> Store:
        store_hash = store_hash or random_hash()
        while store_hash in self.stores:
            store_hash = random_hash()
        number = len(self.stores)
        store = Store(
            hash=store_hash,
            id=str(1009001 + number),
            owner_id=500 + number,
            owner_email=f"owner@{store_hash}.store.example",
        )
        store.customers = seed_customers(store.created)
        self.stores[store_hash] = store
        return store

    def new_hook_id(self) -> int:
        self._next_hook_id += 1
        return self._next_hook_id

    def store_for_code(self, code: str) -> Store | None:
        return next((s for s in self.stores.values() if code in s.codes), None)
