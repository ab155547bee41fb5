"""Pydantic models for BigCommerce resources, callbacks and inputs: one module per API resource.

``base`` holds the field types (Money as ``Decimal``, aware ``datetime``s) and the shared base model; the
webhook body has its one definition in ``cartio_bigcommerce.webhooks``.
"""

from __future__ import annotations

from ..store_hash import store_hash_from_context
from ..webhooks import WebhookPayload
from .auth import PayloadOwner, PayloadUser, SignedPayload, TokenResponse, TokenUser
from .carts import (
    Cart,
    CartCurrency,
    CartDiscount,
    Coupon,
    CustomItem,
    GiftCertificateItem,
    LineItem,
    LineItemInput,
    LineItemOption,
    LineItems,
    OptionSelection,
    RedirectUrls,
)
from .catalog import ModifierValue, Product, ProductImage, ProductModifier, ProductVariant, VariantOptionValue
from .checkouts import (
    Address,
    Checkout,
    CheckoutAddress,
    CheckoutCart,
    Consignment,
    ConsignmentInput,
    ConsignmentLineItem,
    ShippingOption,
    Tax,
)
from .customers import Customer, CustomerAddress
from .hooks import Hook
from .orders import AppliedDiscount, Order, OrderAddress, OrderProduct, OrderProductOption, ResourceRef
from .scripts import Script
from .store import StoreInformation, StoreTimezone

Webhook = WebhookPayload
"""The older name of the webhook body (one definition, in ``cartio_bigcommerce.webhooks``)."""

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
    "ModifierValue",
    "OptionSelection",
    "Order",
    "OrderAddress",
    "OrderProduct",
    "OrderProductOption",
    "PayloadOwner",
    "PayloadUser",
    "Product",
    "ProductImage",
    "ProductModifier",
    "ProductVariant",
    "RedirectUrls",
    "ResourceRef",
    "Script",
    "ShippingOption",
    "SignedPayload",
    "StoreInformation",
    "StoreTimezone",
    "Tax",
    "TokenResponse",
    "TokenUser",
    "VariantOptionValue",
    "Webhook",
    "WebhookPayload",
    "store_hash_from_context",
]
