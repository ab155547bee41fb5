"""When carts reads a cart's checkout: only when it can show the merchant something the cart answer does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cartio_bigcommerce import Cart
from cartio_carts.domain import map_cart
from cartio_carts.snapshots import checkout_can_matter, checkout_can_wait

from .test_domain import T0, bc_cart, line


def stored(cart: Cart, **over: Any) -> dict[str, Any]:
    """The row carts keeps after reading `cart` (without its checkout)."""
    view = map_cart(cart, None)
    row: dict[str, Any] = {
        "cart_id": view.cart_id, "currency": view.currency, "channel_id": view.channel_id,
        "customer_id": view.customer_id, "email": view.email, "name": view.name,
        "items": [i.to_json() for i in view.items], "subtotal": view.subtotal, "discount": view.discount,
        "coupon_codes": list(view.coupon_codes), "shipping": view.shipping, "tax": view.tax,
        "grand_total": view.grand_total, "created_at": view.created_at, "updated_at": view.updated_at,
        "version": view.version, "bc_updated_time": view.clock.updated_time, "bc_seq": view.clock.seq,
    }
    return {**row, **over}


def test_a_cart_seen_for_the_first_time_has_its_checkout_read() -> None:
    assert checkout_can_matter(bc_cart([line("a", 1, 1, 5.0)]), None)


def test_a_cart_unchanged_since_its_snapshot_has_no_checkout_read_even_with_an_email() -> None:
    cart = bc_cart([line("a", 1, 1, 5.0)], email="ana@buyer.example")
    assert not checkout_can_matter(cart, stored(cart))


def test_a_guests_item_change_before_checkout_has_no_checkout_read() -> None:
    before = bc_cart([line("a", 1, 1, 5.0)])
    after = bc_cart([line("a", 1, 3, 5.0)], version=2, updated=T0 + timedelta(seconds=5))
    assert not checkout_can_matter(after, stored(before))


def test_a_cart_with_an_email_or_shipping_seen_has_its_checkout_read_on_a_change() -> None:
    before = bc_cart([line("a", 1, 1, 5.0)])
    changed = bc_cart([line("a", 1, 3, 5.0)], version=2, updated=T0 + timedelta(seconds=5))
    emailed = bc_cart([line("a", 1, 3, 5.0)], version=2, updated=T0 + timedelta(seconds=5), email="a@b.example")
    assert checkout_can_matter(emailed, stored(before))
    assert checkout_can_matter(changed, stored(before, shipping=10, tax=2))


def test_a_cart_that_moved_without_a_change_of_its_own_has_its_checkout_read() -> None:
    before = bc_cart([line("a", 1, 1, 5.0)])
    moved = bc_cart([line("a", 1, 1, 5.0)], version=2, updated=T0 + timedelta(seconds=5))
    assert checkout_can_matter(moved, stored(before))


def test_a_guests_cart_that_moved_further_than_its_updates_explain_has_its_checkout_read() -> None:
    before = bc_cart([line("a", 1, 1, 5.0)])
    # one quantity change (one store/cart/updated) and a consignment taken before any email: version 1 -> 3
    changed = bc_cart([line("a", 1, 3, 5.0)], version=3, updated=T0 + timedelta(seconds=5))
    assert checkout_can_matter(changed, stored(before), updates=1)


def test_a_guests_burst_of_changes_each_with_its_update_has_no_checkout_read() -> None:
    before = bc_cart([line("a", 1, 1, 5.0)])
    burst = bc_cart([line("a", 1, 7, 5.0)], version=21, updated=T0 + timedelta(seconds=5))
    assert not checkout_can_matter(burst, stored(before), updates=20)
    assert not checkout_can_matter(burst, stored(before), updates=22)  # late ones counted: no read either


def test_the_first_read_of_a_burst_leaves_an_unexplained_move_to_the_bursts_later_read() -> None:
    before = bc_cart([line("a", 1, 1, 5.0)])
    # two changes made, the second one's webhook still on its way when the first one's read began
    seen = bc_cart([line("a", 1, 3, 5.0)], version=3, updated=T0 + timedelta(seconds=5))
    assert checkout_can_wait(seen, stored(before), updates=1) == 1
    assert checkout_can_wait(seen, stored(before), updates=2) == 0
    emailed = bc_cart([line("a", 1, 3, 5.0)], version=3, updated=T0 + timedelta(seconds=5), email="a@b.example")
    assert checkout_can_wait(emailed, stored(before), updates=1) == 0  # read now: the email makes it matter


def test_the_later_read_has_the_checkout_read_unless_the_webhooks_came_to_explain_the_move() -> None:
    seen = bc_cart([line("a", 1, 3, 5.0)], version=3, updated=T0 + timedelta(seconds=5))
    assert checkout_can_matter(seen, stored(seen), updates=-1)  # nothing came: a checkout change
    assert not checkout_can_matter(seen, stored(seen), updates=0)  # the late webhook came
    later = bc_cart([line("a", 1, 4, 5.0)], version=5, updated=T0 + timedelta(seconds=6))
    assert checkout_can_matter(later, stored(seen), updates=1)  # the late one and one more, and a checkout move
