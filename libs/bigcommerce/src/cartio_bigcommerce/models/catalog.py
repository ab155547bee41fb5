"""Catalog (v3 ``/catalog/products``): products with their images, variants and modifiers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from .base import ApiModel, Money

__all__ = ["ModifierValue", "Product", "ProductImage", "ProductModifier", "ProductVariant", "VariantOptionValue"]


class ProductImage(ApiModel):
    id: int
    product_id: int | None = None
    is_thumbnail: bool = False
    url_thumbnail: str | None = None
    url_standard: str | None = None
    url_tiny: str | None = None
    url_zoom: str | None = None
    sort_order: int | None = None


class VariantOptionValue(ApiModel):
    id: int
    label: str | None = None
    option_id: int | None = None
    option_display_name: str | None = None


class ProductVariant(ApiModel):
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


class ModifierValue(ApiModel):
    id: int
    label: str = ""
    option_id: int | None = None
    is_default: bool = False
    sort_order: int | None = None
    value_data: dict[str, Any] | None = None
    """By type, e.g. ``{"checked_value": true}`` for a checkbox's checked value."""


class ProductModifier(ApiModel):
    """A choice that makes no variant (``text``, ``checkbox``, ``dropdown``, ``date``, ...); a required one must
    be given in a cart line's ``option_selections``."""

    id: int
    product_id: int | None = None
    name: str | None = None
    display_name: str = ""
    type: str = ""
    required: bool = False
    sort_order: int | None = None
    config: dict[str, Any] | None = None
    option_values: list[ModifierValue] = Field(default_factory=list)


class Product(ApiModel):
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
    modifiers: list[ProductModifier] = Field(default_factory=list)

    @property
    def thumbnail_url(self) -> str | None:
        for image in self.images:
            if image.is_thumbnail:
                return image.url_thumbnail or image.url_standard
        return (self.images[0].url_thumbnail or self.images[0].url_standard) if self.images else None
