"""Pydantic models for BigCommerce resources, callbacks and inputs.

Response models ignore unknown fields (BigCommerce adds fields over time). Money is ``Decimal`` (v3 sends JSON
numbers, v2 sends strings such as ``"62.6800"``); times are timezone-aware ``datetime`` (v3 ISO 8601, v2 RFC 2822,
hooks unix seconds; naive values are taken as UTC).
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from .store_hash import store_hash_from_context
from .webhooks import WebhookPayload

__all__ = [
    "Address",
    "AppliedDiscount",
    "Cart",
    "CartCurrency",
    "CartDiscount",
    "Checkout",
    "CheckoutAddress",
    "CheckoutCart",
    "Consignment",
    "ConsignmentInput",
    "ConsignmentLineItem",
    "Coupon",
    "CustomItem",
    "Customer",
    "CustomerAddress",
    "GiftCertificateItem",
    "Hook",
    "LineItem",
    "LineItemInput",
    "LineItemOption",
    "LineItems",
    "OptionSelection",
    "Order",
    "OrderAddress",
    "OrderProduct",
    "OrderProductOption",
    "PayloadOwner",
    "PayloadUser",
    "Product",
    "ProductImage",
    "ProductVariant",
    "RedirectUrls",
    "ResourceRef",
    "Script",
    "ShippingOption",
    "SignedPayload",
    "Tax",
    "TokenResponse",
    "TokenUser",
    "VariantOptionValue",
    "Webhook",
    "store_hash_from_context",
]



# ---------------------------------------------------------------------------------------------------------------
# Field types


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return Decimal(0)
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
    return value


def _to_datetime(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"not an ISO 8601 or RFC 2822 time: {value!r}") from exc
        value = parsed
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _to_str_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _empty_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Money = Annotated[Decimal, BeforeValidator(_to_decimal)]
"""An amount read from BigCommerce (JSON number or decimal string)."""

Timestamp = Annotated[datetime, BeforeValidator(_to_datetime)]
"""A timezone-aware time from ISO 8601, RFC 2822 or unix seconds."""

OptTimestamp = Annotated[datetime | None, BeforeValidator(_to_datetime)]
"""Like :data:`Timestamp`; empty strings (v2 ``date_shipped: ""``) and null are ``None``."""

StrId = Annotated[str, BeforeValidator(_to_str_id)]
"""An identifier BigCommerce sometimes types as a number, sometimes as a string."""

MoneyIn = Annotated[Decimal, PlainSerializer(float, return_type=float)]
"""An amount sent to BigCommerce (serialised as a JSON number)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# ---------------------------------------------------------------------------------------------------------------
# Carts v3


class CartCurrency(_Model):
    code: str
    name: str | None = None
    symbol: str | None = None
    decimal_places: int | None = None


class Coupon(_Model):
    id: StrId | None = None
    code: str
    coupon_type: StrId | None = None
    """Digit string (``"1"``) or name (``"percentage_discount"``); both occur."""
    display_name: str | None = None
    discounted_amount: Money = Decimal(0)


class CartDiscount(_Model):
    id: StrId
    discounted_amount: Money = Decimal(0)


class LineItemOption(_Model):
    name: str | None = None
    name_id: int | None = Field(default=None, validation_alias=AliasChoices("nameId", "name_id"))
    value: str | None = None
    value_id: int | None = Field(default=None, validation_alias=AliasChoices("valueId", "value_id"))


class LineItem(_Model):
    """A physical or digital cart line."""

    id: str
    parent_id: str | None = None
    variant_id: int | None = None
    product_id: int
    sku: str | None = None
    name: str = ""
    url: str | None = None
    quantity: int
    taxable: bool | None = Field(default=None, validation_alias=AliasChoices("taxable", "is_taxable"))
    """Carts v3 physical items say ``taxable``; digital items and the checkout's cart say ``is_taxable``."""
    image_url: str | None = None
    discount_amount: Money = Decimal(0)
    coupon_amount: Money = Decimal(0)
    original_price: Money | None = None
    list_price: Money = Decimal(0)
    sale_price: Money = Decimal(0)
    extended_list_price: Money = Decimal(0)
    extended_sale_price: Money = Decimal(0)
    is_require_shipping: bool | None = None
    is_mutable: bool | None = None
    added_by_promotion: bool | None = None
    options: list[LineItemOption] = Field(default_factory=list)


class CustomItem(_Model):
    id: str
    sku: str | None = None
    name: str = ""
    quantity: int
    list_price: Money = Decimal(0)
    extended_list_price: Money = Decimal(0)
    image_url: str | None = None


