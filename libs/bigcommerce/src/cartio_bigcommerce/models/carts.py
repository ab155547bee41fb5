"""Carts (v3 ``/carts``): a cart, its lines, and the lines to add."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field, field_validator

from .base import ApiModel, Money, MoneyIn, OptTimestamp, StrId, empty_to_none

__all__ = [
    "Cart",
    "CartCurrency",
    "CartDiscount",
    "Coupon",
    "CustomItem",
    "GiftCertificateItem",
    "LineItem",
    "LineItemInput",
    "LineItemOption",
    "LineItems",
    "OptionSelection",
    "RedirectUrls",
]


class CartCurrency(ApiModel):
    code: str
    name: str | None = None
    symbol: str | None = None
    decimal_places: int | None = None


class Coupon(ApiModel):
    id: StrId | None = None
    code: str
    coupon_type: StrId | None = None
    """Digit string (``"1"``) or name (``"percentage_discount"``); both occur."""
    display_name: str | None = None
    discounted_amount: Money = Decimal(0)


class CartDiscount(ApiModel):
    id: StrId
    discounted_amount: Money = Decimal(0)


class LineItemOption(ApiModel):
    name: str | None = None
    name_id: int | None = Field(default=None, validation_alias=AliasChoices("nameId", "name_id"))
    value: str | None = None
    value_id: int | None = Field(default=None, validation_alias=AliasChoices("valueId", "value_id"))


class LineItem(ApiModel):
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


class CustomItem(ApiModel):
    id: str
    sku: str | None = None
    name: str = ""
    quantity: int
    list_price: Money = Decimal(0)
    extended_list_price: Money = Decimal(0)
    image_url: str | None = None


class GiftCertificateItem(ApiModel):
    id: str
    name: str | None = None
    theme: str | None = None
    amount: Money = Decimal(0)
    quantity: int = 1
    taxable: bool | None = Field(default=None, validation_alias=AliasChoices("taxable", "is_taxable"))
    sender: dict[str, Any] | None = None
    recipient: dict[str, Any] | None = None
    message: str | None = None


class LineItems(ApiModel):
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


class RedirectUrls(ApiModel):
    cart_url: str
    checkout_url: str
    embedded_checkout_url: str | None = None


class Cart(ApiModel):
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
        return empty_to_none(value)


class OptionSelection(ApiModel):
    option_id: int
    option_value: int | str
    name: str | None = None
    value: str | None = None


class LineItemInput(ApiModel):
    """A catalog line to add to a cart."""

    product_id: int
    quantity: int
    variant_id: int | None = None
    list_price: MoneyIn | None = None
    name: str | None = None
    option_selections: list[OptionSelection] | None = None

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
