"""Create-order rules: the billing address BigCommerce needs and the shipping option Cartio picks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cartio_bigcommerce.models import Customer, ShippingOption

from .money import money

# What BigCommerce requires of a checkout's billing address (doc 6); a store may ask more of the shipping
# address, and then refuses the consignment with its own message.
REQUIRED_ADDRESS_FIELDS = ("email", "country_code")
# ... and of the address physical items are shipped to (doc 6: what order creation needs).
REQUIRED_SHIPPING_FIELDS = ("first_name", "last_name", "email", "address1", "city", "country_code")


def missing_address_fields(address: Mapping[str, Any], *, shipping: bool = False) -> list[str]:
    required = REQUIRED_SHIPPING_FIELDS if shipping else REQUIRED_ADDRESS_FIELDS
    return [f for f in required if not str(address.get(f) or "").strip()]


def address_from_customer(customer: Customer) -> dict[str, Any]:
    """A checkout address from a customer's record (their first address, their name and email)."""
    address: dict[str, Any] = {"first_name": customer.first_name, "last_name": customer.last_name,
                               "email": customer.email, "company": customer.company, "phone": customer.phone}
    if customer.addresses:
        a = customer.addresses[0]
        address.update({
            "first_name": a.first_name or customer.first_name, "last_name": a.last_name or customer.last_name,
            "company": a.company or customer.company, "address1": a.address1, "address2": a.address2,
            "city": a.city, "state_or_province": a.state_or_province, "postal_code": a.postal_code,
            "country_code": a.country_code, "phone": a.phone or customer.phone,
        })
    return {k: v for k, v in address.items() if v not in (None, "")}


def cheapest(options: Sequence[ShippingOption]) -> ShippingOption | None:
    if not options:
        return None
    return min(options, key=lambda o: (money(o.cost), o.description or "", o.id))