class GiftCertificateItem(_Model):
    id: str
    name: str | None = None
    theme: str | None = None
    amount: Money = Decimal(0)
    quantity: int = 1
    taxable: bool | None = Field(default=None, validation_alias=AliasChoices("taxable", "is_taxable"))
    sender: dict[str, Any] | None = None
    recipient: dict[str, Any] | None = None
    message: str | None = None


class LineItems(_Model):
    physical_items: list[LineItem] = Field(default_factory=list)
    digital_items: list[LineItem] = Field(default_factory=list)
    custom_items: list[CustomItem] = Field(default_factory=list)
    gift_certificates: list[GiftCertificateItem] = Field(default_factory=list)

    @property
    def catalog_items(self) -> list[LineItem]:
        """Physical then digital items (the lines that refer to catalog products)."""
        return [*self.physical_items, *self.digital_items]

    @property
    def count(self) -> int:
        """Number of lines of every kind."""
        return len(self.physical_items) + len(self.digital_items) + len(self.custom_items) + len(self.gift_certificates)


class RedirectUrls(_Model):
    cart_url: str
    checkout_url: str
    embedded_checkout_url: str | None = None


class Cart(_Model):
    id: str
    customer_id: int = 0
    channel_id: int | None = None
    email: str | None = None
    currency: CartCurrency | None = None
    tax_included: bool = Field(default=False, validation_alias=AliasChoices("tax_included", "is_tax_included"))
    """Carts say ``tax_included``; the checkout's embedded cart says ``is_tax_included``."""
    base_amount: Money = Decimal(0)
    discount_amount: Money = Decimal(0)
    manual_discount_amount: Money = Decimal(0)
    cart_amount: Money = Decimal(0)
    coupons: list[Coupon] = Field(default_factory=list)
    discounts: list[CartDiscount] = Field(default_factory=list)
    line_items: LineItems = Field(default_factory=LineItems)
    created_time: OptTimestamp = None
    updated_time: OptTimestamp = None
    locale: str | None = None
    version: int | None = None
    redirect_urls: RedirectUrls | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: Any) -> Any:
        return _empty_to_none(value)


# ---------------------------------------------------------------------------------------------------------------
# Checkouts v3


class _AddressFields(_Model):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state_or_province: str | None = None
    state_or_province_code: str | None = None
    country_code: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    custom_fields: list[dict[str, Any]] | None = None


class Address(_AddressFields):
    """Input address for checkout billing addresses and consignments (``country_code`` is required)."""

    country_code: str

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class CheckoutAddress(_AddressFields):
    """An address as a checkout returns it."""

    id: StrId | None = None
    country: str | None = None


class ShippingOption(_Model):
    id: str
    type: str | None = None
    description: str | None = None
    cost: Money = Decimal(0)
    transit_time: str | None = None
    image_url: str | None = None
    additional_description: str | None = None


class Consignment(_Model):
    id: str
    address: CheckoutAddress | None = None
    shipping_address: CheckoutAddress | None = None
    line_item_ids: list[str] = Field(default_factory=list)
    available_shipping_options: list[ShippingOption] | None = None
    selected_shipping_option: ShippingOption | None = None
    shipping_cost_inc_tax: Money = Decimal(0)
    shipping_cost_ex_tax: Money = Decimal(0)
    handling_cost_inc_tax: Money = Decimal(0)
    handling_cost_ex_tax: Money = Decimal(0)
    coupon_discounts: list[dict[str, Any]] = Field(default_factory=list)
    discounts: list[dict[str, Any]] = Field(default_factory=list)


class Tax(_Model):
    name: str | None = None
    amount: Money = Decimal(0)


