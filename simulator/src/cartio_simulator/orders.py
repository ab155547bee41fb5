"""Orders: placing one from a checkout, changing its status, archiving it."""

from __future__ import annotations

from decimal import Decimal

from .catalog import PRODUCTS, Product
from .errors import SimError, invalid, not_found
from .formats import cents, now
from .geo import country_for_ip, country_name
from .pricing import COUPONS, SHIPPING_METHODS, TAX_RATE, totals
from .state import Cart, Event, Json, Order, OrderProduct, Store

ORDER_STATUSES: dict[int, str] = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
WRITABLE = {"status_id", "staff_notes", "customer_message", "billing_address"}
BILLING_WRITABLE = {
    "first_name", "last_name", "company", "street_1", "street_2", "city", "state", "zip", "country",
    "country_iso2", "phone", "email",
}


def order_event(scope: str, order: Order, **extra: object) -> Event:
    return Event(f"store/order/{scope}", {"type": "order", "id": order.id, **extra})


def get_order(store: Store, order_id: int) -> Order:
    order = store.orders.get(order_id)
    if order is None:
        raise not_found("Order")
    return order


def v2_address(address: Json) -> Json:
    """A checkout address in the v2 order shape."""
    return {
        "first_name": address.get("first_name", ""),
        "last_name": address.get("last_name", ""),
        "company": address.get("company", ""),
        "street_1": address.get("address1", ""),
        "street_2": address.get("address2", ""),
        "city": address.get("city", ""),
        "state": address.get("state_or_province", ""),
        "zip": address.get("postal_code", ""),
        "country": country_name(str(address.get("country_code", ""))),
        "country_iso2": address.get("country_code", ""),
        "phone": address.get("phone", ""),
        "email": address.get("email", ""),
        "form_fields": [],
    }


def check_ready(cart: Cart) -> None:
    """What BigCommerce needs before `POST /checkouts/{id}/orders` succeeds."""
    billing = cart.billing_address
    if billing is None or not billing.get("email"):
        raise invalid("A billing address with an email is required", {"billing_address": "is required"})
    shipped = {i for c in cart.consignments if c.selected_option for i in c.line_item_ids}
    missing = [i.id for i in cart.all_items() if i.id not in shipped]
    if missing:
        raise invalid(
            "Every physical item needs a consignment with a selected shipping option",
            {"consignments": f"{len(missing)} item(s) without a shipping address and option"},
        )
    consignment = cart.consignments[0]
    required = ("first_name", "last_name", "address1", "city", "country_code")
    gaps = [f for f in required if not consignment.address.get(f)]
    if gaps:
        raise invalid("The shipping address is incomplete", {f"consignments.address.{f}": "is required" for f in gaps})


def place_order(
    store: Store,
    cart: Cart,
    *,
    status_id: int,
    payment_method: str,
    payment_status: str,
    order_source: str,
) -> tuple[Order, list[Event]]:
    check_ready(cart)
    assert cart.billing_address is not None
    server_side = order_source == "checkout_api"
    t = totals(cart)
    order_id = store.new_order_id()
    products: list[OrderProduct] = []
    for item in cart.items:
        product = PRODUCTS[item.product_id]
        variant = product.variant(item.variant_id)
        options = [
            _product_option(v.option_id, v.option_display_name, v.label, str(v.id), "Multiple choice", "Rectangle")
            for v in (variant.option_values if variant else ())
        ]
        options += [_modifier_option(product, option_id, value) for option_id, value in item.modifiers]
        line_total = item.list_price * item.quantity
        products.append(
            OrderProduct(
                id=store.new_order_product_id(),
                product_id=item.product_id,
                variant_id=item.variant_id,
                name=item.name,
                sku=item.sku,
                quantity=item.quantity,
                base_price=item.list_price,
                price_ex_tax=item.list_price,
                price_inc_tax=cents(item.list_price * (1 + TAX_RATE)),
                total_ex_tax=line_total,
                total_inc_tax=cents(line_total * (1 + TAX_RATE)),
                discount=t.item_discounts.get(item.id, Decimal(0)),
                coupon_codes=list(cart.coupons),
                options=options,
            )
        )
    selected = [c.selected_option for c in cart.consignments if c.selected_option]
    created = now()
    order = Order(
        id=order_id,
        cart_id=cart.id,
        customer_id=cart.customer_id,
        status_id=status_id,
        date_created=created,
        date_modified=created,
        billing_address=v2_address(cart.billing_address),
        shipping_address=v2_address(cart.consignments[0].address) if cart.consignments else None,
        products=products,
        subtotal_ex_tax=t.base_amount,
        subtotal_inc_tax=t.subtotal_inc_tax,
        shipping_ex_tax=t.shipping,
        shipping_inc_tax=t.shipping_inc_tax,
        total_ex_tax=t.cart_amount + t.shipping,
        total_inc_tax=t.grand_total,
        total_tax=t.tax_total,
        discount_amount=t.manual_discount,
        coupon_discount=t.coupon_total,
        coupons=[
            {"code": code, "coupon_id": COUPONS[code].id, "amount": amount, "type": int(COUPONS[code].type_digit)}
            for code, amount in t.coupon_amounts.items()
        ],
        shipping_method=SHIPPING_METHODS[selected[0]].description if selected else "None",
        # An order made through the Checkout API (server to server) knows no shopper: no IP, no GeoIP country.
        ip_address="" if server_side else cart.ip or "",
        geoip_country_iso2="" if server_side else (
            country_for_ip(cart.ip) or str(cart.billing_address.get("country_code", ""))),
        payment_method=payment_method,
        payment_status=payment_status,
        order_source=order_source,
        customer_message=cart.customer_message,
    )
    store.orders[order_id] = order
    cart.order_ids.append(order_id)
    return order, [order_event("created", order)]


