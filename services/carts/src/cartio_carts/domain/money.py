"""Money as Decimal in the currency's precision, and times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")


def money(value: Decimal | int | str | float | None) -> Decimal:
    """A Decimal amount from anything BigCommerce or the database gives (float through its repr)."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def money_str(value: Decimal) -> str:
    """Decimal string with cents, as the API shows money: "12.50"."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
