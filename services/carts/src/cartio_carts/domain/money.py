"""Money as Decimal in the currency's precision, and times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from cartio_platform.money import money_text

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


def money_str(value: Decimal, currency: str | None = None) -> str:
    """Decimal string as the API shows money, in the currency's own precision: "12.50" USD, "1235" JPY,
    "1.235" KWD. Without a currency (amounts carts keeps for itself), in cents as before."""
    if currency is not None:
        return money_text(value, currency)
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
