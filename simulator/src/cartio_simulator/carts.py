"""Cart changes as BigCommerce makes them, shared by the Management API and the simulated shoppers.

Each change validates, mutates the cart (bumping `version` and `updated_time`) and returns the webhook
events BigCommerce fires for it. None of them awaits, so each is atomic on the event loop.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from .catalog import PRODUCTS, Product, Variant
from .errors import SimError, invalid, not_found
from .state import Cart, CustomItem, Event, LineItem, Store

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_QUANTITY = 10000


@dataclass
class LineInput:
    product_id: object
    quantity: object
    variant_id: object = None
    list_price: object = None
    name: object = None
    option_selections: list[object] = field(default_factory=list)


@dataclass
class CustomInput:
    sku: str
    name: str
    quantity: int
    list_price: Decimal
    image_url: str = ""


def cart_event(scope: str, cart: Cart, **extra: object) -> Event:
    return Event(f"store/cart/{scope}", {"type": "cart", "id": cart.id, **extra})


def item_event(scope: str, cart: Cart, item_id: str) -> Event:
    return Event(f"store/cart/lineItem/{scope}", {"type": "cart_line_item", "id": item_id, "cartId": cart.id})


def get_cart(store: Store, cart_id: str) -> Cart:
    cart = store.carts.get(cart_id)
    if cart is None:
        raise not_found("Cart")
    return cart


def check_version(cart: Cart, version: object) -> None:
    if version is None:
        return
    if not isinstance(version, int) or isinstance(version, bool):
        raise invalid("JSON data is missing or invalid", {"version": "must be an integer"})
    if version != cart.version:
        raise SimError(409, f"The cart version is out of date: sent {version}, current is {cart.version}")


def _int(value: object, field_name: str, minimum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid("JSON data is missing or invalid", {field_name: "must be an integer"})
    if minimum is not None and value < minimum:
        raise invalid("JSON data is missing or invalid", {field_name: f"must be at least {minimum}"})
    return value


def _price(value: object, field_name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid("JSON data is missing or invalid", {field_name: "must be a number"})
    try:
        price = Decimal(str(value))
    except ArithmeticError as exc:
        raise invalid("JSON data is missing or invalid", {field_name: "must be a number"}) from exc
    if not price.is_finite() or price < 0:
        raise invalid("JSON data is missing or invalid", {field_name: "must be a number >= 0"})
    return price


MISSING = "Missing or incorrect required fields"
Selections = tuple[tuple[int, int | str], ...]


def _selections(product: Product, raw: list[object], prefix: str) -> tuple[dict[int, int], Selections]:
    """`option_selections` checked against the product: (variant option id -> value id, modifier choices in the
    product's order). An unknown option or value, a text too long, or an option given twice is a 422."""
    variant_values: dict[int, int] = {}
    chosen: dict[int, int | str] = {}
    for index, entry in enumerate(raw):
        at = f"{prefix}.option_selections.{index}"
        if not isinstance(entry, dict):
            raise invalid(MISSING, {at: "must be an object"})
        option_id, value = entry.get("option_id"), entry.get("option_value")
        if not isinstance(option_id, int) or isinstance(option_id, bool):
            raise invalid(MISSING, {f"{at}.option_id": "must be an integer"})
        if option_id in variant_values or option_id in chosen:
            raise invalid(MISSING, {f"{at}.option_id": f"option {option_id} is given twice"})
        modifier = product.modifier(option_id)
        if option_id in product.option_ids:
            known = {v.id for variant in product.variants for v in variant.option_values if v.option_id == option_id}
            if not isinstance(value, int) or isinstance(value, bool) or value not in known:
                raise invalid(f"Option value {value!r} is not a value of option {option_id}",
                              {f"{at}.option_value": "unknown value for this option"})
            variant_values[option_id] = value
        elif modifier is None:
            raise invalid(f"Option {option_id} is not an option of product {product.id}",
                          {f"{at}.option_id": "unknown option for this product"})
        elif modifier.type == "text":
            if not isinstance(value, str) or not value.strip():
                raise invalid(MISSING, {f"{at}.option_value": f"'{modifier.display_name}' needs a text"})
            if len(value) > modifier.max_length:
                raise invalid(f"'{modifier.display_name}' takes at most {modifier.max_length} characters",
                              {f"{at}.option_value": f"at most {modifier.max_length} characters"})
            chosen[option_id] = value
        else:
            if not isinstance(value, int) or isinstance(value, bool) or modifier.value(value) is None:
                raise invalid(f"Option value {value!r} is not a value of option {option_id}",
                              {f"{at}.option_value": "unknown value for this option"})
            chosen[option_id] = value
    missing = [m.display_name for m in product.modifiers if m.required and m.id not in chosen]
    if missing:
        raise invalid(MISSING, {f"{prefix}.option_selections": "a value is required for " + ", ".join(
            f"'{name}'" for name in missing)})
    return variant_values, tuple((m.id, chosen[m.id]) for m in product.modifiers if m.id in chosen)


def _variant(product: Product, line: LineInput, values: dict[int, int], prefix: str) -> Variant:
    """The variant by `variant_id`, or the one the variant options in `option_selections` make; both must agree."""
    if line.variant_id is not None:
        variant = product.variant(_int(line.variant_id, f"{prefix}.variant_id"))
        if variant is None:
            raise invalid(
                f"Variant {line.variant_id} does not belong to product {product.id}",
                {f"{prefix}.variant_id": "unknown variant for this product"},
            )
        if any(v.option_id in values and values[v.option_id] != v.id for v in variant.option_values):
            raise invalid(f"The option selections do not match variant {variant.id}",
                          {f"{prefix}.option_selections": "contradicts variant_id"})
        return variant
    if values:
        for variant in product.variants:
            if {(v.option_id, v.id) for v in variant.option_values} == set(values.items()):
                return variant
        raise invalid(
            f"The option selections do not match a variant of product {product.id}",
            {f"{prefix}.option_selections": "no such variant"},
        )
    if product.has_options:
        raise invalid(MISSING, {"variant": "This product has options, variant ID is required"})
    return product.variants[0]


def make_line(store: Store, cart: Cart | None, line: LineInput, prefix: str) -> LineItem:
    """A validated new line item (not yet in the cart)."""
    product_id = _int(line.product_id, f"{prefix}.product_id")
    quantity = _int(line.quantity, f"{prefix}.quantity", minimum=1)
    if quantity > MAX_QUANTITY:
        raise invalid("JSON data is missing or invalid", {f"{prefix}.quantity": f"must be at most {MAX_QUANTITY}"})
    product = PRODUCTS.get(product_id)
    if product is None:
        raise invalid(f"Product {product_id} does not exist", {f"{prefix}.product_id": "unknown product"})
    values, modifiers = _selections(product, line.option_selections, prefix)
    variant = _variant(product, line, values, prefix)
    already = sum(i.quantity for i in cart.items if i.variant_id == variant.id) if cart else 0
    _check_stock(product, variant, already + quantity, prefix)
    overridden = line.list_price is not None
    price = _price(line.list_price, f"{prefix}.list_price") if overridden else product.variant_price(variant)
    name = line.name if isinstance(line.name, str) and line.name else product.name
    return LineItem(
        id=str(uuid.uuid4()),
        product_id=product.id,
        variant_id=variant.id,
        quantity=quantity,
        list_price=price,
        original_price=variant.price if variant.price is not None else product.price,
        name=name,
        sku=variant.sku,
        price_overridden=overridden,
        modifiers=modifiers,
    )


def _check_stock(product: Product, variant: Variant, quantity: int, prefix: str) -> None:
    stock = product.stock(variant)
    if stock is not None and quantity > stock:
        raise invalid(
            f"Only {stock} of '{product.name}' ({variant.sku}) are in stock",
            {f"{prefix}.quantity": f"at most {stock} available"},
        )


def check_customer(store: Store, customer_id: object) -> int:
    value = _int(customer_id, "customer_id", minimum=0)
    if value and value not in store.customers:
        raise invalid(f"Customer {value} does not exist", {"customer_id": "unknown customer"})
    return value


def check_email(email: object, field_name: str = "email") -> str:
    if not isinstance(email, str) or not EMAIL_RE.match(email) or len(email) > 250:
        raise invalid("The email address is invalid", {field_name: "must be a valid email address"})
    return email


def create_cart(
    store: Store,
    lines: list[LineInput],
    custom: list[CustomInput],
    *,
    created_via: str,
    customer_id: object = 0,
    channel_id: int = 1,
    locale: str = "en-US",
) -> tuple[Cart, list[Event]]:
    if not lines and not custom:
        raise invalid("JSON data is missing or invalid", {"line_items": "at least one item is required"})
    cart = Cart(
        id=str(uuid.uuid4()),
        created_via=created_via,
        customer_id=check_customer(store, customer_id),
        channel_id=channel_id,
        locale=locale,
        session_id=secrets.token_hex(16),
    )
    if cart.customer_id:
        cart.email = store.customers[cart.customer_id].email
    new_items = _build_lines(store, cart, lines)
    cart.items.extend(new_items)
    cart.custom_items.extend(_custom(c) for c in custom)
    store.carts[cart.id] = cart
    events = [cart_event("created", cart), cart_event("updated", cart)]
    events += [item_event("created", cart, i.id) for i in cart.all_items()]
    return cart, events


def _custom(item: CustomInput) -> CustomItem:
    return CustomItem(str(uuid.uuid4()), item.sku, item.name, item.quantity, item.list_price, item.image_url)


def _build_lines(store: Store, cart: Cart, lines: list[LineInput]) -> list[LineItem]:
    built: list[LineItem] = []
    for index, line in enumerate(lines):
        item = make_line(store, cart, line, f"line_items.{index}")
        # Count earlier lines of this request against the stock too.
        cart.items.append(item)
        built.append(item)
    del cart.items[len(cart.items) - len(built) :]
    return built


def add_items(store: Store, cart: Cart, lines: list[LineInput], custom: list[CustomInput]) -> list[Event]:
    if not lines and not custom:
        raise invalid("JSON data is missing or invalid", {"line_items": "at least one item is required"})
    new_items = _build_lines(store, cart, lines)
    events: list[Event] = [cart_event("updated", cart)]
    for item in new_items:
        same = next(
            (
                i
                for i in cart.items
                if i.variant_id == item.variant_id and i.modifiers == item.modifiers
                and not i.price_overridden and not item.price_overridden
            ),
            None,
        )
        if same is not None:
            same.quantity += item.quantity
            events.append(item_event("updated", cart, same.id))
        else:
            cart.items.append(item)
            events.append(item_event("created", cart, item.id))
    for custom_input in custom:
        created = _custom(custom_input)
        cart.custom_items.append(created)
        events.append(item_event("created", cart, created.id))
    cart.touch()
    return events


def update_item(
    store: Store,
    cart: Cart,
    item_id: str,
    quantity: object,
    *,
    product_id: object = None,
    variant_id: object = None,
    list_price: object = None,
) -> tuple[bool, list[Event]]:
    """Changes a line's quantity (0 removes it). Returns (cart deleted?, events)."""
    item = cart.item(item_id)
    if item is None:
        raise not_found("Line item")
    if not isinstance(item, LineItem):
        raise invalid("Custom items cannot be updated: add a new one and delete the old one")
    qty = _int(quantity, "line_item.quantity", minimum=0)
    if qty == 0:
        return delete_item(store, cart, item_id)
    if product_id is not None and product_id != item.product_id:
        raise invalid("The product of a line item cannot be changed", {"line_item.product_id": "differs"})
    if variant_id is not None and variant_id != item.variant_id:
        raise invalid(
            "The variant of a line item cannot be changed: delete the item and add the new variant",
            {"line_item.variant_id": "differs"},
        )
    product = PRODUCTS[item.product_id]
    variant = product.variant(item.variant_id)
    assert variant is not None
    others = sum(i.quantity for i in cart.items if i.variant_id == item.variant_id and i.id != item.id)
    _check_stock(product, variant, others + qty, "line_item")
    item.quantity = qty
    if list_price is not None:
        item.list_price = _price(list_price, "line_item.list_price")
        item.price_overridden = True
    cart.touch()
    return False, [cart_event("updated", cart), item_event("updated", cart, item.id)]


def delete_item(store: Store, cart: Cart, item_id: str) -> tuple[bool, list[Event]]:
    """Removes a line. Returns (cart deleted?, events); removing the last line deletes the cart."""
    item = cart.item(item_id)
    if item is None:
        raise not_found("Line item")
    if isinstance(item, LineItem):
        cart.items.remove(item)
    else:
        cart.custom_items.remove(item)
    for consignment in cart.consignments:
        if item_id in consignment.line_item_ids:
            consignment.line_item_ids.remove(item_id)
    cart.consignments = [c for c in cart.consignments if c.line_item_ids]
    cart.touch()
    events = [item_event("deleted", cart, item_id), cart_event("updated", cart)]
    if not cart.items and not cart.custom_items:
        del store.carts[cart.id]
        events.append(cart_event("deleted", cart))
        return True, events
    return False, events


def delete_cart(store: Store, cart: Cart) -> list[Event]:
    del store.carts[cart.id]
    return [cart_event("deleted", cart)]


def set_customer(store: Store, cart: Cart, customer_id: object) -> list[Event]:
    cart.customer_id = check_customer(store, customer_id)
    if cart.customer_id:
        cart.email = store.customers[cart.customer_id].email
    cart.coupons.clear()  # promotions tied to the old customer are dropped
    for consignment in cart.consignments:
        consignment.selected_option = None
    cart.touch()
    return [cart_event("updated", cart)]


def set_email(cart: Cart, email: object) -> list[Event]:
    """A guest enters (or changes) the email; no event when it is unchanged."""
    value = check_email(email)
    if value == cart.email:
        return []
    cart.email = value
    cart.touch()
    return [cart_event("updated", cart)]


def abandon(store: Store, cart: Cart) -> tuple[str, list[Event]]:
    token = next((t for t, c in store.abandoned_tokens.items() if c == cart.id), None)
    if token is None:
        token = secrets.token_hex(16)
        store.abandoned_tokens[token] = cart.id
    return token, [cart_event("abandoned", cart, token=token)]