class CheckoutCart(Cart):
    """The cart embedded in a checkout: it carries ``cart_amount_inc_tax``/``_ex_tax`` and may omit
    ``cart_amount``, which is then derived from them."""

    cart_amount_inc_tax: Money | None = None
    cart_amount_ex_tax: Money | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_cart_amount(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("cart_amount") is None:
            tax_included = value.get("tax_included", value.get("is_tax_included", False))
            derived = value.get("cart_amount_inc_tax" if tax_included else "cart_amount_ex_tax")
            if derived is not None:
                return {**value, "cart_amount": derived}
        return value


class Checkout(_Model):
    id: str
    cart: CheckoutCart
    billing_address: CheckoutAddress | None = None
    consignments: list[Consignment] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    coupons: list[Coupon] = Field(default_factory=list)
    fees: list[dict[str, Any]] = Field(default_factory=list)
    order_id: int | None = None
    shipping_cost_total_inc_tax: Money = Decimal(0)
    shipping_cost_total_ex_tax: Money = Decimal(0)
    handling_cost_total_inc_tax: Money = Decimal(0)
    handling_cost_total_ex_tax: Money = Decimal(0)
    tax_total: Money = Decimal(0)
    subtotal_inc_tax: Money = Decimal(0)
    subtotal_ex_tax: Money = Decimal(0)
    grand_total: Money = Decimal(0)
    created_time: OptTimestamp = None
    updated_time: OptTimestamp = None
    customer_message: str | None = None
    version: int | None = None

    @field_validator("billing_address", mode="before")
    @classmethod
    def _empty_address(cls, value: Any) -> Any:
        # A checkout without a billing address may carry an empty object.
        if isinstance(value, dict) and not any(v not in (None, "", [], {}) for v in value.values()):
            return None
        return value

    @field_validator("order_id", mode="before")
    @classmethod
    def _order_id(cls, value: Any) -> Any:
        return _empty_to_none(value)


class ConsignmentLineItem(_Model):
    item_id: str
    quantity: int


class ConsignmentInput(_Model):
    """One consignment to create: a shipping address and the cart lines shipped there."""

    address: Address
    line_items: list[ConsignmentLineItem]

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class OptionSelection(_Model):
    option_id: int
    option_value: int | str
    name: str | None = None
    value: str | None = None


class LineItemInput(_Model):
    """A catalog line to add to a cart."""

    product_id: int
    quantity: int
    variant_id: int | None = None
    list_price: MoneyIn | None = None
    name: str | None = None
    option_selections: list[OptionSelection] | None = None

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# ---------------------------------------------------------------------------------------------------------------
# Orders v2


class ResourceRef(_Model):
    url: str | None = None
    resource: str | None = None


class OrderAddress(_Model):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_iso2: str | None = None
    phone: str | None = None
    email: str | None = None
    form_fields: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("zip", "phone", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        return _to_str_id(value)


class Order(_Model):
    id: int
    customer_id: int = 0
    status_id: int
    status: str | None = None
    custom_status: str | None = None
    date_created: OptTimestamp = None
    date_modified: OptTimestamp = None
    date_shipped: OptTimestamp = None
    subtotal_ex_tax: Money = Decimal(0)
    subtotal_inc_tax: Money = Decimal(0)
    subtotal_tax: Money = Decimal(0)
    base_shipping_cost: Money = Decimal(0)
    shipping_cost_ex_tax: Money = Decimal(0)
    shipping_cost_inc_tax: Money = Decimal(0)
    total_ex_tax: Money = Decimal(0)
    total_inc_tax: Money = Decimal(0)
    total_tax: Money = Decimal(0)
    discount_amount: Money = Decimal(0)
    coupon_discount: Money = Decimal(0)
    items_total: int = 0
    items_shipped: int = 0
    payment_method: str | None = None
    payment_status: str | None = None
    currency_code: str | None = None
    ip_address: str | None = None
    ip_address_v6: str | None = None
    geoip_country: str | None = None
    geoip_country_iso2: str | None = None
    cart_id: str | None = None
    channel_id: int | None = None
    order_source: str | None = None
    external_order_id: str | None = None
    customer_message: str | None = None
    staff_notes: str | None = None
    is_deleted: bool = False
    billing_address: OrderAddress | None = None
    products: ResourceRef | None = None
    shipping_addresses: ResourceRef | None = None
    coupons: ResourceRef | None = None

    @field_validator(
        "cart_id",
        "ip_address",
        "ip_address_v6",
        "geoip_country",
        "geoip_country_iso2",
        "external_order_id",
        mode="before",
    )
    @classmethod
    def _blank_to_none(cls, value: Any) -> Any:
        return _empty_to_none(value)

    @field_validator("items_total", "items_shipped", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return int(Decimal(value))
        return value


class AppliedDiscount(_Model):
    id: StrId | None = None
    amount: Money = Decimal(0)
    name: str | None = None
    code: str | None = None
    target: str | None = None


class OrderProductOption(_Model):
    id: int | None = None
    option_id: int | None = None
    product_option_id: int | None = None
    display_name: str | None = None
    display_value: str | None = None
    value: StrId | None = None
    name: str | None = None


class OrderProduct(_Model):
    id: int
    order_id: int
    product_id: int
    variant_id: int | None = None
    name: str = ""
    sku: str | None = None
    type: str | None = None
    quantity: int
    base_price: Money = Decimal(0)
    price_ex_tax: Money = Decimal(0)
    price_inc_tax: Money = Decimal(0)
    total_ex_tax: Money = Decimal(0)
    total_inc_tax: Money = Decimal(0)
    applied_discounts: list[AppliedDiscount] = Field(default_factory=list)
    product_options: list[OrderProductOption] = Field(default_factory=list)
    parent_order_product_id: int | None = None
    is_bundled_product: bool = False


# ---------------------------------------------------------------------------------------------------------------
# Catalog, customers


class ProductImage(_Model):
    id: int
    product_id: int | None = None
    is_thumbnail: bool = False
    url_thumbnail: str | None = None
    url_standard: str | None = None
    url_tiny: str | None = None
    url_zoom: str | None = None
    sort_order: int | None = None


class VariantOptionValue(_Model):
    id: int
    label: str | None = None
    option_id: int | None = None
    option_display_name: str | None = None


class ProductVariant(_Model):
    id: int
    product_id: int | None = None
    sku: str | None = None
    price: Money | None = None
    """``None`` means "inherit the product price"."""
    sale_price: Money | None = None
    calculated_price: Money | None = None
    inventory_level: int | None = None
    purchasing_disabled: bool = False
    image_url: str | None = None
    option_values: list[VariantOptionValue] = Field(default_factory=list)


class Product(_Model):
    id: int
    name: str
    type: str | None = None
    sku: str | None = None
    price: Money = Decimal(0)
    sale_price: Money = Decimal(0)
    retail_price: Money = Decimal(0)
    calculated_price: Money | None = None
    inventory_level: int | None = None
    inventory_tracking: str | None = None
    is_visible: bool = True
    availability: str | None = None
    images: list[ProductImage] = Field(default_factory=list)
    variants: list[ProductVariant] = Field(default_factory=list)

    @property
    def thumbnail_url(self) -> str | None:
        for image in self.images:
            if image.is_thumbnail:
                return image.url_thumbnail or image.url_standard
        return (self.images[0].url_thumbnail or self.images[0].url_standard) if self.images else None


class CustomerAddress(_Model):
    id: int
    customer_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state_or_province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None
    address_type: str | None = None


class Customer(_Model):
    id: int
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    customer_group_id: int | None = None
    registration_ip_address: str | None = None
    date_created: OptTimestamp = None
    date_modified: OptTimestamp = None
    notes: str | None = None
    channel_ids: list[int] | None = None
    address_count: int | None = None
    addresses: list[CustomerAddress] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Hooks, scripts


class Hook(_Model):
    id: int
    client_id: str | None = None
    store_hash: str | None = None
    scope: str
    destination: str
    is_active: bool = True
    headers: dict[str, str] | None = None
    created_at: OptTimestamp = None
    updated_at: OptTimestamp = None


class Script(_Model):
    uuid: str
    name: str
    description: str | None = None
    kind: str | None = None
    src: str | None = None
    html: str | None = None
    load_method: str | None = None
    location: str | None = None
    visibility: str | None = None
    auto_uninstall: bool | None = None
    consent_category: str | None = None
    enabled: bool | None = None
    channel_id: int | None = None
    integrity_hashes: list[str] = Field(default_factory=list)
    date_created: OptTimestamp = None
    date_modified: OptTimestamp = None
    api_client_id: str | None = None


# ---------------------------------------------------------------------------------------------------------------
# OAuth, signed payload, webhook callbacks


class TokenUser(_Model):
    id: int
    username: str | None = None
    email: str | None = None


class TokenResponse(_Model):
    access_token: str = Field(min_length=1)
    scope: str = ""
    user: TokenUser
    owner: TokenUser | None = None
    context: str
    account_uuid: str | None = None

    @property
    def store_hash(self) -> str:
        return store_hash_from_context(self.context)

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())


class PayloadUser(_Model):
    id: int
    email: str | None = None
    locale: str | None = None


class PayloadOwner(_Model):
    id: int
    email: str | None = None


class SignedPayload(_Model):
    """Claims of a verified ``signed_payload_jwt`` (load / uninstall / remove_user callbacks)."""

    aud: str
    iss: str | None = None
    iat: int
    nbf: int
    exp: int
    jti: str = Field(min_length=1)
    """Unique token id: the caller keeps the ones it has seen (replay protection)."""
    sub: str
    user: PayloadUser
    owner: PayloadOwner | None = None
    url: str | None = None
    channel_id: int | None = None

    @field_validator("sub")
    @classmethod
    def _sub_is_store(cls, value: str) -> str:
        store_hash_from_context(value)
        return value

    @property
    def store_hash(self) -> str:
        return store_hash_from_context(self.sub)


# The webhook body has its one definition in `webhooks.py`; `Webhook` is its older name.
Webhook = WebhookPayload
