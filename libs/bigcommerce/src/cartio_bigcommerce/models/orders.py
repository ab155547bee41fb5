"""Orders (v2 ``/orders``): an order, its billing address and its lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from .base import ApiModel, Money, OptTimestamp, StrId, empty_to_none, to_str_id

__all__ = ["AppliedDiscount", "Order", "OrderAddress", "OrderProduct", "OrderProductOption", "ResourceRef"]


class ResourceRef(ApiModel):
    url: str | None = None
    resource: str | None = None


class OrderAddress(ApiModel):
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
        return to_str_id(value)


class Order(ApiModel):
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
        return empty_to_none(value)

    @field_validator("items_total", "items_shipped", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return int(Decimal(value))
        return value


class AppliedDiscount(ApiModel):
    id: StrId | None = None
    amount: Money = Decimal(0)
    name: str | None = None
    code: str | None = None
    target: str | None = None


class OrderProductOption(ApiModel):
    id: int | None = None
    option_id: int | None = None
    product_option_id: int | None = None
    display_name: str | None = None
    display_value: str | None = None
    value: StrId | None = None
    name: str | None = None


class OrderProduct(ApiModel):
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
