"""How BigCommerce writes money and dates: v3 numbers and ISO 8601, v2 4-decimal strings and RFC 2822."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from email.utils import format_datetime

CENT = Decimal("0.01")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def cents(value: Decimal) -> Decimal:
    """Rounds to whole cents (half up, as a till would)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def v3_money(value: Decimal) -> float:
    """A v3 money number (JSON number)."""
    return float(cents(value))


def v2_money(value: Decimal) -> str:
    """A v2 money string with 4 decimals, e.g. "62.6800"."""
    return str(cents(value).quantize(Decimal("0.0001")))


def v3_time(value: datetime) -> str:
    """ISO 8601 with an explicit offset, e.g. "2026-03-02T10:15:00+00:00"."""
    return value.astimezone(UTC).isoformat()


def v2_time(value: datetime) -> str:
    """RFC 2822, e.g. "Tue, 03 Mar 2026 10:40:11 +0000"."""
    return format_datetime(value.astimezone(UTC))


def script_time(value: datetime) -> str:
    """Scripts API dates, e.g. "2019-08-24T14:15:22Z"."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unix(value: datetime) -> int:
    return int(value.timestamp())
