"""Catalog products/variants and customers in their v3 shapes."""

from __future__ import annotations

from datetime import UTC, datetime

from .catalog import Modifier, Product, Variant
from .formats import v3_money, v3_time
from .people import Customer
from .state import Json

CATALOG_DATE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def image_json(product: Product, public_url: str) -> Json:
    url = f"{public_url}/images/{product.id}.svg"
    return {
        "id": product.id * 10,
        "product_id": product.id,
        "is_thumbnail": True,
        "sort_order": 0,
        "description": product.name,
        "image_file": f"{product.id}.svg",
        "url_zoom": url,
        "url_standard": url,
        "url_thumbnail": url,
        "url_tiny": url,
        "date_modified": v3_time(CATALOG_DATE),
    }


def variant_json(product: Product, variant: Variant, public_url: str) -> Json:
    return {
        "id": variant.id,
        "product_id": product.id,
        "sku": variant.sku,
        "sku_id": variant.id if variant.option_values else None,
        "price": v3_money(variant.price) if variant.price is not None else None,
        "calculated_price": v3_money(product.variant_price(variant)),
        "sale_price": None,
        "retail_price": None,
        "map_price": None,
        "weight": None,
        "calculated_weight": 1.0,
        "width": None,
        "height": None,
        "depth": None,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": None,
        "purchasing_disabled": False,
        "purchasing_disabled_message": "",
        "image_url": f"{public_url}/images/{product.id}.svg",
        "cost_price": None,
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": variant.inventory_level if product.inventory_tracking == "variant" else 0,
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": [
            {"id": v.id, "label": v.label, "option_id": v.option_id, "option_display_name": v.option_display_name}
            for v in variant.option_values
        ],
    }


def product_json(product: Product, public_url: str, include: set[str]) -> Json:
    body: Json = {
        "id": product.id,
        "name": product.name,
        "type": "physical",
        "sku": product.sku,
        "description": product.description,
        "weight": 1.0,
        "width": 0.0,
        "depth": 0.0,
        "height": 0.0,
        "price": v3_money(product.price),
        "cost_price": 0.0,
        "retail_price": 0.0,
        "sale_price": v3_money(product.sale_price),
        "map_price": 0.0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "calculated_price": v3_money(product.calculated_price),
        "categories": [product.category_id],
        "brand_id": 0,
        "brand_name": product.brand,
        "option_set_id": None,
        "inventory_level": product.inventory_level,
        "inventory_warning_level": 0,
        "inventory_tracking": product.inventory_tracking,
        "is_free_shipping": False,
        "is_visible": True,
        "is_featured": product.id % 5 == 0,
        "availability": "available",
        "condition": "New",
        "custom_url": {"url": f"/{product.slug}/", "is_customized": False},
        "base_variant_id": product.variants[0].id if not product.has_options else None,
        "date_created": v3_time(CATALOG_DATE),
        "date_modified": v3_time(CATALOG_DATE),
    }
    if "images" in include or "primary_image" in include:
        image = image_json(product, public_url)
        if "images" in include:
            body["images"] = [image]
        if "primary_image" in include:
            body["primary_image"] = image
    if "variants" in include:
        body["variants"] = [variant_json(product, v, public_url) for v in product.variants]
    if "options" in include:
        body["options"] = _options(product)
    if "modifiers" in include:
        body["modifiers"] = [modifier_json(product, m) for m in product.modifiers]
    return body


def modifier_json(product: Product, modifier: Modifier) -> Json:
    """A modifier as `GET /v3/catalog/products/{id}/modifiers` gives it: `config` and `value_data` by type."""
    config: Json = {}
    if modifier.type == "text":
        config = {"text_characters_limited": True, "text_min_length": 1, "text_max_length": modifier.max_length}
    elif modifier.type == "checkbox":
        config = {"checkbox_label": modifier.display_name, "checked_by_default": False}
    values: list[Json] = []
    for index, value in enumerate(modifier.values):
        entry: Json = {"id": value.id, "option_id": modifier.id, "label": value.label, "sort_order": index,
                       "is_default": modifier.type == "checkbox" and index == 1}
        if modifier.type == "checkbox":
            entry["value_data"] = {"checked_value": index == 0}
        values.append(entry)
    return {
        "id": modifier.id,
        "product_id": product.id,
        "name": f"{modifier.display_name}{product.id}",
        "display_name": modifier.display_name,
        "type": modifier.type,
        "required": modifier.required,
        "sort_order": product.modifiers.index(modifier),
        "config": config,
        "option_values": values,
    }


def _options(product: Product) -> list[Json]:
    options: dict[int, Json] = {}
    for variant in product.variants:
        for value in variant.option_values:
            option = options.setdefault(value.option_id, {
                "id": value.option_id,
                "product_id": product.id,
                "display_name": value.option_display_name,
                "type": "rectangles",
                "option_values": [],
            })
            if all(v["id"] != value.id for v in option["option_values"]):
                option["option_values"].append({"id": value.id, "label": value.label, "is_default": False})
    return list(options.values())


def customer_json(customer: Customer, include: set[str]) -> Json:
    body: Json = {
        "id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": "",
        "phone": customer.phone,
        "customer_group_id": 0,
        "registration_ip_address": customer.registration_ip_address,
        "date_created": v3_time(customer.date_created),
        "date_modified": v3_time(customer.date_created),
        "notes": "",
        "tax_exempt_category": "",
        "accepts_product_review_abandoned_cart_emails": True,
        "channel_ids": [1],
        "address_count": len(customer.addresses),
        "attribute_count": 0,
        "authentication": {"force_password_reset": False},
        "store_credit_amounts": [{"amount": 0}],
        "origin_channel_id": 1,
    }
    if "addresses" in include:
        body["addresses"] = [dict(a) for a in customer.addresses]
    return body
