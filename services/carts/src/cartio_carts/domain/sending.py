"""The lines of a storefront cart re-created through the Management API to send it (doc 5.3)."""

from __future__ import annotations

from cartio_bigcommerce.models import Cart, LineItem, LineItemInput, OptionSelection


def _selections(line: LineItem) -> list[OptionSelection] | None:
    """Every chosen option and modifier (a text modifier has no value id: its text is the value)."""
    chosen = [
        OptionSelection(option_id=o.name_id, option_value=o.value_id if o.value_id is not None else o.value)
        for o in line.options
        if o.name_id is not None and (o.value_id is not None or o.value is not None)
    ]
    return chosen or None


def recreated_lines(cart: Cart) -> list[LineItemInput]:
    """The same lines: product, variant, quantity, options, and a price that was changed from the catalog's.

    The store's own price is left to the store (an overridden price makes a line ineligible for product
    promotions), so only a line whose price differs from its catalog price carries `list_price`.
    """
    lines: list[LineItemInput] = []
    for line in cart.line_items.catalog_items:
        if line.parent_id:  # a bundled child comes back with its parent
            continue
        changed = line.original_price is not None and line.list_price != line.original_price
        lines.append(LineItemInput(
            product_id=line.product_id, quantity=line.quantity, variant_id=line.variant_id,
            list_price=line.list_price if changed else None, option_selections=_selections(line),
        ))
    return lines
