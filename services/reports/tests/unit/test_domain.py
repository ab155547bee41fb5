"""The aggregation rules: days in the store's zone, the funnel counted once per cart, product counters."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cartio_contracts.messages import ItemChange, OrderLine
from cartio_platform.money import money_text
from cartio_reports.domain import funnel, products
from cartio_reports.domain.days import local_day, period, zone

CHICAGO = zone("America/Chicago")
UTC_ZONE = zone(None)
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _change(action: str, quantity: int, delta: int) -> ItemChange:
    return ItemChange(action=action, product_id=7, variant_id=None, name="Mug", quantity=quantity,
                      quantity_delta=delta, unit_price=Decimal("9.50"))


def test_a_moment_after_utc_midnight_is_still_yesterday_in_chicago() -> None:
    at = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)
    assert local_day(at, CHICAGO) == date(2026, 3, 10)
    assert local_day(at, UTC_ZONE) == date(2026, 3, 11)


def test_an_unknown_time_zone_counts_in_utc() -> None:
    assert zone("Mars/Olympus") == UTC_ZONE


def test_seven_days_end_today() -> None:
    assert period(date(2026, 3, 10), 7) == (date(2026, 3, 4), date(2026, 3, 10))


def test_an_added_line_counts_one_time_added_with_its_quantity() -> None:
    delta = products.from_item_change(_change("added", 3, 3), T0, UTC_ZONE)
    assert delta is not None
    assert (delta.times_added, delta.quantity_added) == (1, 3)


def test_a_raised_quantity_adds_quantity_but_not_a_time_added() -> None:
    delta = products.from_item_change(_change("quantity_changed", 5, 2), T0, UTC_ZONE)
    assert delta is not None
    assert (delta.times_added, delta.quantity_added) == (0, 2)


def test_removals_and_lowered_quantities_count_nothing() -> None:
    assert products.from_item_change(_change("removed", 0, -3), T0, UTC_ZONE) is None
    assert products.from_item_change(_change("quantity_changed", 1, -2), T0, UTC_ZONE) is None


def test_an_order_line_counts_once_with_quantity_and_revenue() -> None:
    line = OrderLine(product_id=7, variant_id=3, name="Mug", quantity=2, unit_price=Decimal("9.50"),
                     total=Decimal("19.00"))
    [delta] = products.from_order([line], T0, UTC_ZONE)
    assert (delta.variant_id, delta.times_ordered, delta.quantity_ordered, delta.revenue) == (3, 1, 2, Decimal("19.00"))


def test_conversion_rate_is_ordered_over_added_between_zero_and_one() -> None:
    assert products.conversion_rate(1, 4) == Decimal("0.2500")
    assert products.conversion_rate(3, 0) == Decimal(0)
    assert products.conversion_rate(5, 2) == Decimal(1)


def _snapshot(facts: funnel.CartFacts, *, email: bool, at: datetime = T0) -> funnel.CartFacts:
    return funnel.seen_snapshot(facts, created_at=T0, updated_at=at, has_email=email, total=Decimal("40.00"))


def test_a_cart_counts_created_and_with_email_once_however_many_snapshots() -> None:
    facts = funnel.CartFacts()
    counts: dict[tuple[date, str], Decimal] = {}
    for email in (False, True, True):
        new = _snapshot(facts, email=email)
        for key, value in funnel.difference(facts, new, UTC_ZONE).items():
            counts[key] = counts.get(key, Decimal(0)) + value
        facts = new
    assert counts == {(T0.date(), "carts_created"): 1, (T0.date(), "carts_with_email"): 1}


def test_a_conversion_after_a_send_is_a_recovery_worth_the_order_total() -> None:
    facts = _snapshot(funnel.CartFacts(), email=True)
    facts = funnel.sent(facts, T0 + timedelta(hours=1))
    facts = funnel.ordered(funnel.converted(facts, T0 + timedelta(hours=2)), Decimal("42.10"))
    out = funnel.contributions(facts, UTC_ZONE)
    assert out[(T0.date(), "carts_recovered")] == 1
    assert out[(T0.date(), "value_recovered")] == Decimal("42.10")


def test_a_conversion_before_any_send_is_not_a_recovery() -> None:
    facts = funnel.converted(_snapshot(funnel.CartFacts(), email=True), T0)
    facts = funnel.sent(facts, T0 + timedelta(hours=1))
    assert (T0.date(), "carts_recovered") not in funnel.contributions(facts, UTC_ZONE)


def test_the_checkout_cart_made_for_a_send_is_not_a_new_cart_but_its_order_is_a_recovery() -> None:
    facts = funnel.sent(_snapshot(funnel.CartFacts(), email=True), T0, recovery_of=uuid.uuid4())
    facts = funnel.converted(facts, T0 + timedelta(minutes=5))
    out = funnel.contributions(facts, UTC_ZONE)
    assert (T0.date(), "carts_created") not in out
    assert out[(T0.date(), "carts_recovered")] == 1
    assert out[(T0.date(), "value_recovered")] == Decimal("40.00")


def test_a_checkout_cart_paid_within_the_second_of_its_send_is_a_recovery() -> None:
    # The order's time has whole seconds: 12:00:00 for a payment at 12:00:00.9, after a send at 12:00:00.5.
    sent_at = T0 + timedelta(microseconds=500_000)
    facts = funnel.sent(_snapshot(funnel.CartFacts(), email=True), sent_at, recovery_of=uuid.uuid4())
    facts = funnel.converted(facts, T0)
    assert funnel.contributions(facts, UTC_ZONE)[(T0.date(), "carts_recovered")] == 1


def test_a_blocked_cart_counts_blocked_not_deleted() -> None:
    facts = funnel.deleted(_snapshot(funnel.CartFacts(), email=False), T0, blocked=True)
    facts = funnel.deleted(facts, T0, blocked=False)
    out = funnel.contributions(facts, UTC_ZONE)
    assert out[(T0.date(), "carts_blocked")] == 1
    assert (T0.date(), "carts_deleted") not in out


def test_only_the_first_abandonment_counts_with_its_value() -> None:
    later = funnel.abandoned(funnel.CartFacts(), T0 + timedelta(days=1), Decimal("99"))
    facts = funnel.abandoned(later, T0, Decimal("40"))
    out = funnel.contributions(facts, UTC_ZONE)
    assert out == {(T0.date(), "carts_abandoned"): 1, (T0.date(), "value_abandoned"): Decimal("40")}


def test_a_cart_ordered_before_any_snapshot_counts_created_with_the_email_of_its_order() -> None:
    facts = funnel.ordered(funnel.CartFacts(), Decimal("12.00"), at=T0 + timedelta(minutes=1), has_email=True)
    facts = funnel.converted(facts, T0 + timedelta(minutes=1))
    assert funnel.contributions(facts, UTC_ZONE) == {(T0.date(), "carts_created"): 1,
                                                     (T0.date(), "carts_with_email"): 1,
                                                     (T0.date(), "carts_converted"): 1}
    # a snapshot arriving afterwards moves nothing but the creation time: still one cart
    later = _snapshot(facts, email=False)
    assert funnel.difference(facts, later, UTC_ZONE) == {}


def test_the_exports_rate_and_money_texts_are_those_the_api_writes() -> None:
    for ordered_ in range(0, 12):
        for added_ in range(0, 12):
            assert products.rate_text(ordered_, added_) == str(products.conversion_rate(ordered_, added_))
    for currency, digits in (("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)):
        for units in (0, 4, 5, 49, 50, 149, 150, 4_999, 5_000, 12_345, 125_000, -50, -149, 99_999_950):
            assert products.money_of_units(units, digits) == money_text(Decimal(units).scaleb(-4), currency), units
