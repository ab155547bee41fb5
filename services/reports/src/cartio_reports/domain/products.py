"""Product counters: what an item change or an order line adds to a product's (and variant's) day."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from cartio_contracts.messages import ItemChange, OrderLine

from .days import local_day


@dataclass(frozen=True)
class ProductDelta:
    day: date
    product_id: int
    variant_id: int  # 0: no variant
    times_added: int = 0
    quantity_added: int = 0
    times_ordered: int = 0
    quantity_ordered: int = 0
    revenue: Decimal = Decimal(0)


def from_item_change(change: ItemChange, at: datetime, tz: ZoneInfo) -> ProductDelta | None:
    """An added line counts one "time added" with its quantity; a raised quantity adds to "quantity added";
    removals and lowered quantities count nothing (the demand was there)."""
    day, variant = local_day(at, tz), change.variant_id or 0
    if change.action == "added":
        quantity = change.quantity_delta if change.quantity_delta > 0 else change.quantity
        return ProductDelta(day, change.product_id, variant, times_added=1, quantity_added=max(quantity, 0))
    if change.action == "quantity_changed" and change.quantity_delta > 0:
        return ProductDelta(day, change.product_id, variant, quantity_added=change.quantity_delta)
    return None


def from_order(lines: Iterable[OrderLine], at: datetime, tz: ZoneInfo) -> list[ProductDelta]:
    """Each line of an order: one "time ordered" of its product, its quantity and its total as revenue."""
    day = local_day(at, tz)
    return [
        ProductDelta(day, line.product_id, line.variant_id or 0, times_ordered=1, quantity_ordered=line.quantity,
                     revenue=line.total)
        for line in lines
    ]


def conversion_rate(times_ordered: int, times_added: int) -> Decimal:
    """Ordered ÷ added, 0 to 1 with four places (an order without an add in the period still caps at 1)."""
    if times_added <= 0:
        return Decimal(0)
    rate = min(Decimal(times_ordered) / Decimal(times_added), Decimal(1))
    return rate.quantize(Decimal("0.0001"))


@functools.lru_cache(maxsize=65_536)  # few distinct (ordered, added) pairs among a catalog's products
def rate_text(times_ordered: int, times_added: int) -> str:
    """str(conversion_rate(...)) in integer arithmetic (the CSV writes one per product: 10,000 of them)."""
    if times_added <= 0:
        return "0"
    if times_ordered >= times_added:
        return "1.0000"
    q, r = divmod(times_ordered * 10_000, times_added)
    if 2 * r > times_added or (2 * r == times_added and q % 2 == 1):  # half to even, as Decimal's quantize
        q += 1
    return f"{q // 10_000}.{q % 10_000:04d}"


def money_of_units(units: int, exponent: int = 2) -> str:
    """Ten-thousandths as the API writes money in a currency of `exponent` digits ("12.50" USD, "1235" JPY,
    "1.235" KWD; half up, as cartio_platform.money), in integer arithmetic."""
    return money_formatter(exponent)(units)


@functools.lru_cache(maxsize=8)
def money_formatter(exponent: int) -> Callable[[int], str]:
    """money_of_units for one currency precision, its constants computed once (the CSV writes 10,000 amounts)."""
    step = 10 ** (4 - exponent)
    half = step // 2

    def text(units: int) -> str:
        if units < 0:
            return "-" + text(-units)
        digits = str((units + half) // step)
        if exponent == 0:
            return digits
        digits = digits.rjust(exponent + 1, "0")
        return digits[:-exponent] + "." + digits[-exponent:]

    return text