def pay_order(store: Store, order: Order) -> list[Event]:
    """The shopper's payment went through: an Incomplete storefront order becomes Awaiting Fulfillment
    (statusUpdated 0 -> 11, updated) and its cart is converted and deleted."""
    if order.status_id != 0:
        raise SimError(409, f"Order {order.id} is not Incomplete (status {order.status_id}): nothing to pay.")
    events = [order_event("statusUpdated", order, status={"previous_status_id": 0, "new_status_id": 11})]
    order.status_id = 11
    order.payment_method, order.payment_status = "Credit Card", "captured"
    order.date_modified = now()
    events.append(order_event("updated", order))
    cart = store.carts.get(order.cart_id) if order.cart_id else None
    if cart is not None:
        events += convert_cart(store, cart, order)
    return events


def convert_cart(store: Store, cart: Cart, order: Order) -> list[Event]:
    """Payment went through: the cart becomes the order and is deleted."""
    store.carts.pop(cart.id, None)
    return [Event("store/cart/converted", {"type": "cart", "id": cart.id, "orderId": order.id})]


def update_order(order: Order, body: object) -> list[Event]:
    if not isinstance(body, dict) or not body:
        raise SimError(400, "The request body must be a JSON object with the fields to change.")
    for name in body:
        if name not in WRITABLE:
            raise SimError(400, f"The field '{name}' cannot be written to. Please remove it from your request "
                                "before trying again.")
    events: list[Event] = []
    if "status_id" in body:
        status_id = body["status_id"]
        if not isinstance(status_id, int) or isinstance(status_id, bool) or status_id not in ORDER_STATUSES:
            raise SimError(400, f"The field 'status_id' is invalid: {status_id!r} is not an order status.")
        if status_id != order.status_id:
            events.append(order_event(
                "statusUpdated", order,
                status={"previous_status_id": order.status_id, "new_status_id": status_id},
            ))
            order.status_id = status_id
    for name in ("staff_notes", "customer_message"):
        if name in body:
            if not isinstance(body[name], str):
                raise SimError(400, f"The field '{name}' must be a string.")
            setattr(order, name, body[name])
    if "billing_address" in body:
        billing = body["billing_address"]
        if not isinstance(billing, dict) or any(k not in BILLING_WRITABLE for k in billing):
            raise SimError(400, "The field 'billing_address' is invalid.")
        order.billing_address.update({k: str(v) for k, v in billing.items()})
    order.date_modified = now()
    events.append(order_event("updated", order))
    return events


def archive_order(order: Order) -> list[Event]:
    order.is_deleted = True
    order.date_modified = now()
    return [order_event("archived", order)]


MODIFIER_TYPES = {"text": "Text field", "checkbox": "Checkbox", "dropdown": "Multiple choice"}


def _modifier_option(product: Product, option_id: int, value: int | str) -> Json:
    """A line's modifier as an order product option: a text field's text, or the chosen value's label."""
    modifier = product.modifier(option_id)
    assert modifier is not None
    chosen = modifier.value(value) if isinstance(value, int) else None
    return _product_option(option_id, modifier.display_name, chosen.label if chosen else str(value), str(value),
                           MODIFIER_TYPES.get(modifier.type, modifier.type),
                           "Drop-down" if modifier.type == "dropdown" else "")


def _product_option(option_id: int, name: str, display_value: str, value: str, kind: str, style: str) -> Json:
    return {
        "id": option_id,
        "option_id": option_id,
        "order_product_id": 0,
        "product_option_id": option_id,
        "display_name": name,
        "display_value": display_value,
        "value": value,
        "type": kind,
        "name": name,
        "display_style": style,
    }
