"""The `order.placed` event carts publishes: what the blacklist and reports judge an order by."""

from __future__ import annotations

from cartio_bigcommerce.models import Order, OrderAddress
from cartio_carts.domain.orders import order_placed


def test_the_order_event_carries_the_billing_country_beside_the_geoip_country() -> None:
    order = Order(id=7, status_id=11, geoip_country_iso2="US", ip_address="203.0.113.9",
                  billing_address=OrderAddress(email="a@b.example", country_iso2="fr"))
    event = order_placed(order, [])
    assert event.country == "US"
    assert event.billing_country == "FR"


def test_an_order_without_a_billing_country_says_none() -> None:
    event = order_placed(Order(id=8, status_id=11, billing_address=OrderAddress(email="a@b.example")), [])
    assert event.billing_country is None
