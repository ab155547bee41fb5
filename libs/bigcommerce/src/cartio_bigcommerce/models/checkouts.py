"""Checkouts (v3 ``/checkouts``): addresses, consignments, shipping options, the checkout's cart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator, model_validator

from .base import ApiModel, Money, OptTimestamp, StrId, empty_to_none
from .carts import Cart, Coupon

__all__ = [
    "Address",
    "AddressFields",
    "Checkout",
    "CheckoutAddress",
    "CheckoutCart",
    "Consignment",
    "ConsignmentInput",
    "ConsignmentLineItem",
    "ShippingOption",
    "Tax",
]


class AddressFields(ApiModel):
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


class Address(AddressFields):
    """Input address for checkout billing addresses and consignments (``country_code`` is required)."""

    country_code: str

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class CheckoutAddress(AddressFields):
    """An address as a checkout returns it."""

    id: StrId | None = None
    country: str | None = None


class ShippingOption(ApiModel):
    id: str
    type: str | None = None
    description: str | None = None
    cost: Money = Decimal(0)
    transit_time: str | None = None
    image_url: str | None = None
    additional_description: str | None = None


class Consignment(ApiModel):
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


class Tax(ApiModel):
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


class Checkout(ApiModel):
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
        return empty_to_none(value)


class ConsignmentLineItem(ApiModel):
    item_id: str
    quantity: int


class ConsignmentInput(ApiModel):
    """One consignment to create: a shipping address and the cart lines shipped there."""

    address: Address
    line_items: list[ConsignmentLineItem]

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
