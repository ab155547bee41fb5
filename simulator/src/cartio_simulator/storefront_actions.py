"""What a shopper does on the storefront, in one place for the control API and the synthetic shoppers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .carts import LineInput, check_email, create_cart, set_email
from .checkouts import auto_consignment, clean_address, set_billing
from .errors import invalid
from .geo import country_for_ip
from .orders import pay_order, place_order
from .people import checkout_address, random_person
from .state import Cart, Event, Json, Order, Store

if TYPE_CHECKING:
    from .runtime import Simulator

V2_TO_V3 = {"street_1": "address1", "street_2": "address2", "zip": "postal_code", "state": "state_or_province",
            "country_iso2": "country_code"}


async def shopper_creates_cart(
    sim: Simulator,
    store: Store,
    items: list[LineInput],
    *,
    email: str | None = None,
    customer_id: int = 0,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Cart:
    if email is not None:
        check_email(email)
    cart, events = create_cart(store, items, [], created_via="storefront", customer_id=customer_id)
    cart.ip = ip
    cart.user_agent = user_agent
    sim.emit(store, events)
    if email:
        sim.emit(store, set_email(cart, email))
    if ip or user_agent:
        await sim.send_beacon(store, cart)
    return cart


def _billing(sim: Simulator, store: Store, cart: Cart, email: str, raw: Json | None) -> Json:
    if raw is not None:
        merged = {V2_TO_V3.get(k, k): v for k, v in raw.items()}
        merged.setdefault("email", email)
        return clean_address(merged, "billing_address", email_required=True)
    customer = store.customers.get(cart.customer_id)
    if customer is not None:
        address = customer.addresses[0]
        return checkout_address(customer.first_name, customer.last_name, email, str(address["country_code"]),
                                customer.id, customer.phone)
    country = country_for_ip(cart.ip) or "US"
    first, last, _ = random_person(sim.rng, country)
    return checkout_address(first, last, email, country, sim.rng.randrange(3))


def shipping_address(sim: Simulator, store: Store, cart: Cart, email: str, country: str | None) -> Json:
    """The address a shopper types at checkout: their customer record's, or a made-up one in their country."""
    if country is None:
        return _billing(sim, store, cart, email, None)
    first, last, _ = random_person(sim.rng, country)
    return checkout_address(first, last, email, country, sim.rng.randrange(3))


async def shopper_checks_out(
    sim: Simulator, store: Store, cart: Cart, *, email: str | None = None, billing_address: Json | None = None,
    pay: bool = True,
) -> Order:
    """Email, billing, shipping (cheapest option): the order exists, Incomplete (status 0), as BigCommerce
    makes it before the payment step. Then the payment (`pay`; else `POST /_sim/orders/{id}/pay` later):
    Awaiting Fulfillment, and the cart is converted and gone."""
    raw_email = billing_address.get("email") if billing_address else None
    chosen = email or cart.email or (raw_email if isinstance(raw_email, str) else None)
    if not chosen and cart.customer_id in store.customers:
        chosen = store.customers[cart.customer_id].email
    if not chosen:
        raise invalid("An email is required to check out", {"email": "is required"})
    check_email(chosen)
    billing = _billing(sim, store, cart, chosen, billing_address)
    events: list[Event] = set_email(cart, chosen)
    events += set_billing(cart, billing)
    auto_consignment(cart, billing)
    order, placed = place_order(
        store, cart, status_id=0, payment_method="", payment_status="", order_source="www"
    )
    events += placed
    if pay:
        events += pay_order(store, order)
    sim.emit(store, events)
    return order
